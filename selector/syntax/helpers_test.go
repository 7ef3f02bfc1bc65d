package syntax_test

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/conclave-dev/conclave/selector/syntax"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// files maps slash-separated paths to contents; a path ending in "*" is an
// executable file (the star is not part of the name).
type files map[string]string

// gitDiff returns what `git diff` prints for the change from before to
// after, made in a fresh repository, with renames detected and binary
// data included.
func gitDiff(t testing.TB, before, after files) string {
	t.Helper()
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
		return string(out)
	}
	write := func(fs files) {
		t.Helper()
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			if e.Name() != ".git" {
				require.NoError(t, os.RemoveAll(filepath.Join(dir, e.Name())))
			}
		}
		for name, content := range fs {
			mode := os.FileMode(0o644)
			if n, ok := strings.CutSuffix(name, "*"); ok {
				name, mode = n, 0o755
			}
			p := filepath.Join(dir, filepath.FromSlash(name))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(content), mode))
		}
	}
	git("init", "-q")
	git("config", "core.autocrlf", "false")
	write(before)
	git("add", "-A")
	git("commit", "-q", "--allow-empty", "-m", "base")
	write(after)
	git("add", "-A")
	return git("diff", "--cached", "-M", "--binary")
}

// tree returns files as an in-memory file system.
func tree(fs files) fstest.MapFS {
	m := fstest.MapFS{}
	for name, content := range fs {
		mode := os.FileMode(0o644)
		if n, ok := strings.CutSuffix(name, "*"); ok {
			name, mode = n, 0o755
		}
		m[name] = &fstest.MapFile{Data: []byte(content), Mode: mode}
	}
	return m
}

// keyOf normalises patch in the given mode (base is used only in
// full-file mode).
func keyOf(t testing.TB, mode syntax.Mode, base files, patch string, opts *syntax.Options) *syntax.Normal {
	t.Helper()
	var fsys fs.FS
	if mode == syntax.ModeFullFile {
		fsys = tree(base)
	}
	n, err := syntax.Normalize(context.Background(), fsys, patch, opts)
	require.NoError(t, err, "patch:\n%s", patch)
	require.Equal(t, mode, n.Mode)
	return n
}
