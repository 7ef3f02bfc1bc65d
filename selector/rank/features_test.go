package rank_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector/rank"
	"github.com/conclave-dev/conclave/vote"
)

// gitDiff writes a git diff of one file from its hunks, each a header
// and its lines.
func gitDiff(path string, hunks ...string) string {
	return "diff --git a/" + path + " b/" + path + "\nindex 1111111..2222222 100644\n--- a/" + path + "\n+++ b/" + path + "\n" + strings.Join(hunks, "")
}

func newFile(path string, lines ...string) string {
	var b strings.Builder
	b.WriteString("diff --git a/" + path + " b/" + path + "\nnew file mode 100644\n--- /dev/null\n+++ b/" + path + "\n")
	b.WriteString("@@ -0,0 +1," + itoa(len(lines)) + " @@\n")
	for _, l := range lines {
		b.WriteString("+" + l + "\n")
	}
	return b.String()
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

var (
	hunk10 = "@@ -10,2 +10,3 @@ def f():\n x = 1\n-y = 2\n+y = 3\n+z = g(y)\n"
	hunk40 = "@@ -40,1 +41,1 @@\n-a = 1\n+a = 2\n"
	log1   = math.Log1p(1)
	log2   = math.Log1p(2)
	log3   = math.Log1p(3)
)

// TestExtractAlone checks every feature a patch has on its own: each case
// lists the features that are not 0.
func TestExtractAlone(t *testing.T) {
	tests := []struct {
		name  string
		patch string
		want  map[rank.Feature]float64
	}{
		{"one hunk", gitDiff("pkg/m.py", hunk10),
			map[rank.Feature]float64{rank.LinesAdded: log2, rank.LinesRemoved: log1, rank.Files: log1, rank.Hunks: log1}},
		{"two files, two hunks in one", gitDiff("pkg/m.py", hunk10, hunk40) + gitDiff("pkg/n.py", hunk40),
			map[rank.Feature]float64{rank.LinesAdded: math.Log1p(4), rank.LinesRemoved: log3, rank.Files: log2, rank.Hunks: log3}},
		{"adds a scratch script", gitDiff("pkg/m.py", hunk40) + newFile("reproduce_bug.py", "import m", "print(m.a)"),
			map[rank.Feature]float64{rank.LinesAdded: log3, rank.LinesRemoved: log1, rank.Files: log2, rank.Hunks: log2, rank.AddsScratch: 1}},
		{"tests only", gitDiff("tests/test_m.py", hunk40),
			map[rank.Feature]float64{rank.LinesAdded: log1, rank.LinesRemoved: log1, rank.Files: log1, rank.Hunks: log1, rank.TestsOnly: 1, rank.TouchesTests: 1}},
		{"source and tests", gitDiff("pkg/m.py", hunk40) + gitDiff("pkg/test_m.py", hunk40),
			map[rank.Feature]float64{rank.LinesAdded: log2, rank.LinesRemoved: log2, rank.Files: log2, rank.Hunks: log2, rank.TouchesTests: 1}},
		{"unbalanced bracket", gitDiff("pkg/m.py", "@@ -1,1 +1,1 @@\n-a = f(x)\n+a = f(x\n"),
			map[rank.Feature]float64{rank.LinesAdded: log1, rank.LinesRemoved: log1, rank.Files: log1, rank.Hunks: log1, rank.Unbalanced: 1}},
		{"brackets balanced across lines", gitDiff("pkg/m.py", "@@ -1,1 +1,3 @@\n-a = f(x)\n+a = f(\n+    x, [1, {2: 3}],\n+)\n"),
			map[rank.Feature]float64{rank.LinesAdded: log3, rank.LinesRemoved: log1, rank.Files: log1, rank.Hunks: log1}},
		{"a bracket the patch removes", gitDiff("pkg/m.py", "@@ -1,2 +1,1 @@\n-a = [\n-]\n+a = []\n"),
			map[rank.Feature]float64{rank.LinesAdded: log1, rank.LinesRemoved: log2, rank.Files: log1, rank.Hunks: log1}},
		{"a hunk cut short", gitDiff("pkg/m.py", "@@ -1,3 +1,3 @@\n-a\n+b\n"),
			map[rank.Feature]float64{rank.LinesAdded: log1, rank.LinesRemoved: log1, rank.Files: log1, rank.Hunks: log1, rank.Unbalanced: 1}},
		{"a hunk that undercounts its lines", gitDiff("pkg/m.py", "@@ -1,1 +1,1 @@\n-a\n+b\n+c\n"),
			map[rank.Feature]float64{rank.LinesAdded: log1, rank.LinesRemoved: log1, rank.Files: log1, rank.Hunks: log1, rank.Unbalanced: 1}},
		{"format-patch output", "From 1234 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] fix\n---\n m.py | 2 +-\n\n" + gitDiff("m.py", hunk40) + "-- \n2.43.0\n",
			map[rank.Feature]float64{rank.LinesAdded: log1, rank.LinesRemoved: log1, rank.Files: log1, rank.Hunks: log1}},
		{"a hunk before any file", "@@ -1 +1 @@\n-a\n+b\n",
			map[rank.Feature]float64{rank.Unbalanced: 1, rank.Empty: 1}},
		{"not a diff", "I fixed it.\n", map[rank.Feature]float64{rank.Unbalanced: 1, rank.Empty: 1}},
		{"empty", "", map[rank.Feature]float64{rank.Empty: 1}},
		{"blank", " \n\n", map[rank.Feature]float64{rank.Empty: 1}},
		{"plain diff with timestamps", "--- m.py\t2024-01-01\n+++ m.py\t2024-01-02\n@@ -1 +1 @@\n-a\n+b\n",
			map[rank.Feature]float64{rank.LinesAdded: log1, rank.LinesRemoved: log1, rank.Files: log1, rank.Hunks: log1}},
		{"CRLF and no newline at the end", "diff --git a/m.py b/m.py\r\n--- a/m.py\r\n+++ b/m.py\r\n@@ -1 +1 @@\r\n-a\r\n\\ No newline at end of file\r\n+b\r\n\\ No newline at end of file\r\n",
			map[rank.Feature]float64{rank.LinesAdded: log1, rank.LinesRemoved: log1, rank.Files: log1, rank.Hunks: log1}},
		{"a deleted file", "diff --git a/old.py b/old.py\ndeleted file mode 100644\n--- a/old.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n",
			map[rank.Feature]float64{rank.LinesRemoved: log2, rank.Files: log1, rank.Hunks: log1}},
		{"a mode change only", "diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n",
			map[rank.Feature]float64{rank.Files: log1}},
		{"context only", gitDiff("m.py", "@@ -1,1 +1,1 @@\n a\n"),
			map[rank.Feature]float64{rank.Files: log1, rank.Hunks: log1, rank.Empty: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := rank.Extract([]rank.Candidate{{Source: "x", Patch: tt.patch}}, nil)
			require.Len(t, v, 1)
			for _, f := range rank.Features() {
				assert.InDelta(t, tt.want[f], v[0][f], 1e-12, "%s", f)
			}
		})
	}
}

// TestExtractPool checks the features that compare a candidate with the
// rest of its pool, and the track record.
func TestExtractPool(t *testing.T) {
	a := gitDiff("pkg/m.py", hunk10)
	b := gitDiff("pkg/m.py", "@@ -11,1 +11,2 @@\n-y  =  2\n+y = 3\n+z = g( y )\n") // a's change, spaced differently, a line off
	c := gitDiff("pkg/other.py", hunk40)
	d := gitDiff("pkg/m.py", hunk10) + gitDiff("tests/test_m.py", hunk40) // a's change and a test
	pool := []rank.Candidate{
		{Source: "claude", Patch: a, Cluster: "k"},
		{Source: "gpt", Patch: b, Cluster: "k"},
		{Source: "gemini", Patch: c},
		{Source: "qwen", Patch: d, Cluster: "k"},
	}
	records := map[string]vote.Record{"claude": {Right: 3, Wrong: 1}, "gemini": {Right: 0, Wrong: 3}}
	v := rank.Extract(pool, records)
	require.Len(t, v, 4)
	twoThirds := 2.0 / 3
	tests := []struct {
		feature rank.Feature
		want    [4]float64
	}{
		{rank.TrackRecord, [4]float64{math.Log(4.0 / 2), 0, math.Log(1.0 / 4), 0}},
		// Sizes 3, 3, 2 and 5: the median is 3.
		{rank.SizeFromMedian, [4]float64{0, 0, math.Log(4.0 / 3), math.Log(6.0 / 4)}},
		// The test file does not count: a, b and d change the same files.
		{rank.SameFiles, [4]float64{twoThirds, twoThirds, 0, twoThirds}},
		{rank.HunkOverlap, [4]float64{twoThirds, twoThirds, 0, twoThirds}},
		// a, b and d change the same lines of m.py, white space aside.
		{rank.LineJaccard, [4]float64{twoThirds, twoThirds, 0, twoThirds}},
		{rank.ClusterShare, [4]float64{twoThirds, twoThirds, 0, twoThirds}},
		{rank.TouchesTests, [4]float64{0, 0, 0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.feature.String(), func(t *testing.T) {
			for i := range pool {
				assert.InDelta(t, tt.want[i], v[i][tt.feature], 1e-12, "candidate %d", i)
			}
		})
	}

	t.Run("alone", func(t *testing.T) {
		v := rank.Extract(pool[:1], nil)
		for _, f := range []rank.Feature{rank.SameFiles, rank.HunkOverlap, rank.LineJaccard, rank.ClusterShare, rank.SizeFromMedian} {
			assert.Zero(t, v[0][f], "%s", f)
		}
	})
	t.Run("partial overlap", func(t *testing.T) {
		half := gitDiff("pkg/m.py", "@@ -10,2 +10,2 @@ def f():\n x = 1\n-y = 2\n+y = 3\n")
		v := rank.Extract([]rank.Candidate{{Patch: a}, {Patch: half}}, nil)
		// a changes -y=2, +y=3, +z=g(y); half changes the first two.
		assert.InDelta(t, 2.0/3, v[0][rank.LineJaccard], 1e-12)
		assert.InDelta(t, 2.0/3, v[1][rank.LineJaccard], 1e-12)
	})
	t.Run("signals", func(t *testing.T) {
		v := rank.Extract([]rank.Candidate{{Patch: a, Regressions: 3, Approval: 0.25}, {Patch: a}}, nil)
		assert.Equal(t, math.Log1p(3), v[0][rank.Regressions])
		assert.Equal(t, 0.25, v[0][rank.Approval])
		assert.Zero(t, v[1][rank.Regressions])
		assert.Zero(t, v[1][rank.Approval])
	})
}

func TestFeatureNames(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range rank.Features() {
		text, err := f.MarshalText()
		require.NoError(t, err)
		assert.False(t, seen[string(text)], "%s named twice", text)
		seen[string(text)] = true
		var back rank.Feature
		require.NoError(t, back.UnmarshalText(text))
		assert.Equal(t, f, back)
	}
	var f rank.Feature
	err := f.UnmarshalText([]byte("vibes"))
	assert.ErrorContains(t, err, `unknown feature "vibes": the features are track_record, lines_added`)

	assert.Equal(t, []rank.Feature{rank.TrackRecord, rank.Regressions, rank.Approval},
		rank.Without(rank.GroupSize, rank.GroupAgreement, rank.GroupFlags))
	assert.Len(t, rank.Without(), len(rank.Features()))
	m := rank.Vector{rank.LinesAdded: 2}.Map()
	assert.Len(t, m, len(rank.Features()))
	assert.Equal(t, 2.0, m["lines_added"])
	assert.Zero(t, m["track_record"])
}
