package selector_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/conclave-dev/conclave/selector"
)

// seven returns seven candidates for half.py: three agree, two more agree
// up to layout, one stands alone, one is empty.
func seven() []selector.Candidate {
	bodies := []string{
		"    return n // 2", "    return n >> 1", "    return n // 2  # floor", "    return int(n / 2)",
		"    return n>>1", "", "    return n//2",
	}
	out := make([]selector.Candidate, len(bodies))
	for i, b := range bodies {
		out[i] = selector.Candidate{ID: fmt.Sprint(i + 1), Source: fmt.Sprint("model", i+1)}
		if b != "" {
			out[i].Patch = patch(b)
		}
	}
	return out
}

// BenchmarkSelect measures a selection among seven candidates: the
// filters, syntax clustering and the syntax vote, patch-only and
// full-file, against the vote alone on clusters given (the baseline).
func BenchmarkSelect(b *testing.B) {
	full := []selector.Stage{selector.ContentFilter{}, selector.ApplyCheck{}, selector.SyntaxCluster{}, selector.SyntaxVote{}}
	cases := []struct {
		name   string
		base   bool
		stages []selector.Stage
	}{
		{"patch-only", false, full},
		{"full-file", true, full},
		{"vote-only", false, []selector.Stage{selector.SyntaxVote{}}},
	}
	clusters := []selector.Cluster{{Members: []string{"1", "3", "7"}}, {Members: []string{"2", "5"}}}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			sel := selector.Selector{Stages: c.stages}
			for b.Loop() {
				p := &selector.Pool{Candidates: seven()}
				if c.base {
					p.Base = fstest.MapFS{"half.py": {Data: []byte(original)}}
				}
				if c.name == "vote-only" {
					p.Clusters = clusters
				}
				d, err := sel.Run(b.Context(), p)
				if err != nil || d.Winner != "1" {
					b.Fatalf("winner %q, %v", d.Winner, err)
				}
			}
		})
	}
}

// bigModule is a Python module of n functions, about 375 bytes each.
func bigModule(n int) string {
	var b strings.Builder
	b.WriteString("\"\"\"Geometry helpers.\"\"\"\n\nimport math\n")
	for i := range n {
		fmt.Fprintf(&b, `

def shape_%d(width, height, scale=1.0):
    """Return the area of shape %d, scaled."""
    # Negative sides make no sense here.
    if width < 0 or height < 0:
        raise ValueError("negative side: %%r" %% ((width, height),))
    total = 0
    for k in range(%d):
        total += math.hypot(width, height) * k
    return {"area": width * height * scale, "total": total}
`, i, i, i%7+1)
	}
	return b.String()
}

// bigPool is n candidates against one file of about 72 KB: candidate k
// changes the start value of one of 192 functions to one of three
// spellings of k%4, so that a quarter of them agree in groups up to layout.
func bigPool(n int) (fstest.MapFS, []selector.Candidate) {
	src := bigModule(192)
	lines := strings.Split(src, "\n")
	var at []int // the line index of each function's "total = 0"
	for i, l := range lines {
		if l == "    total = 0" {
			at = append(at, i)
		}
	}
	spellings := []string{"    total = %d", "    total = (%d)", "    total = %d  # start"}
	cands := make([]selector.Candidate, n)
	for k := range cands {
		i := at[k%len(at)]
		patch := fmt.Sprintf("diff --git a/geometry.py b/geometry.py\n--- a/geometry.py\n+++ b/geometry.py\n@@ -%d,3 +%d,3 @@\n %s\n-%s\n+%s\n %s\n",
			i, i, lines[i-1], lines[i], fmt.Sprintf(spellings[k%3], k%4), lines[i+1])
		cands[k] = selector.Candidate{ID: fmt.Sprintf("c%03d", k), Source: fmt.Sprintf("model-%d", k%7), Patch: patch}
	}
	return fstest.MapFS{"geometry.py": {Data: []byte(src)}}, cands
}

// BenchmarkPool500 selects among 500 candidates that all change one file
// of about 72 KB: the filters, syntax clustering and the syntax vote, in
// full-file mode. Run it with -cpu 1 for the figure on one core.
func BenchmarkPool500(b *testing.B) {
	base, candidates := bigPool(500)
	sel := selector.Selector{Stages: []selector.Stage{selector.ContentFilter{}, selector.ApplyCheck{}, selector.SyntaxCluster{}, selector.SyntaxVote{}}}
	b.ReportAllocs()
	for b.Loop() {
		p, err := selector.NewPool("", base, slices.Clone(candidates))
		if err != nil {
			b.Fatal(err)
		}
		d, err := sel.Run(b.Context(), p)
		if err != nil || d.DecidedBy != "syntax_vote" {
			b.Fatalf("decided by %q: %v", d.DecidedBy, err)
		}
	}
}
