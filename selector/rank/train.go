package rank

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/conclave-dev/conclave/vote"
)

// Instance is one past pool and its outcomes: the candidates, and whether
// each resolved the issue.
type Instance struct {
	Candidates []Candidate
	Resolved   []bool
}

// History is past pools with their outcomes, read once: each pool's
// features are computed when the History is made, so training on it, or
// on parts of it for cross-validation, reads no patch again. A History is
// safe for concurrent use.
type History struct {
	instances []Instance
	vectors   [][]Vector // every feature but TrackRecord, which depends on the records
	extra     map[string]vote.Record
}

// NewHistory reads past pools. records holds track records beyond the
// pools' own outcomes (outcomes known without the patches), added to
// them; it may be nil. Every instance must give an outcome per candidate.
func NewHistory(instances []Instance, records map[string]vote.Record) (*History, error) {
	h := &History{instances: instances, vectors: make([][]Vector, len(instances)), extra: records}
	for i, in := range instances {
		if len(in.Resolved) != len(in.Candidates) {
			return nil, fmt.Errorf("rank: instance %d has %d candidates and %d outcomes: give one outcome per candidate", i, len(in.Candidates), len(in.Resolved))
		}
		h.vectors[i] = Extract(in.Candidates, nil)
	}
	for _, src := range slices.Sorted(maps.Keys(records)) {
		if r := records[src]; r.Right < 0 || r.Wrong < 0 {
			return nil, fmt.Errorf("rank: the track record of %q is negative: count instances resolved and not", src)
		}
	}
	return h, nil
}

// Len returns the number of instances.
func (h *History) Len() int { return len(h.instances) }

// Subset returns the history of the instances listed, by index, sharing
// their features; the extra records stay.
func (h *History) Subset(indices []int) *History {
	s := &History{extra: h.extra}
	for _, i := range indices {
		s.instances = append(s.instances, h.instances[i])
		s.vectors = append(s.vectors, h.vectors[i])
	}
	return s
}

// Records returns each source's track record: the outcomes of its
// candidates in the history plus the extra records.
func (h *History) Records() map[string]vote.Record {
	out := maps.Clone(h.extra)
	if out == nil {
		out = map[string]vote.Record{}
	}
	for _, in := range h.instances {
		for j, c := range in.Candidates {
			r := out[c.Source]
			if in.Resolved[j] {
				r.Right++
			} else {
				r.Wrong++
			}
			out[c.Source] = r
		}
	}
	return out
}

// Vectors returns the features of instance i's candidates, with track
// records from records.
func (h *History) Vectors(i int, records map[string]vote.Record) []Vector {
	out := slices.Clone(h.vectors[i])
	for j, c := range h.instances[i].Candidates {
		out[j][TrackRecord] = TrackRecordOf(records[c.Source])
	}
	return out
}

// Options configure training. The zero value (or nil) trains on every
// feature and chooses the L2 strength by 5-fold cross-validation.
type Options struct {
	// Features are the features to learn from; nil means all. Features
	// that do not vary in the history get weight 0.
	Features []Feature
	// Lambda is the L2 strength; 0 chooses it from Lambdas by
	// cross-validation by instance, the one with the least held-out
	// pairwise loss (the larger on a tie).
	Lambda float64
	// Lambdas are the strengths to choose from; nil means DefaultLambdas.
	Lambdas []float64
	// Folds is the number of folds of that cross-validation; 0 means 5.
	Folds int
	// Seed draws the folds.
	Seed uint64
}

// DefaultLambdas are the L2 strengths training chooses from by default.
func DefaultLambdas() []float64 { return []float64{0.001, 0.01, 0.1, 1, 10} }

// ErrNoPairs means no instance of a history has both a candidate that
// resolved its issue and one that did not: a pairwise ranker has nothing
// to learn from.
var ErrNoPairs = errors.New("rank: no instance has both a resolved and an unresolved candidate")

// Train learns a model from the history, by pairwise logistic regression
// (RankNet's loss on a linear score): for every pool, every pair of a
// candidate that resolved the issue and one that did not is a sample
// that the first should score higher. Each informative pool weighs the
// same, however many pairs it has, since a selection is scored per pool;
// features are standardised over the history's candidates, and the
// weights are L2-regularised. The loss is convex and minimised by Newton's
// method to convergence, so the model does not depend on a learning rate
// or a number of epochs.
//
// The [TrackRecord] of a candidate is its source's record over the other
// instances only (leave one out): its own outcome would otherwise be among
// its features. The model keeps the records of the whole history, for the
// pools it will rank.
//
// Training is deterministic: the same history, options and seed give the
// same model, bit for bit. Errors: [ErrNoPairs], and bad options.
func (h *History) Train(opts *Options) (*Model, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Features == nil {
		o.Features = Features()
	}
	if o.Lambdas == nil {
		o.Lambdas = DefaultLambdas()
	}
	if o.Folds == 0 {
		o.Folds = 5
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	records := h.Records()
	vectors := make([][]Vector, len(h.instances))
	for i, in := range h.instances {
		vectors[i] = slices.Clone(h.vectors[i])
		own := map[string]vote.Record{}
		for j, c := range in.Candidates {
			r := own[c.Source]
			if in.Resolved[j] {
				r.Right++
			} else {
				r.Wrong++
			}
			own[c.Source] = r
		}
		for j, c := range in.Candidates {
			r, mine := records[c.Source], own[c.Source]
			r.Right -= mine.Right
			r.Wrong -= mine.Wrong
			vectors[i][j][TrackRecord] = TrackRecordOf(r)
		}
	}
	m := &Model{Version: Version, Features: slices.Clone(o.Features), Records: records,
		Trained: TrainStats{Instances: len(h.instances), Seed: o.Seed}}
	m.standardise(vectors)
	active := m.active()
	pools := m.pools(vectors, h.instances, active)
	m.Trained.Informative = len(pools)
	for _, p := range pools {
		m.Trained.Pairs += p.pairs
	}
	if len(pools) == 0 {
		return nil, fmt.Errorf("%w: the ranker learns from pools where some candidates resolved the issue and others did not; give more history", ErrNoPairs)
	}
	m.Lambda = o.Lambda
	if m.Lambda == 0 {
		m.Lambda = m.chooseLambda(pools, len(active), o)
	}
	w := fit(pools, len(active), m.Lambda, nil)
	m.Weights = make([]float64, len(m.Features))
	for j, a := range active {
		m.Weights[a] = w[j]
	}
	return m, nil
}

func (o *Options) check() error {
	seen := map[Feature]bool{}
	for _, f := range o.Features {
		if f >= numFeatures {
			return fmt.Errorf("rank: Options.Features holds %s: use the features Features lists", f)
		}
		if seen[f] {
			return fmt.Errorf("rank: Options.Features lists %s twice", f)
		}
		seen[f] = true
	}
	switch {
	case len(o.Features) == 0:
		return errors.New("rank: Options.Features is empty: give at least one feature, or nil for all")
	case o.Lambda < 0 || math.IsNaN(o.Lambda) || math.IsInf(o.Lambda, 0):
		return fmt.Errorf("rank: Options.Lambda is %v: use a positive L2 strength, or 0 to choose one", o.Lambda)
	case o.Folds < 2:
		return fmt.Errorf("rank: Options.Folds is %d: use at least 2, or 0 for 5", o.Folds)
	}
	for _, l := range o.Lambdas {
		if !(l > 0) || math.IsInf(l, 0) {
			return fmt.Errorf("rank: Options.Lambdas holds %v: use positive L2 strengths", l)
		}
	}
	if len(o.Lambdas) == 0 {
		return errors.New("rank: Options.Lambdas is empty: give strengths to choose from, or nil for the defaults")
	}
	return nil
}

// standardise sets Mean and Scale from the candidates' features; a feature
// that does not vary gets scale 1 and stays out of the fit.
func (m *Model) standardise(vectors [][]Vector) {
	k := len(m.Features)
	m.Mean, m.Scale = make([]float64, k), make([]float64, k)
	n := 0
	for _, vs := range vectors {
		for _, v := range vs {
			n++
			for a, f := range m.Features {
				m.Mean[a] += v[f]
			}
		}
	}
	for a := range m.Mean {
		m.Mean[a] /= float64(max(n, 1))
	}
	for _, vs := range vectors {
		for _, v := range vs {
			for a, f := range m.Features {
				d := v[f] - m.Mean[a]
				m.Scale[a] += d * d
			}
		}
	}
	for a := range m.Scale {
		m.Scale[a] = math.Sqrt(m.Scale[a] / float64(max(n, 1)))
		if m.Scale[a] < 1e-9 {
			m.Scale[a] = 1
			m.Mean[a] = 0
		}
	}
}

// active lists the model's features that vary in training, by index:
// the only ones the fit sees.
func (m *Model) active() []int {
	var out []int
	for a := range m.Features {
		if m.Mean[a] != 0 || m.Scale[a] != 1 {
			out = append(out, a)
		}
	}
	return out
}

// pool is one informative instance as the fit sees it: the differences
// of the active standardised features, resolved minus unresolved, one
// row per pair.
type pool struct {
	diffs []float64 // pairs rows of len(active) values
	pairs int
}

// pools turns the instances into the fit's pairs, leaving out those
// without both outcomes.
func (m *Model) pools(vectors [][]Vector, instances []Instance, active []int) []pool {
	var out []pool
	for i, in := range instances {
		var p pool
		for a, ra := range in.Resolved {
			if !ra {
				continue
			}
			for b, rb := range in.Resolved {
				if rb {
					continue
				}
				for _, c := range active {
					f := m.Features[c]
					p.diffs = append(p.diffs, (vectors[i][a][f]-vectors[i][b][f])/m.Scale[c])
				}
				p.pairs++
			}
		}
		if p.pairs > 0 {
			out = append(out, p)
		}
	}
	return out
}

// chooseLambda picks the L2 strength with the least held-out loss over
// folds of the pools, recording each one's loss. The strengths are tried
// from the strongest down, each fold's fit starting from the one before.
func (m *Model) chooseLambda(pools []pool, k int, o Options) float64 {
	folds := min(o.Folds, len(pools))
	if folds < 2 {
		// One informative pool cannot be split: shrink hard.
		return slices.Max(o.Lambdas)
	}
	m.Trained.Folds = folds
	fold := make([]int, len(pools))
	for pos, i := range rand.New(rand.NewPCG(o.Seed, 0x5eed)).Perm(len(pools)) {
		fold[i] = pos % folds
	}
	trains, tests := make([][]pool, folds), make([][]pool, folds)
	for i, p := range pools {
		for f := range folds {
			if fold[i] == f {
				tests[f] = append(tests[f], p)
			} else {
				trains[f] = append(trains[f], p)
			}
		}
	}
	lambdas := slices.Clone(o.Lambdas)
	slices.Sort(lambdas)
	starts := make([][]float64, folds)
	best, bestLoss := 0.0, math.Inf(1)
	losses := make([]LambdaLoss, len(lambdas))
	for j, l := range slices.Backward(lambdas) {
		loss := 0.0
		for f := range folds {
			starts[f] = fit(trains[f], k, l, starts[f])
			loss += objective(tests[f], starts[f], 0) * float64(len(tests[f]))
		}
		loss /= float64(len(pools))
		losses[j] = LambdaLoss{Lambda: l, Loss: loss}
		if loss < bestLoss {
			best, bestLoss = l, loss
		}
	}
	m.Trained.Lambdas = losses
	return best
}

// objective is the mean over pools of each pool's mean pairwise logistic
// loss, plus lambda/2 times the squared norm of w.
func objective(pools []pool, w []float64, lambda float64) float64 {
	k := len(w)
	total := 0.0
	for _, p := range pools {
		s := 0.0
		for r := range p.pairs {
			s += softplus(-dot(w, p.diffs[r*k:(r+1)*k]))
		}
		total += s / float64(p.pairs)
	}
	total /= float64(max(len(pools), 1))
	return total + lambda/2*dot(w, w)
}

// fit minimises objective over k weights by Newton's method with a
// backtracking line search, from start (nil: zero).
func fit(pools []pool, k int, lambda float64, start []float64) []float64 {
	w := make([]float64, k)
	copy(w, start)
	if len(pools) == 0 || k == 0 {
		return w
	}
	grad := make([]float64, k)
	hess := make([]float64, k*k)
	step := make([]float64, k)
	next := make([]float64, k)
	loss := objective(pools, w, lambda)
	for range 100 {
		clear(grad)
		clear(hess)
		for _, p := range pools {
			c := 1 / float64(p.pairs*len(pools))
			for r := range p.pairs {
				d := p.diffs[r*k : (r+1)*k]
				s := sigmoid(-dot(w, d)) // minus the derivative of softplus(-z)
				g, q := c*s, c*s*(1-s)
				for a := range k {
					grad[a] -= g * d[a]
					qa := q * d[a]
					row := hess[a*k : a*k+a+1]
					for b := range row {
						row[b] += qa * d[b]
					}
				}
			}
		}
		worst := 0.0
		for a := range k {
			grad[a] += lambda * w[a]
			worst = max(worst, math.Abs(grad[a]))
			for b := range a {
				hess[b*k+a] = hess[a*k+b]
			}
			hess[a*k+a] += lambda
		}
		if worst < 1e-9 {
			break
		}
		solve(hess, grad, step, k)
		slope := -dot(grad, step)
		t := 1.0
		improved := false
		for range 40 {
			for a := range k {
				next[a] = w[a] - t*step[a]
			}
			if l := objective(pools, next, lambda); l <= loss+1e-4*t*slope {
				copy(w, next)
				improved = loss-l > 1e-15*max(1, math.Abs(loss))
				loss = l
				break
			}
			t /= 2
		}
		if !improved {
			break
		}
	}
	return w
}

// solve sets x to the solution of h x = g for a symmetric positive
// definite h (k by k, row-major) by Cholesky decomposition; h is
// overwritten.
func solve(h, g, x []float64, k int) {
	for j := range k {
		s := h[j*k+j]
		for p := range j {
			s -= h[j*k+p] * h[j*k+p]
		}
		h[j*k+j] = math.Sqrt(max(s, 1e-300))
		for i := j + 1; i < k; i++ {
			s := h[i*k+j]
			for p := range j {
				s -= h[i*k+p] * h[j*k+p]
			}
			h[i*k+j] = s / h[j*k+j]
		}
	}
	for i := range k {
		s := g[i]
		for p := range i {
			s -= h[i*k+p] * x[p]
		}
		x[i] = s / h[i*k+i]
	}
	for i := k - 1; i >= 0; i-- {
		s := x[i]
		for p := i + 1; p < k; p++ {
			s -= h[p*k+i] * x[p]
		}
		x[i] = s / h[i*k+i]
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// softplus is log(1+e^z), without overflow.
func softplus(z float64) float64 {
	if z > 30 {
		return z
	}
	return math.Log1p(math.Exp(z))
}

// Train reads the history and trains a model on it: NewHistory, then
// History.Train.
func Train(instances []Instance, records map[string]vote.Record, opts *Options) (*Model, error) {
	h, err := NewHistory(instances, records)
	if err != nil {
		return nil, err
	}
	return h.Train(opts)
}
