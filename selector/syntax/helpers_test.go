package syntax_test

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/conclave-dev/conclave/selector/syntax"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if gitRoot != "" {
		os.RemoveAll(gitRoot)
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// files maps slash-separated paths to contents; a path ending in "*" is an
// executable file (the star is not part of the name).
type files map[string]string

// The repositories of the base trees gitDiff has seen, one per tree, kept
// under gitRoot for the whole test run: making one costs three git
// processes, a diff against it two.
var (
	gitRoot  string
	gitMu    sync.Mutex
	gitRepos = map[string]string{} // base files, as keyOfFiles, -> repository
)

// git runs git in dir with the given extra environment.
func git(t testing.TB, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return string(out)
}

// write writes fs into dir.
func write(t testing.TB, dir string, fs files) {
	t.Helper()
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

// baseRepo returns a repository whose one commit holds before.
func baseRepo(t testing.TB, before files) string {
	t.Helper()
	key := keyOfFiles(before)
	gitMu.Lock()
	defer gitMu.Unlock()
	if repo, ok := gitRepos[key]; ok {
		return repo
	}
	if gitRoot == "" {
		dir, err := os.MkdirTemp("", "syntax-test-git-")
		require.NoError(t, err)
		gitRoot = dir
	}
	repo, err := os.MkdirTemp(gitRoot, "repo-")
	require.NoError(t, err)
	git(t, repo, nil, "-c", "init.defaultBranch=main", "init", "-q")
	write(t, repo, before)
	git(t, repo, nil, "-c", "core.autocrlf=false", "add", "-A")
	git(t, repo, nil, "commit", "-q", "--allow-empty", "-m", "base")
	gitRepos[key] = repo
	return repo
}

func keyOfFiles(fs files) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(fs)) {
		fmt.Fprintf(&b, "%d:%s%d:%s", len(name), name, len(fs[name]), fs[name])
	}
	return b.String()
}

// gitDiff returns what `git diff` prints for the change from before to
// after, with renames detected and binary data included: after is staged,
// in a work tree and index of its own, against a commit of before.
func gitDiff(t testing.TB, before, after files) string {
	t.Helper()
	repo := baseRepo(t, before)
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	require.NoError(t, os.Mkdir(tree, 0o755))
	write(t, tree, after)
	env := []string{"GIT_DIR=" + filepath.Join(repo, ".git"), "GIT_WORK_TREE=" + tree, "GIT_INDEX_FILE=" + filepath.Join(dir, "index")}
	git(t, tree, env, "-c", "core.autocrlf=false", "add", "-A")
	return git(t, tree, env, "diff", "--cached", "-M", "--binary")
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
