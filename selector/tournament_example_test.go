package selector_test

import (
	"context"
	"fmt"
	"slices"

	"github.com/conclave-dev/conclave/selector"
)

// A tournament among six candidates: every pair is shown to a judge in
// both orders, and the candidate a judge picks in both wins the match.
func ExampleTournament() {
	var candidates []selector.Candidate
	for _, id := range []string{"p1", "p2", "p3", "p4", "p5", "p6"} {
		candidates = append(candidates, selector.Candidate{ID: id, Patch: "diff for " + id})
	}
	pool, err := selector.NewPool("the issue", nil, candidates)
	if err != nil {
		panic(err)
	}
	// This judge prefers p4 to anything, then the lower ID, in any order.
	judge := selector.JudgeFunc(func(_ context.Context, q selector.Question) (selector.Answer, error) {
		ids := []string{q.Candidates[0].ID, q.Candidates[1].ID}
		if slices.Contains(ids, "p4") {
			return selector.Answer{Choice: "p4", Reason: "p4 fixes it"}, nil
		}
		return selector.Answer{Choice: min(ids[0], ids[1])}, nil
	})
	d, err := selector.Selector{Stages: []selector.Stage{
		selector.Tournament{Judges: map[string]selector.Judge{"claude": judge}},
	}}.Run(context.Background(), pool)
	if err != nil {
		panic(err)
	}
	for _, m := range d.Steps[0].Matches {
		fmt.Printf("round %d: %s v %s -> %s (%s)\n", m.Round, m.Pair[0], m.Pair[1], m.Winner, m.Rule)
	}
	fmt.Println("winner:", d.Winner, "after at most", selector.MaxJudgeCalls(6, 1), "judge calls")
	// Output:
	// round 1: p2 v p3 -> p2 (agreed)
	// round 1: p4 v p5 -> p4 (agreed)
	// round 1: p1 v p6 -> p1 (agreed)
	// round 2: p2 v p4 -> p4 (agreed)
	// round 3: p1 v p4 -> p4 (agreed)
	// winner: p4 after at most 10 judge calls
}
