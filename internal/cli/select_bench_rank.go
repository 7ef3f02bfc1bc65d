package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"

	"github.com/sourcegraph/conc/pool"

	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/selector/rank"
)

// innerFolds is the number of folds of the cross-validations inside
// training sets: the ranker's choice of L2 strength and the nested choice
// of a strategy.
const innerFolds = 5

// ranker trains a ranker on the features given from the training
// instances, as conclave select train does, and ranks each test instance's
// pool with it, as conclave select --ranker does. With nothing to learn
// from (no training pool has both outcomes), it picks at random.
func (b *benchData) ranker(ctx context.Context, features []rank.Feature, seed uint64) func(train, test []int) (float64, error) {
	return func(train, test []int) (float64, error) {
		m, err := b.history.Subset(train).Train(&rank.Options{Features: features, Seed: seed, Folds: innerFolds})
		if errors.Is(err, rank.ErrNoPairs) {
			total := 0.0
			for _, i := range test {
				for _, c := range b.insts[i].candidates {
					total += b.right(i, c.ID) / float64(len(b.insts[i].candidates))
				}
			}
			return total, nil
		}
		if err != nil {
			return 0, err
		}
		total := 0.0
		for _, i := range test {
			d, err := selector.Selector{Stages: []selector.Stage{selector.Rank{Model: m}}}.Run(ctx, b.syntactic[i].pool())
			if err != nil {
				return 0, fmt.Errorf("instance %q: %w", b.insts[i].id, err)
			}
			total += expected(d, func(id string) float64 { return b.right(i, id) })
		}
		return total, nil
	}
}

// nested is the evidence of choosing a strategy inside the training folds.
type nested struct {
	// Menu lists the strategies chosen among; InnerFolds the folds of the
	// cross-validation that chose, inside each training set; Choices the
	// training sets (folds times splits); Chosen how often each strategy
	// was chosen.
	Menu       []string       `json:"menu"`
	InnerFolds int            `json:"inner_folds"`
	Choices    int            `json:"choices"`
	Chosen     map[string]int `json:"chosen"`
	// Splits are what the choices resolve, split by split; Resolved their
	// mean and SD their standard deviation.
	Splits   []float64 `json:"splits"`
	Resolved float64   `json:"resolved"`
	SD       float64   `json:"sd"`
	// BestInHindsight is the strategy of the menu with the best mean over
	// the splits, Best that mean, and Cost what choosing without peeking
	// loses against it: Best less Resolved.
	BestInHindsight string  `json:"best_in_hindsight"`
	Best            float64 `json:"best"`
	Cost            float64 `json:"cost"`
}

// nested scores choosing among the menu inside each training set: for
// every fold of every split, an inner cross-validation over the training
// instances picks the strategy that resolves the most of them (the
// earliest listed on a tie), which then learns from the whole training
// set and is scored on the fold. bySplit holds the menu's own scores, for
// the best in hindsight.
func (b *benchData) nested(ctx context.Context, menu []strategy, bySplit map[string][]float64, folds, repeats int, seed uint64) (nested, error) {
	n := len(b.insts)
	out := nested{InnerFolds: innerFolds, Chosen: map[string]int{}}
	for _, s := range menu {
		out.Menu = append(out.Menu, s.name)
	}
	chosen := make([][]int, repeats) // by split and fold, the index in menu
	splits, err := eachSplit(ctx, repeats, func(r int) (float64, error) {
		fold := foldsOf(n, folds, seed, r)
		total := 0.0
		for k := range folds {
			var train, test []int
			for i := range n {
				if fold[i] == k {
					test = append(test, i)
				} else {
					train = append(train, i)
				}
			}
			// Inner splits are drawn from streams the outer splits do not use.
			inner := min(innerFolds, len(train))
			choice := 0
			if inner >= 2 {
				innerFold := foldsOf(len(train), inner, seed, repeats+r*folds+k)
				best := math.Inf(-1)
				for si, s := range menu {
					got, err := crossValidate(s.run, train, innerFold, inner)
					if err != nil {
						return 0, fmt.Errorf("%s: %w", s.name, err)
					}
					if got > best {
						choice, best = si, got
					}
				}
			}
			chosen[r] = append(chosen[r], choice)
			got, err := menu[choice].run(train, test)
			if err != nil {
				return 0, fmt.Errorf("%s: %w", menu[choice].name, err)
			}
			total += got
		}
		return total, nil
	})
	if err != nil {
		return out, err
	}
	out.Splits = splits
	for _, cs := range chosen {
		for _, c := range cs {
			out.Chosen[menu[c].name]++
			out.Choices++
		}
	}
	_, out.Resolved, _ = spread(out.Splits)
	out.SD = sd(out.Splits)
	out.Best = math.Inf(-1)
	for _, s := range menu {
		if _, mean, _ := spread(bySplit[s.name]); mean > out.Best {
			out.BestInHindsight, out.Best = s.name, mean
		}
	}
	out.Cost = out.Best - out.Resolved
	return out, nil
}

// eachSplit calls f for each split, from 0 to repeats-1, as many at once
// as there are processors, and returns the results by split: the first
// error, if any, once every call has returned.
func eachSplit(ctx context.Context, repeats int, f func(r int) (float64, error)) ([]float64, error) {
	out := make([]float64, repeats)
	wp := pool.New().WithErrors().WithContext(ctx).WithMaxGoroutines(runtime.GOMAXPROCS(0))
	for r := range repeats {
		wp.Go(func(ctx context.Context) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var err error
			out[r], err = f(r)
			return err
		})
	}
	return out, wp.Wait()
}

// spread returns the lowest, mean and highest of xs.
func spread(xs []float64) (lo, mean, hi float64) {
	if len(xs) == 0 {
		return 0, 0, 0
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
		mean += x
	}
	return lo, mean / float64(len(xs)), hi
}

// sd is the sample standard deviation of xs, 0 for fewer than two.
func sd(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	_, mean, _ := spread(xs)
	s := 0.0
	for _, x := range xs {
		s += (x - mean) * (x - mean)
	}
	return math.Sqrt(s / float64(len(xs)-1))
}
