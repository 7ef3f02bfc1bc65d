package rank_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bluekeyes/go-gitdiff/gitdiff"

	"github.com/conclave-dev/conclave/selector/rank"
	"github.com/conclave-dev/conclave/vote"
)

// sizedPatch is a patch of the size agents write for a feature task:
// three files (two sources and a test), three hunks each, each hunk with
// six lines of context, four removed and seven added; variant changes the
// text so that candidates differ.
func sizedPatch(variant int) string {
	var b strings.Builder
	for _, path := range []string{"pkg/core.py", "pkg/util.py", "tests/test_core.py"} {
		fmt.Fprintf(&b, "diff --git a/%s b/%s\nindex 1234567..89abcde 100644\n--- a/%s\n+++ b/%s\n", path, path, path, path)
		for h := range 3 {
			at := 40*h + 10
			fmt.Fprintf(&b, "@@ -%d,10 +%d,13 @@ def function_%d(self, value):\n", at, at, h)
			for i := range 3 {
				fmt.Fprintf(&b, "         result = self.compute(value, index=%d)\n", i)
			}
			for i := range 4 {
				fmt.Fprintf(&b, "-        if value is None and self.flags[%d]:\n", i)
			}
			for i := range 7 {
				fmt.Fprintf(&b, "+        if value is None or self.options.get(%q, %d):\n", fmt.Sprint("k", i), variant+i)
			}
			for i := range 3 {
				fmt.Fprintf(&b, "         return self.finish(result, {%d: value})\n", i)
			}
		}
	}
	return b.String()
}

// BenchmarkExtract measures the features of a pool of seven candidates,
// each a patch of 3 files and 9 hunks, against parsing the same patches
// with go-gitdiff, as the content filter does (the baseline), and a pool
// of 49 such candidates. The bound to stay above is 1,000 candidates a
// second.
func BenchmarkExtract(b *testing.B) {
	pool := make([]rank.Candidate, 7)
	for i := range pool {
		pool[i] = rank.Candidate{Source: fmt.Sprint("model", i), Patch: sizedPatch(i % 3), Cluster: fmt.Sprint(i % 3)}
	}
	records := map[string]vote.Record{"model0": {Right: 3, Wrong: 4}}
	b.Run("extract", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if v := rank.Extract(pool, records); len(v) != len(pool) {
				b.Fatalf("%d vectors", len(v))
			}
		}
		b.ReportMetric(float64(b.N*len(pool))/b.Elapsed().Seconds(), "candidates/s")
	})
	// The comparisons grow with the square of the pool.
	large := make([]rank.Candidate, 49)
	for i := range large {
		large[i] = pool[i%len(pool)]
	}
	b.Run("extract-49", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rank.Extract(large, records)
		}
		b.ReportMetric(float64(b.N*len(large))/b.Elapsed().Seconds(), "candidates/s")
	})
	b.Run("gitdiff-parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, c := range pool {
				if _, _, err := gitdiff.Parse(strings.NewReader(c.Patch)); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N*len(pool))/b.Elapsed().Seconds(), "candidates/s")
	})
}
