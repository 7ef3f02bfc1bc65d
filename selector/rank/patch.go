package rank

import (
	"slices"
	"strconv"
	"strings"

	"github.com/conclave-dev/conclave/selector/syntax"
)

// shape is what the features read of one patch: its files, hunks and
// changed lines, scanned once.
type shape struct {
	files     []fileShape
	added     int
	removed   int
	hunks     int
	malformed bool // the text is not a well-formed unified diff
}

// fileShape is one changed file of a patch.
type fileShape struct {
	path  string
	isNew bool
	kind  syntax.FileKind
	hunks []span // the lines of the original each hunk replaces
	// lines are the file's changed lines, each a hash of its sign and its
	// text without white space, sorted and without repeats; blank lines
	// are left out.
	lines []uint64
	// brackets is, per kind of bracket ((, [, {), the openings less the
	// closings the patch adds: non-zero means it leaves them unbalanced.
	brackets [3]int
}

// span is the lines [from, to) of an original file.
type span struct{ from, to int }

// code reports whether the file counts in the comparison of candidates:
// tests and scratch scripts do not, since candidates agree on a fix
// whatever tests they write.
func (f *fileShape) code() bool { return f.kind != syntax.FileTest && f.kind != syntax.FileScratch }

// scan reads a unified diff, as git writes it or plain. It never fails:
// what it cannot read makes the patch malformed, and it keeps what it read
// before. Its memory is linear in the patch.
func scan(patch string) shape {
	var (
		s                 shape
		cur               *fileShape
		sawOld            bool // the current file has its --- line
		oldLeft, newLeft  int  // lines the current hunk has still to show
		oldPath, gitPath  string
		newFile, deletion bool
	)
	// begin starts a file; settle names it and its kind from the header
	// lines read so far.
	begin := func() {
		s.files = append(s.files, fileShape{})
		cur = &s.files[len(s.files)-1]
		sawOld, oldPath, gitPath, newFile, deletion = false, "", "", false, false
	}
	settle := func(newPath string) {
		p := newPath
		if p == "" || deletion {
			p = oldPath
		}
		if p == "" {
			p = gitPath
		}
		cur.path, cur.isNew = p, newFile
		cur.kind = syntax.Classify(p, newFile)
	}
	for line := range strings.SplitSeq(patch, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if oldLeft > 0 || newLeft > 0 {
			sign := byte(' ')
			if line != "" {
				sign = line[0]
			}
			switch sign {
			case ' ':
				oldLeft, newLeft = oldLeft-1, newLeft-1
				continue
			case '+':
				newLeft--
				s.added++
				cur.change(line)
				continue
			case '-':
				oldLeft--
				s.removed++
				cur.change(line)
				continue
			case '\\':
				continue
			}
			// A hunk cut short: what follows is read as headers.
			s.malformed = true
			oldLeft, newLeft = 0, 0
		}
		switch {
		case strings.HasPrefix(line, "diff --git "):
			begin()
			if i := strings.LastIndex(line, " b/"); i >= 0 {
				gitPath = unquote(line[i+3:])
			}
			settle("")
		case cur != nil && strings.HasPrefix(line, "new file mode"):
			newFile = true
			settle("")
		case cur != nil && strings.HasPrefix(line, "deleted file mode"):
			deletion = true
		case strings.HasPrefix(line, "--- "):
			if cur == nil || sawOld || len(cur.hunks) > 0 {
				begin()
			}
			sawOld = true
			if p := pathOf(line[4:]); p == "/dev/null" {
				newFile = true
			} else {
				oldPath = p
			}
			settle("")
		case strings.HasPrefix(line, "+++ "):
			if cur == nil {
				begin()
			}
			p := pathOf(line[4:])
			if p == "/dev/null" {
				deletion, p = true, ""
			}
			settle(p)
		case line == "---" || line == "-- " || line == "--":
			// The separators of git format-patch's message, stat and
			// signature.
		case line != "" && (line[0] == '+' || line[0] == '-'):
			// A changed line outside any hunk: the hunk's header
			// undercounts it.
			s.malformed = true
		case strings.HasPrefix(line, "@@ "):
			from, oldN, newN, ok := hunkHeader(line)
			if cur == nil || !ok {
				s.malformed = true
				continue
			}
			cur.hunks = append(cur.hunks, span{from, from + max(oldN, 1)})
			s.hunks++
			oldLeft, newLeft = oldN, newN
		}
	}
	if oldLeft > 0 || newLeft > 0 {
		s.malformed = true // the text ends inside a hunk
	}
	if len(s.files) == 0 && strings.TrimSpace(patch) != "" {
		s.malformed = true
	}
	for i := range s.files {
		f := &s.files[i]
		slices.Sort(f.lines)
		f.lines = slices.Compact(f.lines)
	}
	return s
}

// change records one added or removed line of the file.
func (f *fileShape) change(line string) {
	sign := 1
	if line[0] == '-' {
		sign = -1
	}
	// FNV-1a over the sign and the non-space bytes, inline: this runs for
	// every changed line of every candidate.
	const offset, prime = 14695981039346656037, 1099511628211
	h := (uint64(offset) ^ uint64(line[0])) * prime
	blank := true
	for i := 1; i < len(line); i++ {
		switch c := line[i]; c {
		case ' ', '\t', '\v', '\f', '\r':
		case '(', '[', '{':
			f.brackets[bracket(c)] += sign
			h, blank = (h^uint64(c))*prime, false
		case ')', ']', '}':
			f.brackets[bracket(c)] -= sign
			h, blank = (h^uint64(c))*prime, false
		default:
			h, blank = (h^uint64(c))*prime, false
		}
	}
	if !blank {
		f.lines = append(f.lines, h)
	}
}

// bracket numbers the kinds of bracket: ( 0, [ 1, { 2.
func bracket(c byte) int {
	switch c {
	case '(', ')':
		return 0
	case '[', ']':
		return 1
	}
	return 2
}

// pathOf reads the path of a ---/+++ line: without its a/ or b/ prefix,
// quotes, or the timestamp plain diffs append after a tab.
func pathOf(s string) string {
	s, _, _ = strings.Cut(s, "\t")
	s = unquote(strings.TrimSpace(s))
	if s == "/dev/null" {
		return s
	}
	if len(s) > 2 && (s[:2] == "a/" || s[:2] == "b/") {
		return s[2:]
	}
	return s
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
	}
	return s
}

// hunkHeader reads "@@ -from,old +new_from,new @@"; a count left out
// is 1.
func hunkHeader(line string) (from, oldN, newN int, ok bool) {
	rest, ok := strings.CutPrefix(line, "@@ -")
	if !ok {
		return 0, 0, 0, false
	}
	old, rest, ok := strings.Cut(rest, " +")
	if !ok {
		return 0, 0, 0, false
	}
	nw, _, ok := strings.Cut(rest, " @@")
	if !ok {
		return 0, 0, 0, false
	}
	from, oldN, ok1 := rangeOf(old)
	_, newN, ok2 := rangeOf(nw)
	return from, oldN, newN, ok1 && ok2
}

// rangeOf reads "start,count" or "start", refusing numbers so large that
// spans could overflow.
func rangeOf(s string) (start, count int, ok bool) {
	a, b, two := strings.Cut(s, ",")
	start, err := strconv.Atoi(a)
	if err != nil || start < 0 || start > 1<<40 {
		return 0, 0, false
	}
	count = 1
	if two {
		if count, err = strconv.Atoi(b); err != nil || count < 0 || count > 1<<40 {
			return 0, 0, false
		}
	}
	return start, count, true
}
