package syntax

// Edit is one change between two normalised token streams. Line and
// Token say exactly where it starts in the original: before the token
// numbered Token among the tokens of the stream that come from line Line
// (from 1; line 0 is the start of the file). Tokens are numbered from 0
// except Python's indentation markers, which are numbered backwards from
// the line's first token (-1 just before it): how many of them a line
// has depends on how much of the file before it a hunk shows, the
// markers next to an edit do not.
type Edit struct {
	Line  int      `json:"line"`
	Token int      `json:"token"`
	Del   []string `json:"del,omitempty"` // tokens removed
	Ins   []string `json:"ins,omitempty"` // tokens added
}

// maxEditCost bounds the diff's work: past this many differing tokens the
// streams' differing middle becomes one edit.
const maxEditCost = 1000

// edits returns the edits that turn a into b: a shortest edit script
// (Myers' algorithm) after the common prefix and suffix are set aside,
// grouped into runs. A run that only inserts or only deletes and could sit
// at several places is moved to the first place where it starts a
// statement, else to the first place. base is added to token lines to
// make file lines; before is the anchor of an insertion at the very start.
// Deterministic.
func edits(a, b []tok, base, before int) []Edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre].s == b[pre].s {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf].s == b[len(b)-1-suf].s {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(ma) == 0 && len(mb) == 0 {
		return nil
	}
	var runs [][4]int // a[ai:aj] becomes b[bi:bj]
	if pairs, ok := myers(ma, mb); ok {
		x, y := 0, 0
		for _, m := range append(pairs, [2]int{len(ma), len(mb)}) {
			if x < m[0] || y < m[1] {
				runs = append(runs, [4]int{pre + x, pre + m[0], pre + y, pre + m[1]})
			}
			x, y = m[0]+1, m[1]+1
		}
	} else {
		runs = [][4]int{{pre, len(a) - suf, pre, len(b) - suf}}
	}
	col := make([]int, len(a)) // what Edit.Token is for a position before a[i]
	n := 0
	for i, t := range a {
		if i > 0 && t.line != a[i-1].line {
			n = 0
		}
		if t.s != markIndent && t.s != markDedent {
			col[i], n = n, n+1
		}
	}
	for i := len(a) - 1; i >= 0; i-- {
		if a[i].s == markIndent || a[i].s == markDedent {
			col[i] = -1
			if i+1 < len(a) && a[i+1].line == a[i].line && col[i+1] < 0 {
				col[i] = col[i+1] - 1
			}
		}
	}
	out := make([]Edit, 0, len(runs))
	for i := range runs {
		lo, hi := [2]int{}, [2]int{len(a), len(b)}
		if i > 0 {
			lo = [2]int{runs[i-1][1], runs[i-1][3]}
		}
		if i+1 < len(runs) {
			hi = [2]int{runs[i+1][0], runs[i+1][2]}
		}
		runs[i] = slide(a, b, runs[i], lo, hi)
		r := runs[i]
		e := Edit{Line: before}
		switch {
		case r[0] < len(a):
			e.Line, e.Token = a[r[0]].line+base, col[r[0]]
		case r[0] > 0: // after the last token
			e.Line, e.Token = a[r[0]-1].line+base, col[r[0]-1]+1
		}
		for _, t := range a[r[0]:r[1]] {
			e.Del = append(e.Del, t.s)
		}
		for _, t := range b[r[2]:r[3]] {
			e.Ins = append(e.Ins, t.s)
		}
		out = append(out, e)
	}
	return out
}

// slide moves a run that only inserts or only deletes to its canonical
// place among the equivalent ones between lo and hi (the ends of the
// neighbouring runs).
func slide(a, b []tok, r [4]int, lo, hi [2]int) [4]int {
	var run []tok
	switch {
	case r[0] == r[1]:
		run = b
	case r[2] == r[3]:
		run = a
	default:
		return r
	}
	first, last := 2, 3 // where the run's ends are in r
	if r[2] == r[3] {
		first, last = 0, 1
	}
	shift := func(r [4]int, d int) [4]int { return [4]int{r[0] + d, r[1] + d, r[2] + d, r[3] + d} }
	for r[0] > lo[0] && r[2] > lo[1] && a[r[0]-1].s == run[r[last]-1].s {
		r = shift(r, -1)
	}
	top := r
	for {
		if (r[0] == 0 || isBoundary(a[r[0]-1].s)) && !isMarker(run[r[first]].s) {
			return r
		}
		if r[1] >= hi[0] || r[3] >= hi[1] || a[r[1]].s != run[r[first]].s {
			return top
		}
		r = shift(r, 1)
	}
}

func isMarker(s string) bool { return s == markNewline || s == markIndent || s == markDedent }

func isBoundary(s string) bool { return isMarker(s) || s == ";" || s == "{" || s == "}" }

// myers returns the matched pairs of a shortest edit script from a to b,
// or false when it would cost more than maxEditCost.
func myers(a, b []tok) ([][2]int, bool) {
	n, m := len(a), len(b)
	limit := min(n+m, maxEditCost)
	off := limit + 1
	v := make([]int, 2*limit+3)
	var trace [][]int
	for d := 0; d <= limit; d++ {
		trace = append(trace, append([]int(nil), v[off-d-1:off+d+2]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1] // down: an insertion
			} else {
				x = v[off+k-1] + 1 // right: a deletion
			}
			y := x - k
			for x < n && y < m && a[x].s == b[y].s {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(a, b, trace, d), true
			}
		}
	}
	return nil, false
}

// backtrack walks the saved frontiers back from (len(a), len(b)) and
// collects the diagonal moves.
func backtrack(a, b []tok, trace [][]int, dEnd int) [][2]int {
	var pairs [][2]int
	x, y := len(a), len(b)
	for d := dEnd; d > 0; d-- {
		vd := trace[d] // the frontier before step d, k at index k+d+1
		at := func(k int) int { return vd[k+d+1] }
		k := x - y
		prevK := k - 1
		if k == -d || k != d && at(k-1) < at(k+1) {
			prevK = k + 1
		}
		prevX := at(prevK)
		prevY := prevX - prevK
		midX, midY := prevX, prevY+1
		if prevK == k-1 {
			midX, midY = prevX+1, prevY
		}
		for x > midX && y > midY {
			x, y = x-1, y-1
			pairs = append(pairs, [2]int{x, y})
		}
		x, y = prevX, prevY
	}
	for x > 0 && y > 0 {
		x, y = x-1, y-1
		pairs = append(pairs, [2]int{x, y})
	}
	for i, j := 0, len(pairs)-1; i < j; i, j = i+1, j-1 {
		pairs[i], pairs[j] = pairs[j], pairs[i]
	}
	return pairs
}
