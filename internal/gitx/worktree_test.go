package gitx_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/internal/gitx"
)

// userState is what of a user's repository a worktree must leave alone.
type userState struct {
	Status, Stash, Branches, Head, Index, Worktrees string
}

func stateOf(t *testing.T, dir string) userState {
	t.Helper()
	run := func(args ...string) string {
		out, err := gitx.Git(t.Context(), dir, args...)
		require.NoError(t, err)
		return out
	}
	index, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	require.NoError(t, err)
	return userState{
		Status:    run("status", "--porcelain=v2", "--branch", "--untracked-files=all"),
		Stash:     run("stash", "list"),
		Branches:  run("for-each-ref", "--format=%(refname) %(objectname)"),
		Head:      run("symbolic-ref", "HEAD"),
		Index:     string(index),
		Worktrees: run("worktree", "list", "--porcelain"),
	}
}

// busyRepo is a repository as a user leaves it mid-work: a stash, a
// second branch, a staged change, an unstaged one and an untracked file.
func busyRepo(t *testing.T) (dir, base string) {
	t.Helper()
	dir, base = gittest.Repo(t, map[string]string{"a.go": "package a\n", "b.go": "package a\n\nvar B = 1\n"})
	run := func(args ...string) {
		_, err := gitx.Git(t.Context(), dir, args...)
		require.NoError(t, err)
	}
	gittest.Write(t, dir, "a.go", "package a\n// stashed\n")
	run("stash", "push", "-q")
	run("branch", "feature")
	gittest.Write(t, dir, "b.go", "package a\n\nvar B = 2\n")
	run("add", "b.go")
	gittest.Write(t, dir, "a.go", "package a\n// unstaged\n")
	gittest.Write(t, dir, "notes.txt", "untracked\n")
	return dir, base
}

func TestWorktreeLeavesUserRepoAlone(t *testing.T) {
	repoDir, base := busyRepo(t)
	before := stateOf(t, repoDir)

	w, err := gitx.AddWorktree(t.Context(), repoDir, "HEAD", &gitx.WorktreeOptions{Dir: t.TempDir(), Label: "coder/1"})
	require.NoError(t, err)
	assert.Equal(t, base, w.Base)
	tree, err := gitx.Git(t.Context(), repoDir, "rev-parse", "HEAD^{tree}")
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSpace(tree), w.Tree)
	assert.Contains(t, filepath.Base(w.Dir), "coder-1-")
	// The checkout is the commit, not the user's uncommitted state.
	got, err := os.ReadFile(filepath.Join(w.Dir, "b.go"))
	require.NoError(t, err)
	assert.Equal(t, "package a\n\nvar B = 1\n", string(got))
	assert.NoFileExists(t, filepath.Join(w.Dir, "notes.txt"))

	gittest.Write(t, w.Dir, "a.go", "package a\n\nfunc A() {}\n")
	gittest.Write(t, w.Dir, "c.go", "package a\n")
	p, err := w.Patch(t.Context(), nil)
	require.NoError(t, err)
	assert.Len(t, p.Files, 2)
	require.NoError(t, w.Close())
	require.NoError(t, w.Close(), "Close twice")

	assert.NoDirExists(t, w.Dir)
	assert.NoFileExists(t, w.Dir+".lock")
	assert.Equal(t, before, stateOf(t, repoDir))
}

func TestWorktreePatch(t *testing.T) {
	repoDir, base := gittest.Repo(t, map[string]string{
		"calc.go":   "package calc\n",
		"old.go":    "package calc\n// old\n",
		"logo.png":  "\x89PNG\x00\x01",
		"README.md": "# calc\n",
	})
	w, err := gitx.AddWorktree(t.Context(), repoDir, base, &gitx.WorktreeOptions{Dir: t.TempDir()})
	require.NoError(t, err)
	defer w.Close()
	gittest.Write(t, w.Dir, "calc.go", "package calc\n\nfunc Add(a, b int) int { return a + b }\n")
	gittest.Write(t, w.Dir, "add_test.go", "package calc\n")
	gittest.Write(t, w.Dir, "reproduce.py", "print(1)\n")
	gittest.Write(t, w.Dir, "logo.png", "\x89PNG\x00\x02")
	require.NoError(t, os.Remove(filepath.Join(w.Dir, "old.go")))

	noScratch := func(f gitx.File) bool { return f.Path != "reproduce.py" }
	p, err := w.Patch(t.Context(), noScratch)
	require.NoError(t, err)
	assert.Equal(t, []gitx.File{
		{Path: "add_test.go", Status: gitx.Added},
		{Path: "calc.go", Status: gitx.Modified},
		{Path: "logo.png", Status: gitx.Modified, Binary: true},
		{Path: "old.go", Status: gitx.Deleted},
	}, p.Files)
	assert.Equal(t, []gitx.File{{Path: "reproduce.py", Status: gitx.Added}}, p.Omitted)
	assert.NotContains(t, p.Diff, "reproduce.py")
	assert.Contains(t, p.Diff, "GIT binary patch")

	// The patch applies whole, binary included, to a fresh worktree.
	w2, err := gitx.AddWorktree(t.Context(), repoDir, base, &gitx.WorktreeOptions{Dir: t.TempDir()})
	require.NoError(t, err)
	defer w2.Close()
	require.NoError(t, w2.Apply(t.Context(), p.Diff))
	p2, err := w2.Patch(t.Context(), nil)
	require.NoError(t, err)
	assert.Equal(t, p.Diff, p2.Diff)
}

func TestWorktreeApplyRefused(t *testing.T) {
	repoDir, base := gittest.Repo(t, map[string]string{"a.txt": "one\n"})
	w, err := gitx.AddWorktree(t.Context(), repoDir, base, &gitx.WorktreeOptions{Dir: t.TempDir()})
	require.NoError(t, err)
	defer w.Close()
	bad := "diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-two\n+three\n"
	err = w.Apply(t.Context(), bad)
	require.ErrorIs(t, err, gitx.ErrPatchDoesNotApply)
	assert.Contains(t, err.Error(), "a.txt")
	got, err := os.ReadFile(filepath.Join(w.Dir, "a.txt"))
	require.NoError(t, err)
	assert.Equal(t, "one\n", string(got))
	require.NoError(t, w.Apply(t.Context(), ""), "an empty patch changes nothing")
}

func TestWorktreeRemovedAfterPanicAndCancel(t *testing.T) {
	repoDir, _ := gittest.Repo(t, map[string]string{"a.txt": "a\n"})
	before := stateOf(t, repoDir)
	dir := t.TempDir()

	var panicked string
	func() {
		defer func() { panicked, _ = recover().(string) }()
		w, err := gitx.AddWorktree(t.Context(), repoDir, "HEAD", &gitx.WorktreeOptions{Dir: dir})
		require.NoError(t, err)
		defer w.Close()
		gittest.Write(t, w.Dir, "a.txt", "changed\n")
		panic("agent panicked")
	}()
	assert.Equal(t, "agent panicked", panicked)

	ctx, cancel := context.WithCancelCause(t.Context())
	func() {
		w, err := gitx.AddWorktree(ctx, repoDir, "HEAD", &gitx.WorktreeOptions{Dir: dir})
		require.NoError(t, err)
		defer w.Close()
		cancel(errors.New("user pressed ^C"))
		_, err = w.Patch(ctx, nil)
		require.ErrorContains(t, err, "user pressed ^C")
	}()

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
	assert.Equal(t, before, stateOf(t, repoDir))
}

func TestSweepAfterCrash(t *testing.T) {
	repoDir, _ := gittest.Repo(t, map[string]string{"a.txt": "a\n"})
	before := stateOf(t, repoDir)
	dir := t.TempDir()

	// Someone else's .lock file and a live worktree are left alone.
	gittest.Write(t, dir, "other.lock", "not ours\n")
	gittest.Write(t, dir, "other/file", "kept\n")
	live, err := gitx.AddWorktree(t.Context(), repoDir, "HEAD", &gitx.WorktreeOptions{Dir: dir, Label: "live"})
	require.NoError(t, err)
	defer live.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+repoDir+"|"+dir)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	crashed := strings.TrimSpace(line)
	require.DirExists(t, crashed, "helper said: %s", line)
	require.NoError(t, cmd.Process.Kill())
	cmd.Wait()

	listed, err := gitx.Git(t.Context(), repoDir, "worktree", "list", "--porcelain")
	require.NoError(t, err)
	require.Contains(t, listed, crashed)

	removed, err := gitx.SweepWorktrees(t.Context(), dir)
	require.NoError(t, err)
	assert.Equal(t, []string{crashed}, removed)
	assert.NoDirExists(t, crashed)
	assert.NoFileExists(t, crashed+".lock")
	assert.DirExists(t, live.Dir)
	assert.FileExists(t, filepath.Join(dir, "other.lock"))
	assert.FileExists(t, filepath.Join(dir, "other", "file"))
	listed, err = gitx.Git(t.Context(), repoDir, "worktree", "list", "--porcelain")
	require.NoError(t, err)
	assert.NotContains(t, listed, crashed)
	assert.Contains(t, listed, live.Dir)

	require.NoError(t, live.Close())
	assert.Equal(t, before, stateOf(t, repoDir))
}

func TestAddWorktreeErrors(t *testing.T) {
	repoDir, _ := gittest.Repo(t, map[string]string{"a.txt": "a\n"})
	dir := t.TempDir()
	_, err := gitx.AddWorktree(t.Context(), repoDir, "no-such-rev", &gitx.WorktreeOptions{Dir: dir})
	require.ErrorContains(t, err, `base "no-such-rev" is not a commit`)
	_, err = gitx.AddWorktree(t.Context(), t.TempDir(), "HEAD", &gitx.WorktreeOptions{Dir: dir})
	require.Error(t, err)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "a failed AddWorktree leaves nothing behind")
}

// Worktrees of one repository made and removed at once all succeed: git
// fails reading a worktree another add is still writing, so gitx runs
// those commands one at a time.
func TestWorktreesConcurrently(t *testing.T) {
	repoDir, _ := gittest.Repo(t, map[string]string{"a.txt": "a\n"})
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			w, err := gitx.AddWorktree(t.Context(), repoDir, "HEAD", &gitx.WorktreeOptions{Dir: dir})
			if err != nil {
				errs[i] = err
				return
			}
			gittest.Write(t, w.Dir, "a.txt", "changed\n")
			errs[i] = w.Close()
		})
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}
