package tools_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/tools"
)

// newWorkspace returns a workspace holding a file, a directory, and
// symbolic links pointing inside and outside.
func newWorkspace(t testing.TB) (*tools.Local, string) {
	t.Helper()
	root, outside := t.TempDir(), t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "pkg"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "pkg", "a.go"), []byte("package a\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("x"), 0o644))
	require.NoError(t, os.Symlink(filepath.Join(root, "pkg"), filepath.Join(root, "inlink")))
	require.NoError(t, os.Symlink(outside, filepath.Join(root, "outlink")))
	require.NoError(t, os.Symlink(filepath.Join(outside, "new-file"), filepath.Join(root, "dangling")))
	require.NoError(t, os.Symlink("../"+filepath.Base(outside), filepath.Join(root, "relout")))
	require.NoError(t, os.Symlink("loop", filepath.Join(root, "loop")))
	ws, err := tools.NewLocal(root)
	require.NoError(t, err)
	return ws, outside
}

func TestResolve(t *testing.T) {
	ws, outside := newWorkspace(t)
	root := ws.Root()
	ok := map[string]string{
		"pkg/a.go":                      filepath.Join(root, "pkg/a.go"),
		filepath.Join(root, "pkg/a.go"): filepath.Join(root, "pkg/a.go"),
		"new/dir/file.py":               filepath.Join(root, "new/dir/file.py"),
		"pkg/../pkg/a.go":               filepath.Join(root, "pkg/a.go"),
		".":                             root,
		root:                            root,
		"inlink/a.go":                   filepath.Join(root, "inlink/a.go"),
		"inlink/not-yet":                filepath.Join(root, "inlink/not-yet"),
	}
	for in, want := range ok {
		got, err := ws.Resolve(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, got, in)
		}
	}
	refused := []string{
		"..", "../x", "pkg/../../x", "/etc/passwd", outside, filepath.Join(outside, "secret"),
		"outlink/secret", "outlink", "dangling", "relout/secret", "loop", "",
		root + "-sibling/x", "a\x00b",
	}
	for _, in := range refused {
		_, err := ws.Resolve(in)
		assert.Error(t, err, "%q must be refused", in)
	}
	_, err := ws.Resolve("outlink/secret")
	assert.ErrorIs(t, err, tools.ErrOutsideRoot)
	assert.Contains(t, err.Error(), "symbolic link")
}

func TestNewLocalErrors(t *testing.T) {
	_, err := tools.NewLocal(filepath.Join(t.TempDir(), "missing"))
	assert.Error(t, err)
	f := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(f, nil, 0o644))
	_, err = tools.NewLocal(f)
	assert.ErrorContains(t, err, "not a directory")
}

func TestCommandRunsInRoot(t *testing.T) {
	ws, err := tools.NewLocal(t.TempDir(), "CONCLAVE_A=1")
	require.NoError(t, err)
	out, err := ws.Command(t.Context(), []string{"CONCLAVE_B=2"}, "sh", "-c", "pwd; echo $CONCLAVE_A$CONCLAVE_B").Output()
	require.NoError(t, err)
	assert.Equal(t, ws.Root()+"\n12\n", string(out))
	var _ *exec.Cmd = ws.Command(t.Context(), nil, "true")
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"a", "../a", "/", "outlink/../pkg", "inlink/../../x", "./././pkg//a.go", "dangling/x"} {
		f.Add(s)
	}
	ws, _ := newWorkspace(f)
	f.Fuzz(func(t *testing.T, p string) {
		got, err := ws.Resolve(p)
		if err != nil {
			return
		}
		// Whatever is accepted lies inside the root, even with links
		// evaluated.
		rel, rerr := filepath.Rel(ws.Root(), got)
		require.NoError(t, rerr)
		assert.False(t, rel == ".." || strings.HasPrefix(rel, "../"), "%q resolved to %q outside the root", p, got)
		real, err := filepath.EvalSymlinks(got)
		if err == nil {
			rel, _ := filepath.Rel(ws.Root(), real)
			assert.False(t, rel == ".." || strings.HasPrefix(rel, "../"), "%q resolved through a link to %q", p, real)
		}
	})
}
