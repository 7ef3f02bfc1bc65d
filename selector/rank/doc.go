// Package rank learns to rank candidate patches from past pools: features
// of each candidate computed from its pool, and a pairwise logistic ranker
// trained on pools whose outcomes are known.
//
// Agreement alone says little about which patch is right (several models
// often write the same wrong patch), and a source's track record is only
// one signal; the patches themselves carry more: how large they are, how
// far from the pool's typical size, where they agree with the others and
// what they touch. Which of these matter differs between benchmarks and
// projects, so the weights are learned, per benchmark or project, from
// history.
//
// # Features
//
// [Extract] computes a [Vector] of features per candidate of a pool, with
// no outcome and no model: the source's track record, the patch's size,
// its agreement with the other candidates, quality flags, and two signals
// from the rest of a selection (test regressions and judge approval). The
// [Feature] constants document each one. Extraction is deterministic and
// cheap: tens of thousands of candidates a second (BenchmarkExtract), a
// few times faster than parsing the same patches with go-gitdiff. Any text
// is accepted as a patch; what is not a well-formed diff is flagged.
//
// # Training
//
// A [History] holds past pools with their outcomes, their features
// computed once; [History.Train] (or [Train] in one call) fits a [Model]:
//
//	m, err := rank.Train(instances, records, nil)
//
// Every pair of a candidate that resolved its issue and one of the same
// pool that did not is a sample; the model is linear in the standardised
// features, each informative pool weighs the same, the weights are
// L2-regularised with the strength chosen by cross-validation by
// instance, and Newton's method solves the convex problem exactly, so the
// same history and seed give the same model, bit for bit. A candidate's
// track record in training leaves its own outcome out.
//
// # Using a model
//
// [Model.Score] scores a vector; the selector's Rank stage ranks a pool
// with a model and records every candidate's features and score. A model
// encodes as JSON ([Model.Write], [Read]); a file of another [Version] is
// refused with [ErrVersion], since its features may not mean what this
// version computes.
package rank
