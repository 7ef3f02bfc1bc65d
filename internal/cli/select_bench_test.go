package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func benchRows(t *testing.T, args ...string) map[string]benchRow {
	t.Helper()
	code, stdout, stderr := run(t, append([]string{"select", "bench", "--json"}, args...)...)
	require.Equal(t, 0, code, stderr)
	var rows []benchRow
	require.NoError(t, json.Unmarshal([]byte(stdout), &rows))
	byName := map[string]benchRow{}
	for _, r := range rows {
		byName[r.Strategy] = r
	}
	return byName
}

func TestSelectBenchScores(t *testing.T) {
	a, b := calcPatch("    return a // b"), calcPatch("    return a * b")
	path := writeLines(t, t.TempDir(), "bench.jsonl",
		map[string]any{"instance_id": "i1", "candidate_id": "x", "patch": a, "resolved": true},
		map[string]any{"instance_id": "i1", "candidate_id": "y", "patch": b, "resolved": false},
		map[string]any{"instance_id": "i2", "candidate_id": "x", "patch": a, "resolved": false},
		map[string]any{"instance_id": "i2", "candidate_id": "y", "patch": b, "resolved": true},
		map[string]any{"instance_id": "i3", "candidate_id": "x", "patch": a, "resolved": true},
		map[string]any{"instance_id": "i3", "candidate_id": "y", "patch": a, "resolved": true},
		map[string]any{"instance_id": "i4", "candidate_id": "x", "patch": "", "resolved": false},
		map[string]any{"instance_id": "i4", "candidate_id": "y", "patch": "", "resolved": false},
		map[string]any{"instance_id": "i5", "candidate_id": "x", "patch": "", "resolved": false},
		map[string]any{"instance_id": "i5", "candidate_id": "y", "patch": b, "resolved": true},
	)
	rows := benchRows(t, "--data", path, "--folds", "2", "--repeats", "3")
	want := map[string]float64{
		"random candidate":                           2.5, // 0.5 + 0.5 + 1 + 0 + 0.5
		"best single source in hindsight (y)":        3,
		"oracle (any candidate resolves)":            4,
		"exact-text vote":                            2.5, // ties in i1, i2; i3 agrees; i4's empties agree; i5 ties
		"syntax clusters, plurality":                 2.5,
		"syntax clusters, plurality, filters":        3, // i5's empty patch goes
		"no clusters, weighted by outcomes, filters": -1,
	}
	for name, resolved := range want {
		require.Contains(t, rows, name)
		if resolved >= 0 {
			assert.InDelta(t, resolved, rows[name].Resolved, 1e-9, name)
		}
		assert.Equal(t, 5, rows[name].Of)
	}
	assert.Len(t, rows, 15)
	for name, r := range rows {
		assert.LessOrEqual(t, r.Resolved, 4.0, name)
		assert.InDelta(t, 100*r.Resolved/5, r.Percent, 1e-9, name)
	}
}

func TestSelectBenchErrors(t *testing.T) {
	dir := t.TempDir()
	noOutcome := writeLines(t, dir, "a.jsonl", map[string]any{"instance_id": "i", "candidate_id": "x", "patch": ""})
	code, _, stderr := run(t, "select", "bench", "--data", noOutcome)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `a.jsonl:1: resolved is missing`)

	two := writeLines(t, dir, "b.jsonl",
		map[string]any{"instance_id": "i", "candidate_id": "x", "patch": "", "resolved": true},
		map[string]any{"instance_id": "j", "candidate_id": "x", "patch": "", "resolved": true})
	code, _, stderr = run(t, "select", "bench", "--data", two, "--folds", "3")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--folds is 3: use between 2 and the number of instances, 2")

	code, _, stderr = run(t, "select", "bench", "--data", two, "--repeats", "0")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--repeats is 0")

	code, _, stderr = run(t, "select", "bench")
	assert.Equal(t, 2, code, "no data is assumed to lie beside the working directory")
	assert.Contains(t, stderr, "--data is required")
}

// benchData finds rel under a shared/bench directory beside the module or
// one of its parents, or skips the test: a user's clone has no benchmark
// data.
func benchFile(t *testing.T, rel string) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	require.NoError(t, err)
	for {
		p := filepath.Join(dir, "shared", "bench", rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skipf("benchmark data %s not found in a shared/bench beside the module or its parents", rel)
		}
		dir = parent
	}
}

// TestSelectBenchNocode scores the strategies on NoCode-bench Verified:
// 114 feature tasks, 7 models. The figures it checks are the data's, not
// the code's: random 18.8 %, the best model 32 resolved, any model 48.
func TestSelectBenchNocode(t *testing.T) {
	if testing.Short() {
		t.Skip("scores 114 instances; skipped in -short mode")
	}
	rows := benchRows(t, "--data", benchFile(t, "nocode-verified/candidates.jsonl"), "--repeats", "3")
	assert.InDelta(t, 21.4, rows["random candidate"].Resolved, 0.05)
	assert.Equal(t, 48.0, rows["oracle (any candidate resolves)"].Resolved)
	assert.Equal(t, 32.0, rows["best single source in hindsight (20250722_agentless_claude-4-sonnet)"].Resolved)

	naive := rows["exact-text vote"].Resolved
	ours := rows["syntax clusters, weighted by outcomes, filters"].Resolved
	best := rows["best single source chosen by cross-validation"].Resolved
	assert.Greater(t, ours, naive+5, "reliability weights beat the naive vote")
	assert.GreaterOrEqual(t, ours, best-1.5, "and come within an instance or so of the best single source, chosen without peeking")
}
