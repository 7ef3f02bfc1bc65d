package gitx_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/internal/gitx"
)

// benchRepo is a repository of 200 small files in 20 directories.
func benchRepo(b *testing.B) string {
	files := map[string]string{}
	for d := range 20 {
		for f := range 10 {
			files[fmt.Sprintf("pkg%02d/file%02d.go", d, f)] = fmt.Sprintf("package pkg%02d\n\nfunc F%02d() int { return %d }\n", d, f, f)
		}
	}
	dir, _ := gittest.Repo(b, files)
	return dir
}

// BenchmarkWorktree compares a worktree made and removed through
// AddWorktree and Close (marker, lock, sweep, hooks off) with plain "git
// worktree add --detach" and "git worktree remove" in the same run; the
// ratio of the two ns/op is the overhead.
func BenchmarkWorktree(b *testing.B) {
	repoDir := benchRepo(b)
	b.Run("plain-git", func(b *testing.B) {
		b.ReportAllocs()
		dir := b.TempDir()
		i := 0
		for b.Loop() {
			i++
			tree := filepath.Join(dir, fmt.Sprint(i))
			_, err := gitx.Git(b.Context(), repoDir, "worktree", "add", "--quiet", "--detach", tree, "HEAD")
			require.NoError(b, err)
			_, err = gitx.Git(b.Context(), repoDir, "worktree", "remove", "--force", tree)
			require.NoError(b, err)
		}
	})
	b.Run("gitx", func(b *testing.B) {
		b.ReportAllocs()
		opts := &gitx.WorktreeOptions{Dir: b.TempDir()}
		for b.Loop() {
			w, err := gitx.AddWorktree(b.Context(), repoDir, "HEAD", opts)
			require.NoError(b, err)
			require.NoError(b, w.Close())
		}
	})
}
