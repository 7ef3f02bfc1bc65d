//go:build unix

package edit_test

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSpecialFilesRefused(t *testing.T) {
	ed, root := newEditor(t, nil)
	fifo := filepath.Join(root, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	for _, c := range []obj{
		{"command": "view"},
		{"command": "str_replace", "old_str": "a", "new_str": "b"},
		{"command": "insert", "insert_line": 0, "new_str": "b"},
	} {
		c["path"] = "pipe"
		assert.Contains(t, refuse(t, ed, c), "pipe is not a regular file", c["command"])
	}
}
