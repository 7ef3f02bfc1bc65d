package rank_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector/rank"
	"github.com/conclave-dev/conclave/vote"
)

// addLines is a patch adding n lines to m.py.
func addLines(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,0 +2,%d @@\n", n)
	for i := range n {
		fmt.Fprintf(&b, "+x%d = %d\n", i, i)
	}
	return b.String()
}

// synthetic draws pools of two candidates whose outcomes follow a
// Bradley–Terry model on three features with the given weights per unit:
// the first resolves with probability sigmoid(w·(x1-x2)), else the second.
// Every candidate has a source of its own with a track record given
// outside the pools, so its track record is what that record says.
func synthetic(pools int, w map[rank.Feature]float64, seed uint64) ([]rank.Instance, map[string]vote.Record) {
	rng := rand.New(rand.NewPCG(seed, 1))
	records := map[string]vote.Record{}
	var out []rank.Instance
	for i := range pools {
		var in rank.Instance
		score := [2]float64{}
		for j := range 2 {
			src := fmt.Sprintf("s%d-%d", i, j)
			r := vote.Record{Right: rng.IntN(20), Wrong: rng.IntN(20)}
			records[src] = r
			n := 1 + rng.IntN(30)
			c := rank.Candidate{Source: src, Patch: addLines(n), Approval: rng.Float64()}
			score[j] = w[rank.Approval]*c.Approval + w[rank.TrackRecord]*rank.TrackRecordOf(r) + w[rank.LinesAdded]*math.Log1p(float64(n))
			in.Candidates = append(in.Candidates, c)
		}
		first := rng.Float64() < 1/(1+math.Exp(score[1]-score[0]))
		in.Resolved = []bool{first, !first}
		out = append(out, in)
	}
	return out, records
}

func TestTrainRecoversWeights(t *testing.T) {
	want := map[rank.Feature]float64{rank.Approval: 2, rank.TrackRecord: -1, rank.LinesAdded: 0.5}
	insts, records := synthetic(6000, want, 7)
	m, err := rank.Train(insts, records, &rank.Options{Features: []rank.Feature{rank.Approval, rank.TrackRecord, rank.LinesAdded}, Lambda: 1e-6})
	require.NoError(t, err)
	got := m.FeatureWeights()
	for f, w := range want {
		assert.InDelta(t, w, got[f.String()], 0.15*math.Abs(w)+0.05, "%s", f)
	}
	assert.Equal(t, 6000, m.Trained.Informative)
	assert.Equal(t, 6000, m.Trained.Pairs)

	t.Run("chosen strength", func(t *testing.T) {
		m, err := rank.Train(insts[:600], records, &rank.Options{Features: []rank.Feature{rank.Approval, rank.TrackRecord, rank.LinesAdded}})
		require.NoError(t, err)
		require.Len(t, m.Trained.Lambdas, len(rank.DefaultLambdas()))
		best := m.Trained.Lambdas[0]
		for _, l := range m.Trained.Lambdas {
			if l.Loss < best.Loss {
				best = l
			}
		}
		assert.Equal(t, best.Lambda, m.Lambda, "the strength with the least held-out loss")
		assert.Equal(t, 5, m.Trained.Folds)
		got := m.FeatureWeights()
		for f, w := range want {
			assert.Equal(t, math.Signbit(w), math.Signbit(got[f.String()]), "%s keeps its sign with 600 pools", f)
		}
	})
}

func TestTrainDeterministic(t *testing.T) {
	insts, records := synthetic(300, map[rank.Feature]float64{rank.Approval: 1, rank.LinesAdded: -1}, 3)
	write := func(seed uint64) string {
		m, err := rank.Train(insts, records, &rank.Options{Seed: seed})
		require.NoError(t, err)
		var b bytes.Buffer
		require.NoError(t, m.Write(&b))
		return b.String()
	}
	first := write(5)
	for range 3 {
		assert.Equal(t, first, write(5), "the same history and seed give the same model, byte for byte")
	}
	assert.Contains(t, first, `"seed": 5`)
}

// A source's own outcome must not be among its features: with a source of
// its own per candidate and no other record, every track record left once
// the candidate's own outcome is out is empty, so the feature is constant
// and weighs nothing.
func TestTrainLeavesOwnOutcomeOut(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	var insts []rank.Instance
	for i := range 200 {
		in := rank.Instance{Resolved: []bool{rng.IntN(2) == 0, rng.IntN(2) == 0}}
		for j := range 2 {
			in.Candidates = append(in.Candidates, rank.Candidate{Source: fmt.Sprintf("s%d-%d", i, j), Patch: addLines(1 + rng.IntN(5))})
		}
		insts = append(insts, in)
	}
	m, err := rank.Train(insts, nil, nil)
	require.NoError(t, err)
	assert.Zero(t, m.FeatureWeights()["track_record"])
	assert.Len(t, m.Records, 400, "the model keeps every source's whole record")
	r := m.Records["s0-0"]
	assert.Equal(t, 1, r.Right+r.Wrong)
}

func TestTrainErrors(t *testing.T) {
	one := []rank.Instance{{Candidates: []rank.Candidate{{Patch: addLines(1)}, {Patch: addLines(2)}}, Resolved: []bool{true, false}}}
	tests := []struct {
		name    string
		insts   []rank.Instance
		records map[string]vote.Record
		opts    *rank.Options
		want    string
	}{
		{"no pair", []rank.Instance{{Candidates: []rank.Candidate{{Patch: addLines(1)}, {Patch: addLines(2)}}, Resolved: []bool{true, true}}}, nil, nil,
			"no instance has both a resolved and an unresolved candidate"},
		{"outcomes missing", []rank.Instance{{Candidates: []rank.Candidate{{Patch: addLines(1)}}}}, nil, nil,
			"instance 0 has 1 candidates and 0 outcomes"},
		{"negative record", one, map[string]vote.Record{"x": {Right: -1}}, nil, `the track record of "x" is negative`},
		{"no features", one, nil, &rank.Options{Features: []rank.Feature{}}, "Options.Features is empty"},
		{"a feature twice", one, nil, &rank.Options{Features: []rank.Feature{rank.Files, rank.Files}}, "lists files twice"},
		{"an unknown feature", one, nil, &rank.Options{Features: []rank.Feature{200}}, "Options.Features holds feature(200)"},
		{"negative strength", one, nil, &rank.Options{Lambda: -1}, "Options.Lambda is -1"},
		{"one fold", one, nil, &rank.Options{Folds: 1}, "Options.Folds is 1"},
		{"a bad strength to choose from", one, nil, &rank.Options{Lambdas: []float64{0.1, 0}}, "Options.Lambdas holds 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rank.Train(tt.insts, tt.records, tt.opts)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	_, err := rank.Train(one, nil, nil)
	assert.NoError(t, err, "one informative pool is enough, with the strongest shrinkage")
}

func TestHistorySubset(t *testing.T) {
	insts, records := synthetic(100, map[rank.Feature]float64{rank.Approval: 3}, 9)
	h, err := rank.NewHistory(insts, records)
	require.NoError(t, err)
	assert.Equal(t, 100, h.Len())
	sub := h.Subset([]int{0, 1, 2})
	assert.Equal(t, 3, sub.Len())
	m1, err := sub.Train(&rank.Options{Lambda: 0.1})
	require.NoError(t, err)
	m2, err := rank.Train(insts[:3], records, &rank.Options{Lambda: 0.1})
	require.NoError(t, err)
	assert.Equal(t, m2, m1, "a subset trains as the same instances read afresh")

	v := h.Vectors(0, map[string]vote.Record{"s0-0": {Right: 1}})
	assert.Equal(t, math.Log(2), v[0][rank.TrackRecord])
	assert.Zero(t, v[1][rank.TrackRecord])
	assert.Equal(t, rank.Extract(insts[0].Candidates, map[string]vote.Record{"s0-0": {Right: 1}}), v)
}
