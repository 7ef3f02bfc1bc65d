package rank_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector/rank"
	"github.com/conclave-dev/conclave/vote"
)

func TestModelFileRoundTrip(t *testing.T) {
	insts, records := synthetic(200, map[rank.Feature]float64{rank.Approval: 2}, 4)
	m, err := rank.Train(insts, records, nil)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, m.Write(&b))
	back, err := rank.Read(&b)
	require.NoError(t, err)
	assert.Equal(t, m, back)
	v := rank.Extract(insts[0].Candidates, m.Records)
	assert.Equal(t, m.Score(v[0]), back.Score(v[0]))
}

func TestModelFileRefused(t *testing.T) {
	good := `{"version": 1, "features": ["lines_added", "approval"], "mean": [1, 0], "scale": [2, 1], "weights": [0.5, 1], "lambda": 0.1, "trained": {"instances": 1, "informative": 1, "pairs": 1, "seed": 1}}`
	m, err := rank.Read(strings.NewReader(good))
	require.NoError(t, err)
	assert.InDelta(t, 0.5*(3-1)/2+0.25, m.Score(rank.Vector{rank.LinesAdded: 3, rank.Approval: 0.25}), 1e-12)
	assert.Equal(t, map[string]float64{"lines_added": 0.25, "approval": 1}, m.FeatureWeights())

	tests := []struct {
		name, file string
		version    bool // refused for its version: errors.Is ErrVersion
		want       string
	}{
		{"an older version", strings.Replace(good, `"version": 1`, `"version": 0`, 1), true,
			"it is version 0, and this version of Conclave reads version 1 only: train the model again"},
		{"an older version with features unknown here", `{"version": 0, "features": ["patch_length"]}`, true, "it is version 0"},
		{"a newer version", strings.Replace(good, `"version": 1`, `"version": 2`, 1), true, "it is version 2"},
		{"no version", `{"features": ["files"]}`, true, "it has no version"},
		{"an unknown feature", strings.Replace(good, `"approval"`, `"vibes"`, 1), false, `unknown feature "vibes"`},
		{"lengths that differ", strings.Replace(good, `"weights": [0.5, 1]`, `"weights": [0.5]`, 1), false, "2 features but 2 means, 2 scales and 1 weights"},
		{"a scale of 0", strings.Replace(good, `"scale": [2, 1]`, `"scale": [0, 1]`, 1), false, "feature lines_added has scale 0"},
		{"a feature twice", strings.Replace(good, `"approval"`, `"lines_added"`, 1), false, "feature lines_added is listed twice"},
		{"no feature", `{"version": 1, "features": []}`, false, "the model has no features"},
		{"a negative record", strings.Replace(good, `"lambda"`, `"track_records": {"gpt": {"right": -1, "wrong": 0}}, "lambda"`, 1), false, `track record of "gpt" is negative`},
		{"not JSON", "model", false, "the model file is not JSON"},
		{"too large", `{"version": 1, "x": "` + strings.Repeat("a", 17<<20) + `"}`, false, "larger than 16 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rank.Read(strings.NewReader(tt.file))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, tt.version, errors.Is(err, rank.ErrVersion))
		})
	}
	bad := &rank.Model{Version: 1, Features: []rank.Feature{rank.Files}, Mean: []float64{0}, Scale: []float64{-1}, Weights: []float64{1},
		Records: map[string]vote.Record{}}
	assert.ErrorContains(t, bad.Write(&bytes.Buffer{}), "scale -1", "a damaged model is not written")
}
