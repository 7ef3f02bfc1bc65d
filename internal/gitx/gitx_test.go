package gitx_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/internal/gitx"
)

func TestDiff(t *testing.T) {
	dir, base := gittest.Repo(t, map[string]string{
		"a.go":       "package a\n",
		"gone.go":    "package a\n// gone\n",
		".gitignore": "*.log\n",
	})
	gittest.Write(t, dir, "a.go", "package a\n\nfunc A() {}\n")
	gittest.Write(t, dir, "sub/new file.go", "package sub\n")
	gittest.Write(t, dir, "debug.log", "ignored\n")
	require.NoError(t, os.Remove(filepath.Join(dir, "gone.go")))
	statusBefore, err := gitx.Git(t.Context(), dir, "status", "--porcelain")
	require.NoError(t, err)

	p, err := gitx.Diff(t.Context(), dir, base)
	require.NoError(t, err)
	assert.Equal(t, []gitx.File{
		{Path: "a.go", Status: gitx.Modified},
		{Path: "gone.go", Status: gitx.Deleted},
		{Path: "sub/new file.go", Status: gitx.Added},
	}, p.Files)
	assert.Contains(t, p.Diff, "diff --git a/a.go b/a.go\n")
	assert.Contains(t, p.Diff, "+func A() {}\n")
	assert.Contains(t, p.Diff, "deleted file mode 100644")
	assert.Contains(t, p.Diff, "+++ b/sub/new file.go")
	assert.NotContains(t, p.Diff, "debug.log")

	// The tree's own index is untouched: nothing got staged.
	statusAfter, err := gitx.Git(t.Context(), dir, "status", "--porcelain")
	require.NoError(t, err)
	assert.Equal(t, statusBefore, statusAfter)
	staged, err := gitx.Git(t.Context(), dir, "diff", "--cached", "--name-only")
	require.NoError(t, err)
	assert.Empty(t, staged)
}

func TestDiffEmptyAndBinary(t *testing.T) {
	dir, base := gittest.Repo(t, map[string]string{"a.txt": "a\n"})
	p, err := gitx.Diff(t.Context(), dir, base)
	require.NoError(t, err)
	assert.Empty(t, p.Diff)
	assert.Empty(t, p.Files)

	gittest.Write(t, dir, "blob.bin", "\x00\x01\x02")
	p, err = gitx.Diff(t.Context(), dir, base)
	require.NoError(t, err)
	assert.Equal(t, []gitx.File{{Path: "blob.bin", Status: gitx.Added, Binary: true}}, p.Files)
	assert.Contains(t, p.Diff, "GIT binary patch\nliteral 3\n")
}

func TestDiffBadBase(t *testing.T) {
	dir, _ := gittest.Repo(t, map[string]string{"a.txt": "a\n"})
	_, err := gitx.Diff(t.Context(), dir, "no-such-rev")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no-such-rev")
}
