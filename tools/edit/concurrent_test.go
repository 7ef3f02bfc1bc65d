package edit_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/tools/edit"
)

// Two editors of one workspace, each making 100 concurrent edits to other
// lines of one file: every edit reported done is on disk, and an edit
// that is not says so.
func TestTwoEditorsLoseNoUpdate(t *testing.T) {
	ws := newWorkspace(t)
	const n = 200
	var text strings.Builder
	for i := range n {
		fmt.Fprintf(&text, "line %d;\n", i)
	}
	writeFile(t, ws.Root(), "f.txt", text.String())
	editors := []*edit.Editor{edit.New(ws, nil), edit.New(ws, nil)}
	errs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res := call(t, editors[i%2], obj{"command": "str_replace", "path": "f.txt",
				"old_str": fmt.Sprintf("line %d;", i), "new_str": fmt.Sprintf("LINE %d;", i)})
			if res.IsError {
				errs[i] = res.Content
			}
		})
	}
	wg.Wait()
	got := readFile(t, ws.Root(), "f.txt")
	landed := 0
	for i := range n {
		done := strings.Contains(got, fmt.Sprintf("LINE %d;\n", i))
		if errs[i] == "" {
			assert.True(t, done, "edit %d was reported done but is not on disk", i)
		} else {
			assert.False(t, done, "edit %d reported an error but is on disk: %s", i, errs[i])
			assert.Contains(t, errs[i], "file changed since read")
		}
		if done {
			landed++
		}
	}
	require.Equal(t, n, landed, "the editors of one workspace take turns, so every edit lands")
}
