package discovery

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/tools"
)

var files = []string{
	"README.md",
	"cmd/server/main.go",
	"internal/store/store.go",
	"lib/src/index.js",
	"pkg/__init__.py",
	"pkg/core/__init__.py",
	"pkg/core/engine.py",
	"src/main/java/com/acme/shop/Cart.java",
	"tests/test_engine.py",
}

func TestIdentifiers(t *testing.T) {
	for _, tc := range []struct {
		task string
		want []string
	}{
		{"`Engine.run` fails when called twice", []string{"Engine", "run"}},
		{"calling parse_config() on an empty file crashes", []string{"parse_config"}},
		{"HTTPServer and getUserName are slow; see io.Reader", []string{"HTTPServer", "getUserName", "Reader"}},
		{"The engine is slow. Then it stops.", nil},
		{"see pkg/core/engine.py for the engine", nil},
		{"`x` and `ab` are too short, `run_all` is not", []string{"run_all"}},
	} {
		assert.Equal(t, tc.want, identifiers(tc.task), tc.task)
	}
}

func TestFrames(t *testing.T) {
	task := `Traceback (most recent call last):
  File "/srv/app/pkg/core/engine.py", line 42, in run
  File "/usr/lib/python3.11/json/decoder.py", line 337, in decode
Exception in thread "main" java.lang.NullPointerException
	at com.acme.shop.Cart.total(Cart.java:17)
	at com.acme.shop.Cart$Line.price(Cart.java:88)
goroutine 1 [running]:
main.main()
	/home/ci/work/internal/store/store.go:12 +0x1d
    at load (/app/lib/src/index.js:7:13)
`
	got := frames(newFileSet(files), task)
	assert.Equal(t, []frame{
		{path: "pkg/core/engine.py", line: 42, fn: "run"},
		{path: "src/main/java/com/acme/shop/Cart.java", line: 17, fn: "com.acme.shop.Cart.total"},
		{path: "src/main/java/com/acme/shop/Cart.java", line: 88, fn: "com.acme.shop.Cart$Line.price"},
		{path: "internal/store/store.go", line: 12},
		{path: "lib/src/index.js", line: 7},
	}, got)
}

func TestNamedAndEntryPoints(t *testing.T) {
	assert.Equal(t, []string{"pkg/core/engine.py", "tests/test_engine.py", "README.md"},
		named(newFileSet(files), "engine.py breaks; tests/test_engine.py shows it (and README.md says otherwise); nothing.py is not here"))
	assert.Equal(t, []string{"pkg/__init__.py", "pkg/core/__init__.py"}, named(newFileSet(files), "__init__.py"))
	many := []string{"a/x.py", "b/x.py", "c/x.py", "d/x.py"}
	assert.Nil(t, named(newFileSet(many), "x.py"), "a name shared by more than three files points nowhere")
	assert.Equal(t, []string{"d/x.py"}, named(newFileSet(many), "/elsewhere/d/x.py"))
	assert.Equal(t, []string{"pkg/__init__.py", "cmd/server/main.go", "lib/src/index.js", "pkg/core/__init__.py"}, entryPoints(files))
}

func FuzzTaskText(f *testing.F) {
	f.Add("File \"a/b.py\", line 3, in f\n`x.y` z_w() at a.B(C.java:1) c.go:9")
	f.Add(strings.Repeat("pkg/core/engine.py:1 ", 100))
	f.Fuzz(func(t *testing.T, task string) {
		if n := len(named(newFileSet(files), task)); n > maxNamed {
			t.Fatalf("%d named files", n)
		}
		if n := len(frames(newFileSet(files), task)); n > maxFrames {
			t.Fatalf("%d frames", n)
		}
		if n := len(identifiers(task)); n > maxIdentifiers {
			t.Fatalf("%d identifiers", n)
		}
	})
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"a.py": "def run():\n    helper()\n", "b.py": "def helper(): pass\n"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	ws, err := tools.NewLocal(dir, nil)
	require.NoError(t, err)
	defer ws.Close()

	r, problem := validate(ws, `{"files":[{"path":"./a.py","why":"runs","symbols":["run","b.helper()"]},{"path":"`+filepath.Join(dir, "b.py")+`","why":"helps","symbols":[]}],
		"relations":[{"from":"a.py","to":"b.py","kind":"calls","symbol":"helper"}],"summary":"a calls b"}`, 10)
	require.Empty(t, problem)
	assert.Equal(t, "a.py", r.Files[0].Path)
	assert.Equal(t, "b.py", r.Files[1].Path, "paths are made relative to the root")
	assert.Equal(t, `{"files":[{"path":"a.py","why":"runs","symbols":["run","b.helper()"]},{"path":"b.py","why":"helps","symbols":[]}],"relations":[{"from":"a.py","to":"b.py","kind":"calls","symbol":"helper"}],"summary":"a calls b"}`, r.encode())

	for _, tc := range []struct{ answer, problem string }{
		{`{"files":[],"summary":"s"}`, "lists no file"},
		{`{"files":[{"path":"c.py","why":"w","symbols":[]}],"summary":"s"}`, "c.py does not exist"},
		{`{"files":[{"path":"sub","why":"w","symbols":[]}],"summary":"s"}`, "sub is not a file"},
		{`{"files":[{"path":"../x.py","why":"w","symbols":[]}],"summary":"s"}`, "outside"},
		{`{"files":[{"path":"a.py","why":"w","symbols":[]},{"path":"a.py","why":"w","symbols":[]}],"summary":"s"}`, "a.py is listed twice"},
		{`{"files":[{"path":"a.py","why":" ","symbols":[]}],"summary":"s"}`, "a.py has no reason"},
		{`{"files":[{"path":"a.py","why":"w","symbols":["runner","helper"]}],"summary":"s"}`, `a.py does not contain "runner"`},
		{`{"files":[{"path":"a.py","why":"w","symbols":[]}],"relations":[{"from":"a.py","to":"b.py","kind":"calls"}],"summary":"s"}`, "names b.py, which is not among the listed files"},
		{`{"files":[{"path":"a.py","why":"w","symbols":[]}],"relations":[{"from":"a.py","to":"a.py","kind":"likes"}],"summary":"s"}`, `kind "likes"`},
		{`{"files":[{"path":"a.py","why":"w","symbols":[]}],"summary":""}`, "summary is empty"},
		{`{"files":[{"path":"a.py","why":"w","symbols":[]}],"summary":"s","extra":1}`, "not a Result"},
		{`{"files":[{"path":"a.py","why":"w"},{"path":"b.py","why":"w"}],"summary":"s"}`, "keep the 1 that matter most"},
	} {
		max := 10
		if strings.Contains(tc.problem, "keep the 1") {
			max = 1
		}
		_, problem := validate(ws, tc.answer, max)
		assert.Contains(t, problem, tc.problem, tc.answer)
	}
}
