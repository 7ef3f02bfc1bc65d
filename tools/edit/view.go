package edit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxLine bounds the bytes of one line view holds in memory; a longer line
// is shown cut, and no output could show more of it anyway.
const maxLine = 1 << 20

func (ed *Editor) view(ctx context.Context, rel, shown string, vr []int) (string, error) {
	// Open, then fstat what was opened: a check by path and an open after
	// it could meet two different files.
	f, info, err := ed.open(rel)
	if err != nil {
		return "", fsError(err, shown)
	}
	defer f.Close()
	if info.IsDir() {
		if len(vr) > 0 {
			return "", fmt.Errorf("%s is a directory; view_range applies to files only", shown)
		}
		return ed.viewDir(ctx, f, rel, shown)
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file (mode %s)", shown, info.Mode())
	}
	head := make([]byte, 8<<10)
	k, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return "", fsError(err, shown)
	}
	if i := bytes.IndexByte(head[:k], 0); i >= 0 {
		return "", fmt.Errorf("%s is a binary file (it has a NUL byte at line %d); view shows text only", shown, lineOf(head, i))
	}
	return ed.viewFile(ctx, f, shown, vr)
}

// viewFile streams the file: it holds only the lines it shows, and counts
// the others with vectorised scans, so that a range in a large file costs
// a read and not a line-by-line split.
func (ed *Editor) viewFile(ctx context.Context, r io.Reader, shown string, vr []int) (string, error) {
	start, end := 1, -1
	if len(vr) > 0 {
		start, end = vr[0], vr[1]
	}
	badRange := start < 1 || end < -1 || end == 0 || (end != -1 && end < start)
	if badRange {
		start, end = 1, 0 // count only
	}
	var (
		sb        strings.Builder
		budget    = ed.opts.MaxOutput
		first     = 0 // the first line shown
		last      = 0 // the last line shown
		cut       = false
		notUTF8   = false
		firstLong = false
	)
	emit := func(n int, line []byte, complete bool) bool {
		if n == 1 {
			line = bytes.TrimPrefix(line, bom)
		}
		if complete {
			line = bytes.TrimSuffix(line, []byte("\r"))
		}
		if !utf8.Valid(line) {
			notUTF8 = true
			line = bytes.ToValidUTF8(line, []byte("\uFFFD"))
		}
		cost := 8 + utf8.RuneCount(line)
		if cost > budget {
			cut = true
			if first != 0 {
				return false
			}
			// A first line too long to show whole is shown cut.
			firstLong = true
			line = runePrefix(line, budget-8)
		}
		budget -= cost
		if first == 0 {
			first = n
		}
		last = n
		fmt.Fprintf(&sb, "%6d\t%s\n", n, line)
		return !cut
	}
	c, err := scanLines(ctx, r, start, end, emit)
	total := c.lines
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", shown, err)
	}
	switch {
	case total == 0 && len(vr) > 0:
		return "", fmt.Errorf("%s is empty (0 lines), so view_range %s shows nothing; view it without view_range", shown, fmtRange(vr))
	case total == 0:
		return shown + " is empty (0 lines).\n", nil
	case badRange:
		return "", fmt.Errorf("view_range %s is not a valid range for %s, which has %d lines: give [start, end] with 1 <= start <= end <= %d, or end -1 for the end of the file", fmtRange(vr), shown, total, total)
	case start > total:
		return "", fmt.Errorf("view_range %s starts after the end of %s, which has %d lines; give a start between 1 and %d", fmtRange(vr), shown, total, total)
	}

	out := fmt.Sprintf("%s, lines %d-%d of %d:\n", shown, first, last, total) + sb.String()
	if c.crlf > 0 && c.crlf == c.breaks {
		out += "[The file's lines end in CRLF (\\r\\n). view hides the \\r; write old_str and new_str with \\n and edits keep CRLF.]\n"
	} else if c.crlf > 0 {
		out += "[The file mixes CRLF (\\r\\n) and LF (\\n) line endings, and view hides the \\r. In such a file old_str must give each line's ending exactly, \\r\\n or \\n, and new_str is written as given.]\n"
	}
	if notUTF8 {
		out += "[This file is not valid UTF-8: bytes that are not are shown as \uFFFD, and this tool cannot edit it.]\n"
	}
	if firstLong {
		out += fmt.Sprintf("[Line %d is too long to show whole; only its start is shown. Read the rest with a shell command such as cut or fold", first)
		if first < total {
			out += fmt.Sprintf(", and the lines after it with view_range [%d, %d]", first+1, total)
		}
		out += ".]\n"
	} else if cut {
		more := min(total, last+(last-first+1))
		out += fmt.Sprintf("[Output clipped at %d characters after line %d of %d. To see more, view with view_range [%d, %d], or find line numbers with grep -n PATTERN %s.]\n",
			ed.opts.MaxOutput, last, total, last+1, more, shown)
	}
	return out, nil
}

// counts are what scanLines counts in a whole file.
type counts struct {
	lines  int // lines, a last one without a line break included
	breaks int // "\n" bytes
	crlf   int // "\r\n" pairs
}

// scanLines reads r and calls emit for lines start to end (1-based; end
// -1 means to the end) with the line's bytes, its "\n" removed; complete
// reports whether it had one. emit must not keep the slice, and returns
// false to stop the calls. scanLines reads to the end in any case, to
// count the file's lines and line breaks.
func scanLines(ctx context.Context, r io.Reader, start, end int, emit func(n int, line []byte, complete bool) bool) (counts, error) {
	buf := make([]byte, 256<<10)
	var (
		c       counts
		cur     []byte // the line in range being read
		want    = true // emit still takes lines
		lastCR  bool   // the last byte read is "\r"
		partial bool   // the last byte read is not "\n"
	)
	for {
		k, err := r.Read(buf)
		chunk := buf[:k]
		if k > 0 {
			c.crlf += bytes.Count(chunk, []byte("\r\n"))
			if lastCR && chunk[0] == '\n' {
				c.crlf++
			}
			lastCR, partial = chunk[k-1] == '\r', chunk[k-1] != '\n'
		}
		for len(chunk) > 0 {
			n := c.breaks
			if want && n+1 >= start && (end == -1 || n+1 <= end) {
				i := bytes.IndexByte(chunk, '\n')
				if i < 0 {
					cur = appendCapped(cur, chunk)
					break
				}
				cur = appendCapped(cur, chunk[:i])
				chunk = chunk[i+1:]
				c.breaks++
				want = emit(c.breaks, cur, true)
				cur = cur[:0]
				continue
			}
			if want && n+1 < start {
				need := start - 1 - n // line breaks to pass before the range
				if bytes.Count(chunk, []byte("\n")) >= need {
					chunk = chunk[lineStart(chunk, need+1):]
					c.breaks += need
					continue
				}
			}
			c.breaks += bytes.Count(chunk, []byte("\n"))
			break
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return c, err
		}
		if err := ctx.Err(); err != nil {
			return c, err
		}
	}
	c.lines = c.breaks
	if partial {
		c.lines++
		if want && c.lines >= start && (end == -1 || c.lines <= end) {
			emit(c.lines, cur, false)
		}
	}
	return c, nil
}

func fmtRange(vr []int) string { return fmt.Sprintf("[%d, %d]", vr[0], vr[1]) }

func appendCapped(dst, src []byte) []byte {
	return append(dst, src[:min(len(src), max(0, maxLine-len(dst)))]...)
}

// runePrefix returns the first n runes of b.
func runePrefix(b []byte, n int) []byte {
	for i := range string(b) {
		if n == 0 {
			return b[:i]
		}
		n--
	}
	return b
}

// viewDir lists the non-hidden entries of dir, open at rel, two levels
// deep, in name order, directories marked with a trailing "/".
func (ed *Editor) viewDir(ctx context.Context, dir *os.File, rel, shown string) (string, error) {
	entries, err := readDir(dir)
	if err != nil {
		return "", fsError(err, shown)
	}
	var (
		sb      strings.Builder
		limit   = 4 * ed.opts.MaxOutput // bytes: enough for the runes clip keeps
		listed  = 0
		omitted = 0
	)
	add := func(line string) {
		if sb.Len()+len(line) > limit {
			omitted++
			return
		}
		sb.WriteString(line)
		listed++
	}
	for _, e := range entries {
		if hidden(e.Name()) {
			continue
		}
		p := filepath.Join(shown, e.Name())
		if !e.IsDir() {
			add(p + "\n")
			continue
		}
		add(p + "/\n")
		sub, err := ed.readDir(filepath.Join(rel, e.Name()))
		if err != nil {
			add(fmt.Sprintf("%s/ (cannot list it: %v)\n", p, reason(err)))
		}
		for _, s := range sub {
			if hidden(s.Name()) {
				continue
			}
			if s.IsDir() {
				add(filepath.Join(p, s.Name()) + "/\n")
			} else {
				add(filepath.Join(p, s.Name()) + "\n")
			}
		}
		if err := ctx.Err(); err != nil {
			return "", err
		}
	}
	if listed == 0 {
		return shown + " is a directory with no entries other than hidden ones.\n", nil
	}
	out := fmt.Sprintf("Entries of %s, two levels deep, hidden ones left out; directories end in /:\n%s", shown, sb.String())
	if omitted > 0 {
		out += fmt.Sprintf("[%d more entries not shown; view a subdirectory to list its entries.]\n", omitted)
	}
	return clip(out, ed.opts.MaxOutput, "view a subdirectory to list its entries"), nil
}

// readDir returns the entries of the directory at rel, sorted by name.
func (ed *Editor) readDir(rel string) ([]fs.DirEntry, error) {
	f, info, err := ed.open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !info.IsDir() {
		return nil, fmt.Errorf("not a directory (mode %s)", info.Mode())
	}
	return readDir(f)
}

// readDir returns the entries of the open directory f, sorted by name.
func readDir(f *os.File) ([]fs.DirEntry, error) {
	entries, err := f.ReadDir(-1)
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, err
}

func hidden(name string) bool { return strings.HasPrefix(name, ".") }

// fsError rewords a file system error for the model, naming the path as
// the model wrote it.
func fsError(err error, shown string) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s does not exist; view its directory to see what is there, or use create to make a new file", shown)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: permission denied", shown)
	}
	return fmt.Errorf("%s: %v", shown, reason(err))
}

// reason strips the operation and local path from a file system error,
// which would name paths the model does not use.
func reason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
