package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/internal/atomicfile"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "record.json")
	require.NoError(t, atomicfile.Write(p, []byte("one")))
	require.NoError(t, atomicfile.Write(p, []byte("two")), "an existing file is replaced")
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "two", string(b))
	fi, err := os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left")
}

func TestWriteFailureKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "record.json")
	require.NoError(t, atomicfile.Write(p, []byte("old")))
	// A directory where the file should be: the rename fails.
	q := filepath.Join(dir, "sub")
	require.NoError(t, os.Mkdir(q, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(q, "x"), nil, 0o644))
	err := atomicfile.Write(q, []byte("new"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "writing "+q)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "the temporary file is removed")
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "old", string(b))

	err = atomicfile.Write(filepath.Join(dir, "missing", "f"), nil)
	assert.ErrorIs(t, err, os.ErrNotExist, "the directory is not created")
}
