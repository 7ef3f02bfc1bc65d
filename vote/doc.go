// Package vote counts votes: ballots, tallies and the strategies that pick
// a winner from them. It is pure and deterministic, knows nothing of
// patches or models, and imports only the standard library; the selector
// uses it to tally syntax clusters and judge panels.
//
// # Ballots
//
// A [Ballot] is one voter's vote: a voter, a weight, and one of a single
// choice, a ranking (best first) or an approval, a yes or no per candidate:
//
//	ballots := []vote.Ballot{
//		vote.Choose("claude", "patch-2"),
//		vote.Rank("gpt", "patch-2", "patch-1"),
//		vote.Approve("gemini", map[string]bool{"patch-1": false, "patch-2": true}),
//	}
//
// The constructors set the weight to 1. A ballot of weight 0 does not
// count, so a Ballot literal must set Weight.
//
// # Strategies
//
// A [Strategy] decides among candidates from ballots:
//
//	res, err := vote.Plurality{}.Decide([]string{"patch-1", "patch-2"}, ballots)
//
// [Plurality] and [Majority] count choices, [Approval] counts approvals
// (ACoder's judges each give every candidate a 0 or 1), and [Borda] counts
// rankings. [Weighted] applies a weight per voter to any strategy. Each
// strategy counts one kind of ballot and ignores the others, saying so.
//
// A new strategy that adds up points is a [Tally]: say how many points a
// ballot gives, and Tally screens the ballots, adds, totals, ranks and
// returns the same errors as the strategies here:
//
//	firstChoice := vote.Tally{
//		Name:  "first_choice",
//		Kinds: []vote.Kind{vote.KindChoice, vote.KindRanking},
//		Points: func(b vote.Ballot, _ []string, add func(string, float64)) {
//			add(cmp.Or(b.Choice, b.Ranking[0]), b.Weight)
//		},
//	}
//
// Any other rule is a [StrategyFunc] built on [Screen] and
// [Tiebreak.Order]. votetest.TestStrategy checks that a strategy keeps the
// contract.
//
// # Ties
//
// Scores that are exactly equal are ordered by a [Tiebreak]. By default it
// keeps the order of the candidate list, so the earliest listed candidate
// wins a tie. A rule of your own, such as "the shortest patch wins", is a
// Tiebreak with Prefer set; one with Random set shuffles ties from its
// Seed, so the result is still reproducible. A Result reports the
// candidates that tied for the top in [Result.Tied] and the rule that
// settled them in [Result.TieRule].
//
// # Evidence
//
// A [Result] says what won and why: the winner, the full ranking, the
// scores, who tied and the tie rule, every ballot counted and every ballot
// ignored with its [Reason] (malformed, unknown candidate, wrong kind,
// invalid or zero weight, duplicate voter), and every round. It encodes as
// JSON with stable field names, and owns its memory.
//
// # Rounds
//
// Two runners hold votes in rounds, polling a caller's [Poll] function
// (typically a panel of judges) for each round's ballots:
//
//   - [Runoff] re-votes among the tied until a round has a clear winner,
//     as ACoder's panel does;
//   - [UntilMajority] collects single choices round after round until the
//     votes planned cannot change the outcome, as Trae's multi-selection
//     does.
//
// Both are bounded, settle a lasting tie by the tie rule, stop when the
// context ends, and record each round, including the one that failed.
//
// # Reliability
//
// Judges are not equally good. [Reliability] turns a track record into
// weights for [Weighted]: from known outcomes with a Beta prior (so a
// voter without a record weighs 1, the same as unweighted), or, when the
// truth is unknown, from each voter's agreement with the panel over many
// past items, by Dawid–Skene expectation-maximisation:
//
//	est, err := vote.Reliability{}.FromAgreement(pastItems)
//	res, err := vote.Weighted{Strategy: vote.Approval{}, VoterWeights: est.VoterWeights}.Decide(candidates, ballots)
//
// # Errors
//
// Callers branch with [errors.Is] on [ErrNoCandidates] (the candidate
// list is empty), [ErrNoBallots] (nothing counted: the message says what
// was ignored and how to fix it) and [ErrNoWinner] (no candidate met the
// rule, as with Majority's threshold or an approval vote approving
// nobody). Other errors name a bad configuration field and the fix.
package vote
