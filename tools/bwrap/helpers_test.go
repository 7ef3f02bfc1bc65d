//go:build linux

package bwrap_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/tools/bwrap"
)

// newWorkspace returns a sandboxed workspace on a fresh directory, closed
// when the test ends, or skips the test where bwrap cannot run.
func newWorkspace(t testing.TB, opts *bwrap.Options) *bwrap.Workspace {
	t.Helper()
	if err := bwrap.Available(); err != nil {
		t.Skipf("no sandbox here (the tests need bubblewrap; .ci/run installs it): %v", err)
	}
	ws, err := bwrap.New(t.TempDir(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return ws
}

// sh runs script with sh -c in a new sandbox of ws and returns its
// combined output and error.
func sh(t testing.TB, ws *bwrap.Workspace, script string) (string, error) {
	t.Helper()
	out, err := ws.Command(t.Context(), nil, "sh", "-c", script).CombinedOutput()
	return string(out), err
}

// hostGo returns the host's go command, or skips.
func hostGo(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "bin", "go")
}

func writeFile(t testing.TB, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
}
