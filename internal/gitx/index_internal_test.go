package gitx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The scratch index keeps the index's modification time, which git's
// racy-clean check compares file timestamps with.
func TestScratchIndexKeepsTheTime(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"init", "-q"}, {"-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "base"}} {
		_, err := Git(t.Context(), dir, args...)
		require.NoError(t, err)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a"), []byte("a\n"), 0o644))
	_, err := Git(t.Context(), dir, "add", "a")
	require.NoError(t, err)
	out, err := Git(t.Context(), dir, "rev-parse", "--path-format=absolute", "--git-path", "index")
	require.NoError(t, err)
	then := time.Date(2020, 1, 2, 3, 4, 5, 600, time.UTC)
	require.NoError(t, os.Chtimes(strings.TrimSpace(out), then, then))

	index, cleanup, err := scratchIndex(t.Context(), dir)
	require.NoError(t, err)
	defer cleanup()
	st, err := os.Stat(index)
	require.NoError(t, err)
	assert.True(t, st.ModTime().Equal(then), "copy's time %s, index's %s", st.ModTime(), then)
}
