package edit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
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
// the undo depth. The caller holds the file's lock.
func (ed *Editor) record(st *fileState, c change) {
	st.history = append(st.history, c)
	if len(st.history) > ed.opts.UndoDepth {
		st.history = append(st.history[:0], st.history[1:]...)
	}
}

// undo reverts the last recorded change of the file, provided the file is
// still as that change left it: a file changed since, by a shell command
// say, is left alone rather than losing that change.
func (ed *Editor) undo(ctx context.Context, rel, shown string) (string, error) {
	defer ed.ws.Lock(rel)()
	st := ed.state(rel)
	if len(st.history) == 0 {
		return "", fmt.Errorf("there is no edit of %s to undo: this tool has not changed it, or every change has been undone (it remembers the last %d edits of each file, and cannot undo changes made by shell commands)", shown, ed.opts.UndoDepth)
	}
	c := st.history[len(st.history)-1]
	if _, err := ed.ws.FS().Lstat(rel); errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%s no longer exists (it was removed outside this tool), so its edits cannot be undone", shown)
	}
	data, info, err := ed.read(rel, shown)
	if err != nil {
		return "", fmt.Errorf("%w, so its edits cannot be undone", err)
	}
	if ed.sum(data) != c.sum {
		return "", fmt.Errorf("%s has changed since this tool last edited it (by a shell command, perhaps), and undoing the edit would lose that change; view the file and fix it with str_replace instead", shown)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	left := len(st.history) - 1
	if c.created {
		if err := ed.ws.FS().Remove(rel); err != nil {
			return "", fsError(err, shown)
		}
		st.history = st.history[:left]
		return fmt.Sprintf("Undid the creation of %s: the file is deleted (directories made for it remain).\n", shown), nil
	}
	head, tail := data[:c.off], data[c.off+c.n:]
	if err := ed.rewrite(&file{rel: rel, data: data, info: info}, shown, head, c.old, tail); err != nil {
		return "", fmt.Errorf("writing %s: %w", shown, err)
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
