package edit_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/edit"
)

func TestOrderKey(t *testing.T) {
	ws, err := tools.NewLocal(t.TempDir(), nil)
	require.NoError(t, err)
	root := ws.Root()
	require.NoError(t, os.WriteFile(filepath.Join(root, "a.go"), []byte("package a\n"), 0o644))
	require.NoError(t, os.Symlink("a.go", filepath.Join(root, "link.go")))
	ed := edit.New(ws, nil)
	key := func(args string) string { return ed.OrderKey(json.RawMessage(args)) }

	a := key(`{"command":"str_replace","path":"a.go","old_str":"a","new_str":"b"}`)
	assert.Equal(t, "a.go", a)
	assert.Equal(t, a, key(`{"command":"view","path":"`+filepath.Join(root, "a.go")+`"}`), "absolute and relative paths share a key")
	assert.Equal(t, a, key(`{"command":"view","path":"link.go"}`), "a symbolic link shares its target's key")
	assert.Equal(t, "new.go", key(`{"command":"create","path":"new.go","file_text":""}`))
	assert.NotEqual(t, a, key(`{"command":"create","path":"new.go","file_text":""}`))
	for _, bad := range []string{`{`, `{"command":"view"}`, `{"path":"../outside"}`, `[]`} {
		assert.Equal(t, "", key(bad), bad)
	}
}
