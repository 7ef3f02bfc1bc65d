package rank

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"

	"github.com/conclave-dev/conclave/vote"
)

// Version is the version of the model files this package writes and the
// only one it reads. It changes whenever a feature changes meaning, so a
// model never scores features it was not trained on.
const Version = 1

// ErrVersion means a model file is of another version than [Version]:
// train the model again.
var ErrVersion = errors.New("rank: the model file is of another version")

// Model is a trained ranker: a linear score over standardised features,
// learned so that a candidate that resolved its issue scores above one of
// the same pool that did not. A Model encodes as JSON with the field names
// below, which are stable within a Version. It is safe for concurrent use
// once built.
type Model struct {
	Version int `json:"version"`
	// Features are the features the model reads, in the order of Mean,
	// Scale and Weights. A candidate's score is the sum of
	// Weights[k] * (v[Features[k]] - Mean[k]) / Scale[k].
	Features []Feature  `json:"features"`
	Mean     []float64  `json:"mean"`
	Scale    []float64  `json:"scale"`
	Weights  []float64  `json:"weights"`
	Lambda   float64    `json:"lambda"` // the L2 strength trained with
	Trained  TrainStats `json:"trained"`
	// Records are the sources' track records the model was trained
	// with, for the [TrackRecord] feature of the pools it ranks.
	Records map[string]vote.Record `json:"track_records,omitempty"`
}

// TrainStats says what a model was trained on.
type TrainStats struct {
	// Instances are the pools given; Informative those with both a
	// candidate that resolved the issue and one that did not, the only
	// ones a pairwise ranker learns from; Pairs the resolved-unresolved
	// pairs within them.
	Instances   int `json:"instances"`
	Informative int `json:"informative"`
	Pairs       int `json:"pairs"`
	// Lambdas are the L2 strengths tried by cross-validation, with each
	// one's held-out loss; empty when Options.Lambda was set.
	Lambdas []LambdaLoss `json:"lambdas,omitempty"`
	Folds   int          `json:"folds,omitempty"`
	Seed    uint64       `json:"seed"`
}

// LambdaLoss is one L2 strength tried and its mean held-out pairwise loss.
type LambdaLoss struct {
	Lambda float64 `json:"lambda"`
	Loss   float64 `json:"loss"`
}

// Score returns the score of a candidate with features v: higher is
// better. Only differences between the scores of one pool mean anything.
func (m *Model) Score(v Vector) float64 {
	s := 0.0
	for k, f := range m.Features {
		s += m.Weights[k] * (v[f] - m.Mean[k]) / m.Scale[k]
	}
	return s
}

// FeatureWeights returns each feature's weight per unit of the feature as
// Extract computes it (Weights divided by Scale), by name: what one more
// unit of a feature adds to a score.
func (m *Model) FeatureWeights() map[string]float64 {
	out := make(map[string]float64, len(m.Features))
	for k, f := range m.Features {
		out[f.String()] = m.Weights[k] / m.Scale[k]
	}
	return out
}

// Check reports what makes m unusable: another version, lengths that do
// not match, values that are not finite, a scale that is not positive.
func (m *Model) Check() error {
	if m.Version != Version {
		return fmt.Errorf("%w: it is version %d, and this version of Conclave reads version %d only: train the model again (rank.Train, or conclave select train)", ErrVersion, m.Version, Version)
	}
	n := len(m.Features)
	switch {
	case n == 0:
		return errors.New("rank: the model has no features: train it again")
	case len(m.Mean) != n || len(m.Scale) != n || len(m.Weights) != n:
		return fmt.Errorf("rank: the model has %d features but %d means, %d scales and %d weights: the file is damaged; train the model again", n, len(m.Mean), len(m.Scale), len(m.Weights))
	}
	seen := map[Feature]bool{}
	for k, f := range m.Features {
		if seen[f] {
			return fmt.Errorf("rank: feature %s is listed twice: the file is damaged; train the model again", f)
		}
		seen[f] = true
		for _, x := range []float64{m.Mean[k], m.Scale[k], m.Weights[k]} {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("rank: feature %s has a value that is not a finite number: the file is damaged; train the model again", f)
			}
		}
		if m.Scale[k] <= 0 {
			return fmt.Errorf("rank: feature %s has scale %v: scales must be positive; train the model again", f, m.Scale[k])
		}
	}
	for _, src := range slices.Sorted(maps.Keys(m.Records)) {
		if r := m.Records[src]; r.Right < 0 || r.Wrong < 0 {
			return fmt.Errorf("rank: the track record of %q is negative: the file is damaged; train the model again", src)
		}
	}
	return nil
}

// maxModel bounds a model file: a model is a few numbers per feature and
// per source.
const maxModel = 16 << 20

// Read decodes a model written by [Model.Write] and checks it: a file of
// another version is refused with [ErrVersion], one with an unknown
// feature or damaged values with an error saying so. At most 16 MiB are
// read.
func Read(r io.Reader) (*Model, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxModel+1))
	if err != nil {
		return nil, fmt.Errorf("rank: reading the model: %w", err)
	}
	if len(data) > maxModel {
		return nil, errors.New("rank: the model file is larger than 16 MiB: it is not a model this package wrote")
	}
	// The version is read first, so that a file of another version is
	// refused for its version even when its features are unknown here.
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("rank: the model file is not JSON: %w", err)
	}
	if head.Version == nil {
		return nil, fmt.Errorf("%w: it has no version, and this version of Conclave reads version %d: train the model again (rank.Train, or conclave select train)", ErrVersion, Version)
	}
	if *head.Version != Version {
		return nil, (&Model{Version: *head.Version}).Check()
	}
	var m Model
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("rank: the model file cannot be read: %w", err)
	}
	if err := m.Check(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Write encodes m as indented JSON.
func (m *Model) Write(w io.Writer) error {
	if err := m.Check(); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}
