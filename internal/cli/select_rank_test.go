package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector/rank"
)

// calcLines is a patch of calc.py's div adding n lines.
func calcLines(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -5,2 +5,%d @@ def add(a, b):\n def div(a, b):\n", n+1)
	for i := range n - 1 {
		fmt.Fprintf(&b, "+    check%d(a, b)\n", i)
	}
	b.WriteString("-    return a / b\n+    return a / b if b else 0\n")
	return b.String()
}

// pastPools are eight instances of three candidates where the shortest
// patch resolved the issue, whoever wrote it, with a few outcomes given
// as track records only.
func pastPools() []map[string]any {
	var lines []map[string]any
	sources := []string{"claude", "gpt", "gemini"}
	for i := range 8 {
		for j, n := range []int{1, 4, 9} {
			lines = append(lines, map[string]any{
				"instance_id": fmt.Sprint("past", i), "candidate_id": fmt.Sprint("p", i, "-", j),
				"source": sources[(i+j)%3], "patch": calcLines(n), "resolved": j == 0,
			})
		}
	}
	return append(lines, map[string]any{"source": "gpt", "resolved": true}, map[string]any{"source": "qwen", "resolved": false})
}

func TestSelectTrain(t *testing.T) {
	dir := t.TempDir()
	history := writeLines(t, dir, "history.jsonl", pastPools()...)
	train := func(name string, args ...string) (string, string) {
		out := filepath.Join(dir, name)
		code, stdout, stderr := run(t, append([]string{"select", "train", "--history", history, "--out", out}, args...)...)
		require.Equal(t, 0, code, stderr)
		assert.Empty(t, stdout)
		data, err := os.ReadFile(out)
		require.NoError(t, err)
		return string(data), stderr
	}
	first, stderr := train("model.json")
	assert.Contains(t, stderr, "conclave select train: 8 instances, 8 with both outcomes, 16 pairs; lambda")
	assert.Contains(t, stderr, "lines_added")
	again, _ := train("again.json")
	assert.Equal(t, first, again, "the same input and seed give the same model")

	m, err := rank.Read(strings.NewReader(first))
	require.NoError(t, err)
	assert.Less(t, m.FeatureWeights()["lines_added"], 0.0, "the shortest patch resolved")
	assert.Equal(t, 4, m.Records["gpt"].Right, "the track records count both kinds of line: 3 pools and a record")
	assert.Equal(t, 1, m.Records["qwen"].Wrong)

	without, _ := train("without.json", "--without", "track_record, flags")
	m, err = rank.Read(strings.NewReader(without))
	require.NoError(t, err)
	for _, f := range m.Features {
		assert.NotEqual(t, rank.GroupTrackRecord, f.Group())
		assert.NotEqual(t, rank.GroupFlags, f.Group())
	}
	assert.Contains(t, m.Features, rank.LinesAdded)
}

func TestSelectRanker(t *testing.T) {
	dir := t.TempDir()
	history := writeLines(t, dir, "history.jsonl", pastPools()...)
	model := filepath.Join(dir, "model.json")
	code, _, stderr := run(t, "select", "train", "--history", history, "--out", model, "--seed", "4")
	require.Equal(t, 0, code, stderr)
	batch := writeLines(t, dir, "batch.jsonl",
		map[string]any{"instance_id": "new", "candidate_id": "long", "source": "claude", "patch": calcLines(6)},
		map[string]any{"instance_id": "new", "candidate_id": "short", "source": "gpt", "patch": calcLines(1)},
		map[string]any{"instance_id": "new", "candidate_id": "mid", "source": "gemini", "patch": calcLines(3)},
	)

	withModel := filepath.Join(dir, "with-model.jsonl")
	code, _, stderr = run(t, "select", "--batch", batch, "--ranker", model, "--out", withModel, "--seed", "4")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "strategy ranker")
	got := readSelections(t, withModel)
	require.Len(t, got, 1)
	assert.Equal(t, "ranker", got[0].Strategy)
	assert.Equal(t, "short", got[0].CandidateID)
	assert.Equal(t, "rank", got[0].Decision.DecidedBy)
	var stages []string
	for _, s := range got[0].Decision.Steps {
		stages = append(stages, s.Stage)
	}
	assert.Equal(t, []string{"syntax_cluster", "rank"}, stages)
	scores := got[0].Decision.Steps[1].Scores
	require.Len(t, scores, 3)
	assert.Equal(t, "short", scores[0].Candidate)
	assert.Contains(t, scores[0].Features, "line_jaccard")

	// Without --ranker, the same seed trains the same model on the
	// history's pools, and selects the same.
	trained := filepath.Join(dir, "trained.jsonl")
	code, _, stderr = run(t, "select", "--batch", batch, "--history", history, "--out", trained, "--seed", "4")
	require.Equal(t, 0, code, stderr)
	a, err := os.ReadFile(withModel)
	require.NoError(t, err)
	b, err := os.ReadFile(trained)
	require.NoError(t, err)
	assert.Equal(t, string(a), string(b))

	// The outcomes of the batch are never read.
	resolved := writeLines(t, dir, "resolved.jsonl",
		map[string]any{"instance_id": "new", "candidate_id": "long", "source": "claude", "patch": calcLines(6), "resolved": true},
		map[string]any{"instance_id": "new", "candidate_id": "short", "source": "gpt", "patch": calcLines(1), "resolved": false},
		map[string]any{"instance_id": "new", "candidate_id": "mid", "source": "gemini", "patch": calcLines(3), "resolved": true},
	)
	code, _, stderr = run(t, "select", "--batch", resolved, "--ranker", model, "--out", trained, "--seed", "4")
	require.Equal(t, 0, code, stderr)
	b, err = os.ReadFile(trained)
	require.NoError(t, err)
	assert.Equal(t, string(a), string(b))

	// A history of track records only keeps the reliability vote.
	records := writeLines(t, dir, "records.jsonl", map[string]any{"source": "gpt", "resolved": true})
	code, _, stderr = run(t, "select", "--batch", batch, "--history", records, "--out", trained)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "reliability", readSelections(t, trained)[0].Strategy)
}

func TestSelectRankerErrors(t *testing.T) {
	dir := t.TempDir()
	history := writeLines(t, dir, "history.jsonl", pastPools()...)
	batch := writeLines(t, dir, "batch.jsonl", batchLines(func(int) any { return nil })...)
	records := writeLines(t, dir, "records.jsonl", map[string]any{"source": "gpt", "resolved": true})
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		return path
	}
	old := write("old.json", `{"version": 0, "features": ["patch_size"], "weights": [1]}`)
	out := filepath.Join(dir, "out.jsonl")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"an old model", []string{"select", "--batch", batch, "--out", out, "--ranker", old}, 1,
			"--ranker " + old + ": rank: the model file is of another version: it is version 0, and this version of Conclave reads version 1 only: train the model again"},
		{"a missing model", []string{"select", "--batch", batch, "--out", out, "--ranker", filepath.Join(dir, "nope.json")}, 1, "no such file"},
		{"a ranker with another strategy", []string{"select", "--batch", batch, "--out", out, "--ranker", old, "--strategy", "plurality"}, 2,
			"--ranker goes with --strategy ranker, not plurality"},
		{"ranker without model or pools", []string{"select", "--batch", batch, "--out", out, "--strategy", "ranker"}, 2,
			"--strategy ranker needs --ranker, or a --history of past pools"},
		{"ranker with records only", []string{"select", "--batch", batch, "--out", out, "--strategy", "ranker", "--history", records}, 1,
			"the history has no candidate lines"},
		{"train without history", []string{"select", "train", "--out", out}, 2, "--history is required"},
		{"train without out", []string{"select", "train", "--history", history}, 2, "--out is required"},
		{"train on records only", []string{"select", "train", "--history", records, "--out", out}, 1, "the history has no candidate lines"},
		{"train without an unknown group", []string{"select", "train", "--history", history, "--out", out, "--without", "vibes"}, 2,
			`--without: unknown feature group "vibes"`},
		{"train without every group", []string{"select", "train", "--history", history, "--out", out, "--without", "track_record,size,agreement,flags,signals"}, 2,
			"--without leaves no feature"},
		{"train where nothing differs", []string{"select", "train", "--out", out, "--history", write("same.jsonl",
			`{"instance_id":"i","candidate_id":"a","patch":"","resolved":true}`+"\n"+`{"instance_id":"i","candidate_id":"b","patch":"","resolved":true}`+"\n")}, 1,
			"no instance has both a resolved and an unresolved candidate"},
		{"negative regressions", []string{"select", "train", "--out", out, "--history", write("r.jsonl",
			`{"instance_id":"i","candidate_id":"a","patch":"","resolved":true,"regressions":-1}`+"\n")}, 1,
			"r.jsonl:1: regressions is -1"},
		{"approval above 1", []string{"select", "train", "--out", out, "--history", write("a.jsonl",
			`{"instance_id":"i","candidate_id":"a","patch":"","resolved":true,"approval":2}`+"\n")}, 1,
			"a.jsonl:1: approval is 2"},
		{"signals on a record", []string{"select", "train", "--out", out, "--history", write("s.jsonl",
			`{"source":"gpt","resolved":true,"approval":1}`+"\n")}, 1,
			"s.jsonl:1: regressions and approval belong to a candidate line"},
		{"a candidate line without its patch", []string{"select", "train", "--out", out, "--history", write("p.jsonl",
			`{"instance_id":"i","candidate_id":"a","resolved":true}`+"\n")}, 1,
			"p.jsonl:1: patch is missing"},
		{"a record without a source", []string{"select", "train", "--out", out, "--history", write("n.jsonl",
			`{"resolved":true}`+"\n")}, 1,
			`n.jsonl:1: source is missing or empty: name the model or agent, or give a candidate line`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, tt.args...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.want)
		})
	}
	_, err := os.Stat(out)
	assert.True(t, os.IsNotExist(err), "nothing is written on failure")
}

// TestSelectTrainSignals learns weights for test results and judges'
// votes from a history that carries them.
func TestSelectTrainSignals(t *testing.T) {
	dir := t.TempDir()
	var lines []map[string]any
	for i := range 10 {
		for j := range 3 {
			lines = append(lines, map[string]any{
				"instance_id": fmt.Sprint("i", i), "candidate_id": fmt.Sprint("c", j), "patch": calcLines(1 + (i+j)%3),
				"resolved": j == i%3, "approval": map[bool]float64{true: 1, false: 0.25}[j == i%3], "regressions": map[bool]int{true: 0, false: 2}[j == i%3],
			})
		}
	}
	history := writeLines(t, dir, "history.jsonl", lines...)
	out := filepath.Join(dir, "model.json")
	code, _, stderr := run(t, "select", "train", "--history", history, "--out", out, "--without", "size,agreement")
	require.Equal(t, 0, code, stderr)
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	m, err := rank.Read(f)
	require.NoError(t, err)
	w := m.FeatureWeights()
	assert.Greater(t, w["approval"], 0.0)
	assert.Less(t, w["regressions"], 0.0)
}
