package tools_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
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
	ws, err := tools.NewLocal(root, nil)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return ws, outside
}

func TestResolve(t *testing.T) {
	ws, outside := newWorkspace(t)
	root := ws.Root()
	ok := map[string]string{
		"pkg/a.go":                      "pkg/a.go",
		filepath.Join(root, "pkg/a.go"): "pkg/a.go",
		"new/dir/file.py":               "new/dir/file.py",
		"pkg/../pkg/a.go":               "pkg/a.go",
		".":                             ".",
		root:                            ".",
		"inlink/a.go":                   "pkg/a.go", // links evaluated
		"inlink/not-yet":                "pkg/not-yet",
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
	_, err := tools.NewLocal(filepath.Join(t.TempDir(), "missing"), nil)
	assert.Error(t, err)
	f := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(f, nil, 0o644))
	_, err = tools.NewLocal(f, nil)
	assert.ErrorContains(t, err, "not a directory")
	_, err = tools.NewLocal(t.TempDir(), &tools.LocalOptions{Env: []string{"NOVALUE"}})
	assert.ErrorContains(t, err, "LocalOptions.Env entry \"NOVALUE\" is not NAME=value")
}

func TestCommandRunsInRoot(t *testing.T) {
	ws, err := tools.NewLocal(t.TempDir(), &tools.LocalOptions{Env: []string{"CONCLAVE_A=1"}})
	require.NoError(t, err)
	defer ws.Close()
	out, err := ws.Command(t.Context(), []string{"CONCLAVE_B=2"}, "sh", "-c", "pwd; echo $CONCLAVE_A$CONCLAVE_B").Output()
	require.NoError(t, err)
	assert.Equal(t, ws.Root()+"\n12\n", string(out))
	var _ *exec.Cmd = ws.Command(t.Context(), nil, "true")
}

// Commands do not see this process's credentials unless they are passed
// by name; explicit entries pass as given.
func TestCommandScrubsCredentials(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
	t.Setenv("GITHUB_TOKEN", "ghp-secret")
	t.Setenv("HTTPS_PROXY", "http://user:hunter2@proxy.example:3128")
	t.Setenv("GOFLAGS", "-mod=mod")
	ws, err := tools.NewLocal(t.TempDir(), &tools.LocalOptions{PassEnv: []string{"GITHUB_TOKEN"}, Env: []string{"MY_TOKEN=given"}})
	require.NoError(t, err)
	defer ws.Close()
	out, err := ws.Command(t.Context(), nil, "env").Output()
	require.NoError(t, err)
	env := string(out)
	assert.NotContains(t, env, "sk-ant-secret")
	assert.NotContains(t, env, "hunter2")
	assert.Contains(t, env, "GITHUB_TOKEN=ghp-secret\n", "passed by name")
	assert.Contains(t, env, "MY_TOKEN=given\n", "given explicitly")
	assert.Contains(t, env, "GOFLAGS=-mod=mod\n")
	assert.Contains(t, env, "PATH=")
}

func TestLockSerialisesAFile(t *testing.T) {
	ws, _ := newWorkspace(t)
	unlock := ws.Lock("pkg/a.go")
	ws.Lock("pkg/b.go")() // another file is not blocked
	var released atomic.Bool
	got := make(chan bool)
	go func() {
		defer ws.Lock("pkg/a.go")()
		got <- released.Load()
	}()
	runtime.Gosched() // a broken lock lets the goroutine in now
	released.Store(true)
	unlock()
	assert.True(t, <-got, "the second Lock returned before the first was released")
	unlock() // a second call does nothing
	ws.Lock("pkg/a.go")()
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
		assert.False(t, filepath.IsAbs(got) || got == ".." || strings.HasPrefix(got, "../"), "%q resolved to %q outside the root", p, got)
		real, err := filepath.EvalSymlinks(filepath.Join(ws.Root(), got))
		if err == nil {
			rel, _ := filepath.Rel(ws.Root(), real)
			assert.False(t, rel == ".." || strings.HasPrefix(rel, "../"), "%q resolved through a link to %q", p, real)
		}
	})
}
