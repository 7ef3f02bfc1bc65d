package edit

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

var bom = []byte("\xef\xbb\xbf")

// eol is a file's line-break convention, which decides how the model's
// old_str and new_str, written with "\n", meet the file's bytes.
type eol int

const (
	// eolLF: line breaks are "\n", or there are none. A "\r\n" in old_str
	// or new_str is read as "\n".
	eolLF eol = iota
	// eolCRLF: every line break is "\r\n". The model's "\n" (or "\r\n")
	// stands for "\r\n", so old_str written with "\n" matches and new_str
	// is written with "\r\n".
	eolCRLF
	// eolMixed: both kinds occur. old_str and new_str are used byte for
	// byte, since no conversion could be right for every line.
	eolMixed
)

func detectEOL(b []byte) eol {
	lf := bytes.Count(b, []byte("\n"))
	if lf == 0 {
		return eolLF
	}
	switch bytes.Count(b, []byte("\r\n")) {
	case 0:
		return eolLF
	case lf:
		return eolCRLF
	}
	return eolMixed
}

// norm returns s, text from the model, with "\r\n" read as "\n" unless
// the file mixes line endings.
func (e eol) norm(s string) string {
	if e == eolMixed {
		return s
	}
	return strings.ReplaceAll(s, "\r\n", "\n")
}

// toFile converts s, text from the model, to the file's line breaks.
func (e eol) toFile(s string) string {
	s = e.norm(s)
	if e == eolCRLF {
		return strings.ReplaceAll(s, "\n", "\r\n")
	}
	return s
}

// textError returns an error when b is not text the editor may change: a
// NUL byte marks a binary file, and bytes that are not UTF-8 would mix
// encodings with the model's UTF-8 text.
func textError(b []byte, shown string) error {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return fmt.Errorf("%s is a binary file (it has a NUL byte at line %d); this tool edits UTF-8 text only, so use a shell command for it", shown, lineOf(b, i))
	}
	if utf8.Valid(b) {
		return nil
	}
	i := 0
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		i += n
	}
	return fmt.Errorf("%s is not UTF-8 text (the first invalid byte is on line %d); this tool edits UTF-8 text only, so use a shell command (iconv, sed) for it", shown, lineOf(b, i))
}

// lineOf returns the 1-based number of the line holding byte offset off.
func lineOf(b []byte, off int) int { return 1 + bytes.Count(b[:off], []byte("\n")) }

// countLines returns the number of lines in b, a last line without a
// line break included.
func countLines(b []byte) int {
	n := bytes.Count(b, []byte("\n"))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return n
}

// lineStart returns the offset where line n (1-based) of b starts, or
// len(b) when b has fewer lines.
func lineStart(b []byte, n int) int {
	off := 0
	const block = 64 << 10
	for n > 1 {
		rest := b[off:]
		if len(rest) > block {
			// Skip whole blocks with one vectorised count.
			if c := bytes.Count(rest[:block], []byte("\n")); c < n-1 {
				off += block
				n -= c
				continue
			}
		}
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return len(b)
		}
		off += i + 1
		n--
	}
	return off
}

// numbered writes the lines of b, which starts at the start of line
// first, to sb in the cat -n format up to line last, dropping the "\r" of
// each "\r\n", and returns the number of the last line written.
func numbered(sb *strings.Builder, b []byte, first, last int) int {
	n := first - 1
	for n < last && len(b) > 0 {
		n++
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
			line = bytes.TrimSuffix(line, []byte("\r"))
		} else {
			b = nil
		}
		fmt.Fprintf(sb, "%6d\t%s\n", n, line)
	}
	return n
}

// snippet numbers the lines around an edit that wrote text between before
// and after (the file's body on either side), with context lines on each
// side. It returns the lines and the numbers of the first and last.
func snippet(before, text, after []byte, context int) (lines string, first, last int) {
	line := 1 + bytes.Count(before, []byte("\n"))
	end := line // the last line the edit touched
	if len(text) > 0 {
		end += bytes.Count(text[:len(text)-1], []byte("\n"))
	}
	first = max(1, line-context)
	// Walk back from the edit to the first line shown rather than counting
	// from the top of the file again.
	start := bytes.LastIndexByte(before, '\n') + 1
	for range line - first {
		start = bytes.LastIndexByte(before[:start-1], '\n') + 1
	}
	window := slices.Concat(before[start:], text, after[:lineStart(after, context+2)])
	var sb strings.Builder
	last = numbered(&sb, window, first, end+context)
	return sb.String(), first, last
}

// clip returns s cut to at most limit runes, at a line break when there
// is one in the second half, followed by a note; hint says how to see the
// rest.
func clip(s string, limit int, hint string) string {
	total := utf8.RuneCountInString(s)
	if total <= limit {
		return s
	}
	cut, n := 0, 0
	for i := range s {
		if n == limit {
			cut = i
			break
		}
		n++
	}
	if i := strings.LastIndexByte(s[:cut], '\n'); i > cut/2 {
		cut = i + 1
	}
	if hint == "" {
		hint = "narrow the request to see the rest"
	}
	return fmt.Sprintf("%s\n[output clipped: %d of %d characters shown; %s]\n", s[:cut], utf8.RuneCountInString(s[:cut]), total, hint)
}
