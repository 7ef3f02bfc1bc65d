package tester_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/internal/gitx"
)

// gitRepo makes a git repository with files committed and returns its
// directory.
func gitRepo(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "config", "user.email", "test@example.com")
	git(t, dir, "config", "user.name", "Test")
	for name, body := range files {
		writeFile(t, dir, name, body)
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "base")
	return dir
}

func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := gitx.Git(t.Context(), dir, args...)
	require.NoError(t, err)
	return out
}

func writeFile(t testing.TB, dir, name, body string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
}

// patchOf returns the patch that makes edits to the repository's HEAD:
// a file's new content, or "" to delete it.
func patchOf(t testing.TB, repo string, edits map[string]string) string {
	t.Helper()
	w, err := gitx.AddWorktree(t.Context(), repo, "HEAD", &gitx.WorktreeOptions{Dir: t.TempDir()})
	require.NoError(t, err)
	defer w.Close()
	for name, body := range edits {
		if body == "" {
			require.NoError(t, os.Remove(filepath.Join(w.Dir, filepath.FromSlash(name))))
			continue
		}
		writeFile(t, w.Dir, name, body)
	}
	p, err := w.Patch(t.Context(), nil)
	require.NoError(t, err)
	require.NotEmpty(t, p.Diff)
	return p.Diff
}

// repoState is what of a user's repository the tester must leave alone.
func repoState(t testing.TB, dir string) string {
	t.Helper()
	return git(t, dir, "status", "--porcelain=v2", "--branch", "--untracked-files=all") +
		git(t, dir, "stash", "list") + git(t, dir, "worktree", "list", "--porcelain") +
		git(t, dir, "for-each-ref")
}

// checkNoProcessIn fails if a process still runs in a directory under
// dir, or is a child of this test process.
func checkNoProcessIn(t testing.TB, dir string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	self := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil || e.Name() == self {
			continue
		}
		if cwd, err := os.Readlink("/proc/" + e.Name() + "/cwd"); err == nil {
			assert.False(t, strings.HasPrefix(cwd, dir), "process %s still runs in %s", e.Name(), cwd)
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 && fields[1] == self && fields[0] != "Z" {
			assert.Fail(t, "a child process is left", "pid %s: %s", e.Name(), stat)
		}
	}
}

// emptyDir fails unless dir holds nothing.
func emptyDir(t testing.TB, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "left in %s", dir)
}
