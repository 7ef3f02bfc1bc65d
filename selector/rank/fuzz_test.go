package rank_test

import (
	"math"
	"testing"

	"github.com/conclave-dev/conclave/selector/rank"
)

// FuzzExtract feeds arbitrary text to the feature extractor as patches:
// it must not panic, and every feature must stay in its range and be the
// same when computed again.
func FuzzExtract(f *testing.F) {
	f.Add(gitDiff("pkg/m.py", hunk10), "")
	f.Add(gitDiff("pkg/m.py", hunk10, hunk40)+newFile("reproduce.py", "x("), "not a diff")
	f.Add("--- a\n+++ b\n@@ -1 +1 @@\n-(\n+]\n", "@@ -99999999999999999999,1 +1 @@\n")
	f.Add("diff --git \"a/q\\\"x.py\" \"b/q\\\"x.py\"\n--- /dev/null\n+++ /dev/null\n", "@@ -1,-1 +1 @@\n+\r\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		pool := []rank.Candidate{{Source: "a", Patch: a, Cluster: "k"}, {Source: "b", Patch: b, Cluster: "k"}, {Source: "c", Patch: gitDiff("pkg/m.py", hunk40)}}
		v := rank.Extract(pool, nil)
		again := rank.Extract(pool, nil)
		if len(v) != len(pool) {
			t.Fatalf("%d vectors for %d candidates", len(v), len(pool))
		}
		for i, x := range v {
			if x != again[i] {
				t.Fatalf("candidate %d: %v, then %v", i, x, again[i])
			}
			for _, f := range rank.Features() {
				val := x[f]
				if math.IsNaN(val) || math.IsInf(val, 0) || val < 0 {
					t.Fatalf("candidate %d: %s is %v", i, f, val)
				}
				switch f.Group() {
				case rank.GroupAgreement:
					if val > 1 {
						t.Fatalf("candidate %d: share %s is %v", i, f, val)
					}
				case rank.GroupFlags:
					if val != 0 && val != 1 {
						t.Fatalf("candidate %d: flag %s is %v", i, f, val)
					}
				}
			}
			if x[rank.Empty] == 1 && (x[rank.LinesAdded] != 0 || x[rank.LinesRemoved] != 0) {
				t.Fatalf("candidate %d: empty, yet it changes lines: %v", i, x)
			}
		}
	})
}
