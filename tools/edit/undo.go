package edit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// change is one edit, kept for undo_edit: not a copy of the file but the
// bytes the edit replaced, so that history costs what the edits cost.
type change struct {
	off     int    // where the edit began, from the start of the file
	old     []byte // the bytes it replaced
	n       int    // how many bytes it wrote in their place
	created bool   // the edit created the file
	sum     uint64 // the hash of the whole file after the edit
}

// record adds c to the history of st, forgetting the oldest change past
// the undo depth. The caller holds st.mu.
func (ed *Editor) record(st *fileState, c change) {
	st.history = append(st.history, c)
	if len(st.history) > ed.opts.UndoDepth {
		st.history = append(st.history[:0], st.history[1:]...)
	}
}

// undo reverts the last recorded change of the file, provided the file is
// still as that change left it: a file changed since, by a shell command
// say, is left alone rather than losing that change.
func (ed *Editor) undo(ctx context.Context, local, shown string) (string, error) {
	real := realPath(local)
	st := ed.state(real)
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.history) == 0 {
		return "", fmt.Errorf("there is no edit of %s to undo: this tool has not changed it, or every change has been undone (it remembers the last %d edits of each file, and cannot undo changes made by shell commands)", shown, ed.opts.UndoDepth)
	}
	c := st.history[len(st.history)-1]
	info, err := os.Stat(real)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%s no longer exists (it was removed outside this tool), so its edits cannot be undone", shown)
	}
	if err != nil {
		return "", fsError(err, shown)
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("%s is no longer a regular file (mode %s), so its edits cannot be undone", shown, info.Mode())
	}
	data, err := os.ReadFile(real)
	if err != nil {
		return "", fsError(err, shown)
	}
	if ed.sum(data) != c.sum {
		return "", fmt.Errorf("%s has changed since this tool last edited it (by a shell command, perhaps), and undoing the edit would lose that change; view the file and fix it with str_replace instead", shown)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	left := len(st.history) - 1
	if c.created {
		if err := os.Remove(real); err != nil {
			return "", fsError(err, shown)
		}
		st.history = st.history[:left]
		return fmt.Sprintf("Undid the creation of %s: the file is deleted (directories made for it remain).\n", shown), nil
	}
	head, tail := data[:c.off], data[c.off+c.n:]
	if err := writeFile(real, info.Mode(), head, c.old, tail); err != nil {
		return "", fmt.Errorf("writing %s: %v", shown, reason(err))
	}
	st.history = st.history[:left]
	body := 0
	if c.off >= len(bom) && string(data[:len(bom)]) == string(bom) {
		body = len(bom)
	}
	lines, _, _ := snippet(head[body:], c.old, tail, ed.opts.SnippetLines)
	more := fmt.Sprintf("%d earlier edits", left)
	if left == 1 {
		more = "1 earlier edit"
	}
	return fmt.Sprintf("Undid the last edit of %s (%s can still be undone). The lines around it now read:\n%s", shown, more, lines), nil
}
