package selector_test

import (
	"fmt"
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
