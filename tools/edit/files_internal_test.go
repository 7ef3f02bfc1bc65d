package edit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/tools"
)

// Another program writing the file between an edit's read and its write
// makes the edit fail and keeps that program's change.
func TestRewriteRefusesAChangedFile(t *testing.T) {
	ws, err := tools.NewLocal(t.TempDir(), nil)
	require.NoError(t, err)
	defer ws.Close()
	ed := New(ws, nil)
	path := filepath.Join(ws.Root(), "f.txt")
	for name, change := range map[string]func(){
		"same size": func() { require.NoError(t, os.WriteFile(path, []byte("B\n"), 0o644)) },
		"replaced":  func() { require.NoError(t, os.Rename(writeTemp(t, ws.Root(), "A\n"), path)) },
		"removed":   func() { require.NoError(t, os.Remove(path)) },
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(path, []byte("A\n"), 0o644))
			f, err := ed.load("f.txt", "f.txt")
			require.NoError(t, err)
			change()
			want, _ := os.ReadFile(path)
			err = ed.rewrite(f, "f.txt", []byte("C\n"))
			assert.ErrorIs(t, err, errChanged)
			assert.ErrorContains(t, err, "f.txt was changed by another program")
			got, _ := os.ReadFile(path)
			assert.Equal(t, string(want), string(got), "the other program's change is kept")
			entries, _ := os.ReadDir(ws.Root())
			assert.LessOrEqual(t, len(entries), 1, "no temporary file is left")
		})
	}
}

func writeTemp(t *testing.T, dir, text string) string {
	p := filepath.Join(dir, "other")
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}
