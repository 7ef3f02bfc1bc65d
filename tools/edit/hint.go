package edit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// noMatch explains why old_str was not found, as far as it can tell: where
// the file holds the same text with different whitespace (indentation,
// tabs or spaces, trailing blanks, line endings), or else where old_str's
// first line occurs, so that the model can copy the exact text.
func noMatch(f *file, old, shown string) error {
	lines := strings.Split(string(f.text()), "\n")
	want := strings.Split(f.eol.norm(old), "\n")
	if len(want) > 1 && want[len(want)-1] == "" {
		want = want[:len(want)-1]
	}
	if at := nearMatches(lines, want); len(at) > 0 {
		var sb strings.Builder
		fmt.Fprintf(&sb, "no match for old_str in %s, but it matches apart from whitespace at %s", shown, atLines(at))
		got := lines[at[0]-1 : at[0]-1+len(want)]
		fmt.Fprintf(&sb, " (%s). The file's text at line %d, quoted so that tabs (\\t), carriage returns (\\r) and trailing spaces show:\n", whitespaceDiff(got, want, f.eol), at[0])
		for i, l := range got {
			if f.eol == eolCRLF {
				l = strings.TrimSuffix(l, "\r")
			}
			fmt.Fprintf(&sb, "%6d\t%s\n", at[0]+i, strconv.Quote(l))
		}
		sb.WriteString("Copy that text exactly, whitespace included, into old_str and try again.")
		return fmt.Errorf("%s", sb.String())
	}
	first := ""
	for _, w := range want {
		if first = strings.TrimSpace(w); first != "" {
			break
		}
	}
	if first == "" {
		return fmt.Errorf("no match for old_str in %s; old_str is only whitespace, so give the text around the place to change as well", shown)
	}
	var at []int
	for i, l := range lines {
		if strings.Contains(l, first) {
			at = append(at, i+1)
			if len(at) == 5 {
				break
			}
		}
	}
	if len(at) == 0 {
		return fmt.Errorf("no match for old_str in %s: no line contains its first line, %q. View the file to copy the exact text; it may have changed since you last viewed it", shown, first)
	}
	return fmt.Errorf("no match for old_str in %s. Its first line, %q, occurs at %s, but what follows differs from old_str: view from there (view_range [%d, %d]) and copy the text exactly",
		shown, first, atLines(at), at[0], at[0]+len(want)+4)
}

// nearMatches returns the 1-based lines where want, a list of lines whose
// first may be the end of a line and whose last the start of one, matches
// lines once runs of whitespace are made single spaces and trimmed. It
// returns nil when want is only whitespace, and gives up after a bounded
// amount of work, since it only serves an error message.
func nearMatches(lines, want []string) []int {
	w := make([]string, len(want))
	key, keyAt := "", -1 // a word of want that a matching line must contain
	for i, l := range want {
		w[i] = squash(l)
		if keyAt < 0 && w[i] != "" {
			key, keyAt = strings.Fields(w[i])[0], i
		}
	}
	if keyAt < 0 {
		return nil
	}
	squashed := make(map[int]string)
	sq := func(i int) string {
		s, ok := squashed[i]
		if !ok {
			s = squash(lines[i])
			squashed[i] = s
		}
		return s
	}
	var at []int
	work := 0
	for i := 0; i+len(w) <= len(lines) && len(at) < 5 && work < 10_000_000; i++ {
		work++
		if !strings.Contains(lines[i+keyAt], key) {
			continue
		}
		last := len(w) - 1
		ok := len(w) == 1 && strings.Contains(sq(i), w[0]) ||
			len(w) > 1 && strings.HasSuffix(sq(i), w[0]) && strings.HasPrefix(sq(i+last), w[last])
		for j := 1; ok && j < last; j++ {
			work++
			ok = sq(i+j) == w[j]
		}
		if ok {
			at = append(at, i+1)
		}
	}
	return at
}

// squash trims s and makes each run of whitespace in it a single space.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// whitespaceDiff names how the file's lines got differ from want.
func whitespaceDiff(got, want []string, e eol) string {
	var why []string
	add := func(s string) {
		if !slices.Contains(why, s) {
			why = append(why, s)
		}
	}
	for i := range want {
		g, w := got[i], want[i]
		if e == eolMixed && strings.HasSuffix(g, "\r") != strings.HasSuffix(w, "\r") {
			add(`line endings: this file mixes CRLF (\r\n) and LF (\n), and old_str must give each line's ending as it is`)
		}
		g, w = strings.TrimSuffix(g, "\r"), strings.TrimSuffix(w, "\r")
		gi, wi := indent(g), indent(w)
		switch {
		case i == 0 && wi == "":
			// old_str may start inside the first line.
		case strings.Contains(gi, "\t") && !strings.Contains(wi, "\t"):
			add("the file indents with tabs where old_str has spaces")
		case strings.Contains(wi, "\t") && !strings.Contains(gi, "\t"):
			add("the file indents with spaces where old_str has tabs")
		case gi != wi:
			add("the indentation differs")
		}
		if trailing(g) != trailing(w) && (i < len(want)-1 || len(want) == 1 && trailing(w) != "") {
			add("trailing whitespace differs")
		}
	}
	if len(why) == 0 {
		return "the spacing within lines differs"
	}
	return strings.Join(why, "; ")
}

func indent(s string) string   { return s[:len(s)-len(strings.TrimLeft(s, " \t"))] }
func trailing(s string) string { return s[len(strings.TrimRight(s, " \t")):] }

// atLines says "line 3" or "lines 3, 9".
func atLines(at []int) string {
	s := make([]string, len(at))
	for i, n := range at {
		s[i] = strconv.Itoa(n)
	}
	if len(s) == 1 {
		return "line " + s[0]
	}
	return "lines " + strings.Join(s, ", ")
}
