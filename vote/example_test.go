package vote_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/conclave-dev/conclave/vote"
)

// Syntax voting: each generator's patch is a vote for its cluster of
// equivalent patches. A tie goes to the cluster listed first.
func ExamplePlurality() {
	clusters := []string{"cluster-1", "cluster-2", "cluster-3"}
	res, err := vote.Plurality{}.Decide(clusters, []vote.Ballot{
		vote.Choose("claude", "cluster-2"),
		vote.Choose("gemini", "cluster-1"),
		vote.Choose("o4-mini", "cluster-2"),
		vote.Choose("gpt", "cluster-3"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Winner, res.Scores)
	// Output: cluster-2 map[cluster-1:1 cluster-2:2 cluster-3:1]
}

// A cluster must hold more than half of the votes to win outright.
func ExampleMajority() {
	clusters := []string{"cluster-1", "cluster-2"}
	res, err := vote.Majority{}.Decide(clusters, []vote.Ballot{
		vote.Choose("claude", "cluster-1"),
		vote.Choose("gemini", "cluster-2"),
	})
	fmt.Println(errors.Is(err, vote.ErrNoWinner), res.Ranking, res.Tied)
	// Output: true [cluster-1 cluster-2] [cluster-1 cluster-2]
}

// ACoder's panel: each judge gives every candidate patch a 0 or a 1.
func ExampleApproval() {
	patches := []string{"sonnet.patch", "gpt5.patch", "gemini.patch"}
	res, err := vote.Approval{}.Decide(patches, []vote.Ballot{
		vote.Approve("sonnet", map[string]bool{"sonnet.patch": true, "gpt5.patch": true, "gemini.patch": false}),
		vote.Approve("opus", map[string]bool{"sonnet.patch": false, "gpt5.patch": true, "gemini.patch": false}),
		vote.Approve("gpt5", map[string]bool{"sonnet.patch": true, "gpt5.patch": true, "gemini.patch": true}),
		vote.Approve("gemini", map[string]bool{"sonnet.patch": true, "gpt5.patch": false, "gemini.patch": true}),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Ranking, res.Tied)
	// Output: [sonnet.patch gpt5.patch gemini.patch] [sonnet.patch gpt5.patch]
}

// A ranking may be partial: the candidates left out share the points left.
func ExampleBorda() {
	res, err := vote.Borda{}.Decide([]string{"a", "b", "c"}, []vote.Ballot{
		vote.Rank("judge1", "a", "b", "c"),
		vote.Rank("judge2", "b", "a", "c"),
		vote.Rank("judge3", "b"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Winner, res.Scores)
	// Output: b map[a:3.5 b:5 c:0.5]
}

// Weights per voter apply to any strategy; here a judge with a poor record
// counts for less, and one weighted 0 not at all.
func ExampleWeighted() {
	s := vote.Weighted{Strategy: vote.Plurality{}, VoterWeights: map[string]float64{"careful": 2, "sloppy": 0.5, "muted": 0}}
	res, err := s.Decide([]string{"a", "b"}, []vote.Ballot{
		vote.Choose("careful", "a"),
		vote.Choose("sloppy", "b"),
		vote.Choose("newcomer", "b"),
		vote.Choose("muted", "b"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Strategy, res.Winner, res.Scores)
	for _, ig := range res.Ignored {
		fmt.Println("ignored:", ig.Ballot.Voter, ig.Reason)
	}
	// Output:
	// weighted(plurality) a map[a:2 b:1.5]
	// ignored: muted zero_weight
}

// ACoder's iterative decision: a tie triggers another round on the tied
// patches only. The poll would ask the judges; here it is scripted.
func ExampleRunoff() {
	poll := func(ctx context.Context, round int, candidates []string) ([]vote.Ballot, error) {
		fmt.Println("round", round, "on", candidates)
		if round == 1 {
			return []vote.Ballot{
				vote.Approve("j1", map[string]bool{"a": true, "b": false, "c": true}),
				vote.Approve("j2", map[string]bool{"a": true, "b": true, "c": true}),
			}, nil
		}
		return []vote.Ballot{
			vote.Approve("j1", map[string]bool{"a": false, "c": true}),
			vote.Approve("j2", map[string]bool{"a": true, "c": true}),
		}, nil
	}
	res, err := vote.Runoff{Strategy: vote.Approval{}, Poll: poll}.Run(context.Background(), []string{"a", "b", "c"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Strategy, res.Winner, res.Ranking)
	// Output:
	// round 1 on [a b c]
	// round 2 on [a c]
	// runoff(approval) c [c a b]
}

// Trae's multi-selection: one selector run per round, each picking one
// candidate, until no candidate can catch up with the leader within the
// five runs planned.
func ExampleUntilMajority() {
	picks := []string{"b", "a", "b", "b", "a"}
	poll := func(ctx context.Context, round int, candidates []string) ([]vote.Ballot, error) {
		return []vote.Ballot{vote.Choose("selector", picks[round-1])}, nil
	}
	res, err := vote.UntilMajority{Planned: 5, Poll: poll}.Run(context.Background(), []string{"a", "b", "c"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Winner, "after", len(res.Rounds), "rounds:", res.Scores)
	// Output: b after 4 rounds: map[a:1 b:3 c:0]
}

// Weights from a known track record: a judge without one weighs 1.
func ExampleReliability_FromOutcomes() {
	est, err := vote.Reliability{}.FromOutcomes(map[string]vote.Record{
		"opus":   {Right: 40, Wrong: 10},
		"gemini": {Right: 30, Wrong: 20},
		"coin":   {Right: 24, Wrong: 26},
		"new":    {},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, judge := range []string{"opus", "gemini", "coin", "new"} {
		fmt.Printf("%-6s accuracy %.2f weight %.2f\n", judge, est.Accuracy[judge], est.VoterWeights[judge])
	}
	// Output:
	// opus   accuracy 0.79 weight 1.93
	// gemini accuracy 0.60 weight 0.61
	// coin   accuracy 0.49 weight 0.00
	// new    accuracy 0.67 weight 1.00
}

// Weights from agreement when the truth is unknown: over past items, the
// judge that keeps disagreeing with a panel that agrees comes out less
// accurate.
func ExampleReliability_FromAgreement() {
	cands := []string{"a", "b", "c"}
	var items []vote.Item
	for i := range 40 {
		right, wrong := cands[i%3], cands[(i+1)%3]
		j3, contrarian := right, wrong // j3 errs one time in five, contrarian three in four
		if i%5 == 0 {
			j3 = wrong
		}
		if i%4 == 0 {
			contrarian = right
		}
		items = append(items, vote.Item{Candidates: cands, Ballots: []vote.Ballot{
			vote.Choose("j1", right),
			vote.Choose("j2", right),
			vote.Choose("j3", j3),
			vote.Choose("contrarian", contrarian),
		}})
	}
	est, err := vote.Reliability{Options: 3}.FromAgreement(items)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, judge := range []string{"j1", "j2", "j3", "contrarian"} {
		fmt.Printf("%-10s accuracy %.2f weight %.2f\n", judge, est.Accuracy[judge], est.VoterWeights[judge])
	}
	fmt.Println("converged:", est.Converged)
	// Output:
	// j1         accuracy 0.98 weight 3.19
	// j2         accuracy 0.98 weight 3.19
	// j3         accuracy 0.79 weight 1.46
	// contrarian accuracy 0.28 weight 0.00
	// converged: true
}

// A new additive strategy is a Tally: plurality of first choices,
// reading a ranking's first entry as a choice. Tally screens the ballots,
// adds the points, ranks and returns the usual errors.
func ExampleTally() {
	firstChoice := vote.Tally{
		Name:  "first_choice",
		Kinds: []vote.Kind{vote.KindChoice, vote.KindRanking},
		Points: func(b vote.Ballot, _ []string, add func(string, float64)) {
			if b.Kind() == vote.KindRanking {
				add(b.Ranking[0], b.Weight)
				return
			}
			add(b.Choice, b.Weight)
		},
	}
	res, err := firstChoice.Decide([]string{"a", "b"}, []vote.Ballot{vote.Choose("j1", "b"), vote.Rank("j2", "b", "a"), vote.Choose("j3", "a")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Winner, res.Scores, res.Total)
	_, err = firstChoice.Decide([]string{"a", "b"}, []vote.Ballot{vote.Approve("j1", map[string]bool{"a": true})})
	fmt.Println(err)
	// Output:
	// b map[a:1 b:2] 3
	// vote: no ballots counted: first_choice ignored all 1: 1 wrong_kind (this strategy counts choice and ranking ballots)
}

// A strategy that is not a sum of points is a StrategyFunc: Plurality,
// with no winner unless two voters agree.
func ExampleStrategyFunc() {
	seconded := vote.StrategyFunc(func(candidates []string, ballots []vote.Ballot) (*vote.Result, error) {
		res, err := vote.Plurality{}.Decide(candidates, ballots)
		if err == nil && res.Scores[res.Winner] < 2 {
			res.Winner = ""
			err = fmt.Errorf("%w: no candidate has two votes", vote.ErrNoWinner)
		}
		res.Strategy = "seconded"
		return res, err
	})
	_, err := seconded.Decide([]string{"a", "b"}, []vote.Ballot{vote.Choose("j1", "a"), vote.Choose("j2", "b")})
	fmt.Println(err)
	// Output: vote: no winner: no candidate has two votes
}

// A tie rule of your own, without reordering the candidate list: of
// patches with equal votes, the shortest wins.
func ExampleTiebreak_prefer() {
	patches := map[string]string{
		"claude": "+    if amount > have:\n+        raise ValueError(amount)\n",
		"gpt":    "+    assert amount <= have\n",
		"gemini": "+    levels[item] = max(0, have - amount)\n",
	}
	shortest := vote.Tiebreak{
		Prefer: func(a, b string) int { return len(patches[a]) - len(patches[b]) },
		Rule:   "shortest patch first",
	}
	res, err := vote.Plurality{Tiebreak: shortest}.Decide([]string{"claude", "gpt", "gemini"}, []vote.Ballot{
		vote.Choose("judge-1", "claude"),
		vote.Choose("judge-2", "gpt"),
		vote.Choose("judge-3", "gemini"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Winner, res.Ranking, res.Tied)
	fmt.Println(res.TieRule)
	// Output:
	// gpt [gpt gemini claude] [claude gpt gemini]
	// shortest patch first, then list order
}

// A seeded shuffle settles ties instead of the candidate order; the same
// seed always settles them the same way.
func ExampleTiebreak() {
	ballots := []vote.Ballot{vote.Choose("j1", "a"), vote.Choose("j2", "b")}
	s := vote.Plurality{Tiebreak: vote.Tiebreak{Random: true, Seed: 2025}}
	first, _ := s.Decide([]string{"a", "b"}, ballots)
	again, _ := s.Decide([]string{"a", "b"}, ballots)
	fmt.Println(first.Tied, first.Winner == again.Winner)
	// Output: [a b] true
}

// A Result is evidence: it encodes as JSON with every ballot, counted or
// not.
func ExampleResult() {
	res, _ := vote.Plurality{}.Decide([]string{"a", "b"}, []vote.Ballot{
		vote.Choose("j1", "a"),
		vote.Choose("j2", "z"),
	})
	out, _ := json.MarshalIndent(res, "", "  ")
	fmt.Println(string(out))
	// Output:
	// {
	//   "strategy": "plurality",
	//   "winner": "a",
	//   "ranking": [
	//     "a",
	//     "b"
	//   ],
	//   "scores": {
	//     "a": 1,
	//     "b": 0
	//   },
	//   "total": 1,
	//   "tie_rule": "list order",
	//   "counted": [
	//     {
	//       "voter": "j1",
	//       "weight": 1,
	//       "choice": "a"
	//     }
	//   ],
	//   "ignored": [
	//     {
	//       "ballot": {
	//         "voter": "j2",
	//         "weight": 1,
	//         "choice": "z"
	//       },
	//       "reason": "unknown_candidate",
	//       "detail": "\"z\" is not a candidate"
	//     }
	//   ]
	// }
}
