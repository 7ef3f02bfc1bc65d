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

	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/internal/gitx"
)

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
		gittest.Write(t, w.Dir, name, body)
	}
	p, err := w.Patch(t.Context(), nil)
	require.NoError(t, err)
	require.NotEmpty(t, p.Diff)
	return p.Diff
}

// repoState is what of a user's repository the tester must leave alone.
func repoState(t testing.TB, dir string) string {
	t.Helper()
	return gittest.Git(t, dir, "status", "--porcelain=v2", "--branch", "--untracked-files=all") +
		gittest.Git(t, dir, "stash", "list") + gittest.Git(t, dir, "worktree", "list", "--porcelain") +
		gittest.Git(t, dir, "for-each-ref")
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
