package edit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
)

// maxListed bounds the match line numbers an error lists.
const maxListed = 50

func (ed *Editor) replace(ctx context.Context, rel, shown, old, new string) (string, error) {
	defer ed.ws.Lock(rel)()
	st := ed.state(rel)
	f, err := ed.load(rel, shown)
	if err != nil {
		return "", err
	}
	oldF, newF := f.eol.toFile(old), f.eol.toFile(new)
	if oldF == newF {
		return "", errors.New("new_str is the same as old_str once line endings are converted to the file's, so there is nothing to change")
	}
	at, count := findAll(f.text(), []byte(oldF), f.eol == eolCRLF, maxListed)
	switch {
	case count == 0:
		return "", noMatch(f, old, shown)
	case count > 1:
		return "", manyMatches(f.text(), at, count, shown)
	}
	off := f.body + at[0]
	lines, err := ed.apply(ctx, st, f, shown, off, len(oldF), newF)
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", shown, err)
	}
	return fmt.Sprintf("Edited %s: old_str replaced. The lines around the edit now read:\n%sCheck the change: fix it with another edit, or revert it with undo_edit.\n", shown, lines), nil
}

func (ed *Editor) insert(ctx context.Context, rel, shown string, after int, text string) (string, error) {
	defer ed.ws.Lock(rel)()
	st := ed.state(rel)
	f, err := ed.load(rel, shown)
	if err != nil {
		return "", err
	}
	body := f.text()
	total := countLines(body)
	if after < 0 || after > total {
		return "", fmt.Errorf("insert_line %d is outside %s, which has %d lines: give 0 to insert at the top, up to %d to insert after the last line", after, shown, total, total)
	}
	// new_str is whole lines: a line break ends it if it has none. After a
	// last line that has no line break, the break goes before new_str
	// instead, so the file still ends without one.
	text = f.eol.norm(text)
	off := lineStart(body, after+1)
	if after == total && total > 0 && body[len(body)-1] != '\n' {
		off = len(body)
		text = "\n" + strings.TrimSuffix(text, "\n")
	} else if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	lines, err := ed.apply(ctx, st, f, shown, f.body+off, 0, f.eol.toFile(text))
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", shown, err)
	}
	return fmt.Sprintf("Inserted into %s after line %d. The lines around the insertion now read:\n%sCheck the change: fix it with another edit, or revert it with undo_edit.\n", shown, after, lines), nil
}

// apply replaces the n bytes of f at off with text, writes the file,
// records the change for undo and returns a numbered snippet around it.
// The caller holds the file's lock.
func (ed *Editor) apply(ctx context.Context, st *fileState, f *file, shown string, off, n int, text string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	head, mid, tail := f.data[:off], []byte(text), f.data[off+n:]
	if err := ed.rewrite(f, shown, head, mid, tail); err != nil {
		return "", err
	}
	ed.record(st, change{
		off: off,
		old: bytes.Clone(f.data[off : off+n]),
		n:   len(mid),
		sum: ed.sum(head, mid, tail),
	})
	lines, _, _ := snippet(head[f.body:], mid, tail, ed.opts.SnippetLines)
	return lines, nil
}

// findAll returns the offsets of the first keep occurrences of needle in
// hay, overlapping ones included, and how many there are in all. In a
// CRLF file a needle ending in "\r" does not match the "\r" of a "\r\n",
// since the model's text stands for the file without those "\r".
func findAll(hay, needle []byte, crlf bool, keep int) (at []int, count int) {
	endsCR := crlf && bytes.HasSuffix(needle, []byte("\r"))
	for pos := 0; ; {
		i := bytes.Index(hay[pos:], needle)
		if i < 0 {
			return at, count
		}
		i += pos
		pos = i + 1
		if endsCR && i+len(needle) < len(hay) && hay[i+len(needle)] == '\n' {
			continue
		}
		if count < keep {
			at = append(at, i)
		}
		count++
	}
}

// manyMatches says where old_str occurs when it occurs more than once:
// the line where each occurrence starts, with a count when a line holds
// several.
func manyMatches(body []byte, at []int, count int, shown string) error {
	var where []string
	line, prev, same := 1, 0, 0
	for i, off := range at {
		line += bytes.Count(body[prev:off], []byte("\n"))
		prev = off
		same++
		if i+1 < len(at) && !bytes.Contains(body[off:at[i+1]], []byte("\n")) {
			continue // the next occurrence starts on this line too
		}
		if same > 1 {
			where = append(where, fmt.Sprintf("%d (%d times)", line, same))
		} else {
			where = append(where, fmt.Sprint(line))
		}
		same = 0
	}
	list := strings.Join(where, ", ")
	if count > len(at) {
		list += fmt.Sprintf(" and %d more", count-len(at))
	}
	return fmt.Errorf("old_str occurs %d times in %s, starting at lines %s; it must occur exactly once: add lines before or after it to old_str so that only the place to change matches", count, shown, list)
}
