// Package selector picks one patch among candidates, and records why.
//
// Several coding agents propose patches for one issue; the selector runs
// them through stages, each of which narrows the pool, groups it, weighs it
// or decides, and returns a [Decision] holding every stage's evidence. The
// rules are plain code: judges, verifiers and test runners are interfaces
// that the agent package implements with models, and that tests implement
// with scripts, so every rule can be tested with literal data.
//
// # Candidates and pools
//
// A [Candidate] is a patch (a git diff) with an ID and the Source that
// wrote it, a model or an agent. A [Pool] holds what the stages share: the
// issue, the original files when at hand (an fs.FS, for full-file
// checks), the candidates still in the running, their clusters, the
// sources' weights, a seed, and the winner once chosen:
//
//	pool, err := selector.NewPool(issue, os.DirFS(repo), candidates)
//
// NewPool fails at once if the original files cannot be read, rather than
// letting every candidate fail to apply; the stages then read and parse
// each original file once for the whole selection. The order of
// Pool.Candidates is the pool's ranking: stages that rank reorder it and
// ties are settled by it.
//
// # Stages
//
// A [Stage] does one thing to a pool and returns a [Step], its evidence.
// The stages of this package, in the order a selection usually runs them:
//
//   - [ContentFilter] drops empty patches and patches that only touch tests
//     or only add scratch scripts;
//   - [ApplyCheck] drops patches that do not apply to the original files or
//     leave a file with a syntax error;
//   - [Regression] runs the project's tests through a [TestRunner] on the
//     original and on each candidate, and drops those that break a test
//     that passed (keeping all if none passes, as Trae does);
//   - [Weigh] sets each source's weight, such as its track record from
//     [vote.Reliability];
//   - [SyntaxCluster] groups patches that are equivalent up to comments,
//     layout and spelling (selector/syntax);
//   - [SyntaxVote] lets each candidate vote for its cluster: a cluster
//     holding enough of the weight wins, after an optional [Verifier]
//     confirms it ("dual verification"); otherwise one candidate per
//     cluster goes on;
//   - [Panel] asks judges for a yes or no on every candidate against
//     criteria and re-votes among the tied (ACoder);
//   - [MultiSelect] asks judges to pick one, round after round, until the
//     leader cannot be caught (Trae);
//   - [Tournament] compares candidates in pairs in a seeded bracket, each
//     pair shown in both orders, for pools past the five or six candidates
//     a one-shot pick handles.
//   - [Rank] scores every candidate by a model trained on past pools
//     (selector/rank) over its features in the pool and, when earlier
//     stages gave them, its regressions and the judges' approval, and
//     picks the best or keeps the best few; [Advise] runs a stage, such
//     as a panel, for its evidence and order only, so that its votes feed
//     the ranking instead of deciding.
//
// # Composing
//
// A [Selector] runs stages in order until one decides:
//
//	sel := selector.Selector{Stages: []selector.Stage{
//		selector.ContentFilter{},
//		selector.ApplyCheck{},
//		selector.Regression{Runner: tests},
//		selector.Weigh{SourceWeights: est.VoterWeights},
//		selector.SyntaxCluster{},
//		selector.SyntaxVote{Strategy: vote.Majority{}, Verifier: verifier},
//		selector.Panel{Judges: judges},
//	}}
//	decision, err := sel.Run(ctx, pool)
//
// Any order runs: filtering before or after clustering ends the same way,
// and a panel without a syntax vote judges every survivor. A stage that
// would drop every candidate drops none, so a selection always has an
// answer, and when no stage decides the first candidate left wins; either
// way the Decision is marked not confident and says why. A stage of your
// own is a [StageFunc].
//
// # Reading a decision
//
// A [Decision] says on its own what decided: the winner and the stage that
// chose it, whether it is confident and, if not, why; the seed and the tie
// rule used; the candidates given and the ranking of every candidate (the
// winner and its cluster first, dropped candidates last); the clusters;
// and each stage's [Step]: its settings, who it dropped and why and who
// failed but was kept ([Rejection]), the clusters, the weights, the test
// runs, every ballot and round of a vote (a [vote.Result], with its
// strategy, threshold and tie rule), the order each judge saw the
// candidates in, the verifier's [Verdict], the judges' remarks, and every
// call that failed. A stage that changed nothing says so. It encodes as
// JSON with stable snake_case field names, and [Decision.Explain] writes
// it for a reader.
//
// # Failures
//
// A judge, verifier or test runner that returns an error, runs past the
// stage's Timeout, panics, or answers nonsense (an unknown candidate, a
// missing vote) never stops a selection: the stage records a [Failure]
// naming it and leaves its answer out. A stage returns an error only when
// it is misconfigured or the context ends.
//
// # Determinism and concurrency
//
// The same pool, seed included, gives the same decision. Judges are called
// concurrently and each sees the candidates in its own order, shuffled from
// the seed for every round, since models favour some positions; IDs stay
// the same. Every goroutine a stage starts has ended when it returns.
package selector
