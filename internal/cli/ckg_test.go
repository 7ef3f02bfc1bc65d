package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ckgRepo(t *testing.T) (repo, cache string) {
	t.Helper()
	repo, cache = t.TempDir(), t.TempDir()
	files := map[string]string{
		"a/a.go":    "package a\n\n// Server serves.\ntype Server struct{}\n\nfunc (s *Server) Serve() {}\n\nfunc NewServer() *Server { return &Server{} }\n",
		"b/b.go":    "package b\n\nimport \"example.com/m/a\"\n\nfunc Run() { a.NewServer().Serve() }\n",
		"ui/app.js": "const serve = () => 1;\nclass Server { start() { serve(); } }\n",
	}
	for p, src := range files {
		full := filepath.Join(repo, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(src), 0o644))
	}
	return repo, cache
}

func TestCKGIndex(t *testing.T) {
	repo, cache := ckgRepo(t)
	code, out, errOut := run(t, "ckg", "index", "--repo", repo, "--cache-dir", cache)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "3 files, 7 symbols")

	code, out, errOut = run(t, "ckg", "index", "--repo", repo, "--cache-dir", cache, "--json")
	require.Equal(t, 0, code, errOut)
	var st struct {
		Files, Symbols, Parsed, Reused int
		Seconds                        float64
		Languages                      map[string]int
		CacheLoaded                    bool `json:"cache_loaded"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	assert.Equal(t, 3, st.Files)
	assert.Equal(t, 7, st.Symbols)
	assert.Equal(t, 0, st.Parsed, "the second run reads the cache")
	assert.Equal(t, 3, st.Reused)
	assert.True(t, st.CacheLoaded)
	assert.Positive(t, st.Seconds)
	assert.Equal(t, map[string]int{"go": 2, "javascript": 1}, st.Languages)
}

type jsonSymbol struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Path      string `json:"path"`
	StartLine int    `json:"start_line"`
	EndLine   int    `json:"end_line"`
	Parent    string `json:"parent"`
}

func TestCKGSearch(t *testing.T) {
	repo, cache := ckgRepo(t)
	tests := []struct {
		args []string
		want []jsonSymbol
	}{
		{[]string{"--name", "Server"}, []jsonSymbol{
			{"Server", "struct", "a/a.go", 4, 4, ""}, {"Server", "class", "ui/app.js", 2, 2, ""}}},
		{[]string{"--name", "serve", "--match", "ignorecase", "--kind", "method"}, []jsonSymbol{
			{"Serve", "method", "a/a.go", 6, 6, "Server"}}},
		{[]string{"--name", "serve", "--match", "ignorecase", "--kind", "function"}, []jsonSymbol{
			{"Serve", "method", "a/a.go", 6, 6, "Server"}, {"serve", "function", "ui/app.js", 1, 1, ""}}},
		{[]string{"--name", "Ser", "--match", "prefix", "--kind", "class"}, []jsonSymbol{
			{"Server", "struct", "a/a.go", 4, 4, ""}, {"Server", "class", "ui/app.js", 2, 2, ""}}},
		{[]string{"--name", "nwsrv", "--match", "fuzzy"}, []jsonSymbol{{"NewServer", "function", "a/a.go", 8, 8, ""}}},
		{[]string{"--name", "Server", "--limit", "1"}, []jsonSymbol{{"Server", "struct", "a/a.go", 4, 4, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.args[1], func(t *testing.T) {
			args := append([]string{"ckg", "search", "--repo", repo, "--cache-dir", cache, "--json"}, tt.args...)
			code, out, errOut := run(t, args...)
			require.Equal(t, 0, code, errOut)
			var got []jsonSymbol
			require.NoError(t, json.Unmarshal([]byte(out), &got), out)
			assert.Equal(t, tt.want, got)
		})
	}
	code, out, _ := run(t, "ckg", "search", "--repo", repo, "--cache-dir", cache, "--name", "NewServer")
	assert.Equal(t, 0, code)
	assert.Equal(t, "a/a.go:8-8 function NewServer  func NewServer() *Server\n", out)
}

func TestCKGDefAndRefs(t *testing.T) {
	repo, cache := ckgRepo(t)
	base := []string{"--repo", repo, "--cache-dir", cache, "--json"}
	code, out, errOut := run(t, append([]string{"ckg", "def", "--at", "b/b.go:5:29"}, base...)...)
	require.Equal(t, 0, code, errOut)
	var syms []jsonSymbol
	require.NoError(t, json.Unmarshal([]byte(out), &syms))
	assert.Equal(t, []jsonSymbol{{"Serve", "method", "a/a.go", 6, 6, "Server"}}, syms)

	code, out, errOut = run(t, append([]string{"ckg", "def", "--name", "Server.Serve"}, base...)...)
	require.Equal(t, 0, code, errOut)
	require.NoError(t, json.Unmarshal([]byte(out), &syms))
	assert.Len(t, syms, 1)

	for _, args := range [][]string{{"--name", "NewServer"}, {"--at", "a/a.go:8:6"}} {
		code, out, errOut = run(t, append(append([]string{"ckg", "refs"}, args...), base...)...)
		require.Equal(t, 0, code, errOut)
		var refs []struct {
			Path      string `json:"path"`
			Line      int    `json:"line"`
			Column    int    `json:"column"`
			Qualifier string `json:"qualifier"`
			Call      bool   `json:"call"`
			Scope     string `json:"scope"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &refs))
		require.Len(t, refs, 1, out)
		assert.Equal(t, "b/b.go", refs[0].Path)
		assert.Equal(t, 5, refs[0].Line)
		assert.Equal(t, 16, refs[0].Column)
		assert.Equal(t, "a", refs[0].Qualifier)
		assert.True(t, refs[0].Call)
		assert.Equal(t, "Run", refs[0].Scope)
	}
}

// Every query that finds nothing says so on stderr and exits with 1,
// printing the empty result ([] with --json).
func TestCKGNothingFound(t *testing.T) {
	repo, cache := ckgRepo(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"search", "--name", "Nothing"}, `nothing found: no definition matches "Nothing" (--match exact)`},
		{[]string{"def", "--name", "Nothing"}, `nothing found: no definition of "Nothing"`},
		{[]string{"def", "--at", "a/a.go:1:1"}, "nothing found: a/a.go:1:1"},
		{[]string{"refs", "--name", "Nothing"}, `nothing found: no use of "Nothing"`},
		{[]string{"refs", "--at", "a/a.go:1:1"}, "nothing found: a/a.go:1:1"},
		{[]string{"refs", "--at", "missing.go:1:1"}, "nothing found: "},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := append([]string{"ckg"}, tt.args...)
			args = append(args, "--repo", repo, "--cache-dir", cache)
			code, out, errOut := run(t, args...)
			assert.Equal(t, 1, code)
			assert.Empty(t, out)
			assert.Contains(t, errOut, "conclave ckg: "+tt.want)

			code, out, _ = run(t, append(args, "--json")...)
			assert.Equal(t, 1, code)
			assert.JSONEq(t, "[]", out)
		})
	}
}

func TestCKGRefsLimit(t *testing.T) {
	repo, cache := ckgRepo(t)
	code, out, errOut := run(t, "ckg", "refs", "--repo", repo, "--cache-dir", cache, "--name", "Server")
	require.Equal(t, 0, code, errOut)
	require.Greater(t, strings.Count(out, "\n"), 1, out)
	code, limited, errOut := run(t, "ckg", "refs", "--repo", repo, "--cache-dir", cache, "--name", "Server", "--limit", "1")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, strings.SplitAfter(out, "\n")[0], limited)
	code, _, errOut = run(t, "ckg", "refs", "--repo", repo, "--name", "Server", "--limit", "-1")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--limit is -1")
}

func TestCKGHelpListsFlags(t *testing.T) {
	code, _, errOut := run(t, "ckg", "-h")
	assert.Equal(t, 0, code)
	for _, want := range []string{"Exit status", "Flags of search:", "Flags of refs:", "-name", "-match", "-kind", "-limit", "-at", "-repo", "-json", "-cache-dir", "-no-cache"} {
		assert.Contains(t, errOut, want)
	}
	refs := errOut[strings.Index(errOut, "Flags of refs:"):]
	assert.Contains(t, refs, "-limit", "refs takes --limit like search")
}

func TestCKGErrors(t *testing.T) {
	repo, cache := ckgRepo(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"ckg"}, 2, "missing subcommand"},
		{[]string{"ckg", "frob"}, 2, `unknown subcommand "frob"`},
		{[]string{"ckg", "search", "--repo", repo}, 2, "--name is required"},
		{[]string{"ckg", "search", "--repo", repo, "--name", "x", "--kind", "blob"}, 2, `unknown kind "blob"`},
		{[]string{"ckg", "search", "--repo", repo, "--name", "x", "--match", "regex"}, 2, `unknown match "regex"`},
		{[]string{"ckg", "def", "--repo", repo}, 2, "give --name NAME or --at file:line:col"},
		{[]string{"ckg", "def", "--repo", repo, "--at", "a.go:3"}, 2, "want file:line:col"},
		{[]string{"ckg", "def", "--repo", repo, "--at", "a.go:1:1", "--name", "x"}, 2, "not both"},
		{[]string{"ckg", "refs", "--repo", repo, "--cache-dir", cache, "--at", "a/a.go:1:1"}, 1, "no identifier there"},
		{[]string{"ckg", "index", "--repo", filepath.Join(repo, "missing")}, 1, "root"},
		{[]string{"ckg", "index", "--repo", repo, "extra"}, 2, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			code, _, errOut := run(t, tt.args...)
			assert.Equal(t, tt.code, code)
			assert.Contains(t, errOut, tt.want)
		})
	}
	code, _, errOut := run(t, "ckg", "search", "-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, errOut, "-name")
}
