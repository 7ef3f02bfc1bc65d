package selector_test

import (
	"context"
	"fmt"
	"math"

	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/selector/rank"
)

// A ranker trained on past pools, where the patches that changed half.py
// in few lines resolved the issue, ranks a new pool. It runs after
// syntax clustering, as in training.
func ExampleRank() {
	short := patch("    return n // 2")
	long := "diff --git a/half.py b/half.py\n--- a/half.py\n+++ b/half.py\n@@ -1,2 +1,4 @@\n def half(n):\n-    return n / 2\n" +
		"+    if n < 0:\n+        raise ValueError(n)\n+    return n // 2\n"
	var history []rank.Instance
	for range 10 {
		history = append(history,
			rank.Instance{Candidates: []rank.Candidate{{Source: "a", Patch: short}, {Source: "b", Patch: long}}, Resolved: []bool{true, false}},
			rank.Instance{Candidates: []rank.Candidate{{Source: "b", Patch: short}, {Source: "a", Patch: long}}, Resolved: []bool{true, false}})
	}
	model, err := rank.Train(history, nil, nil)
	if err != nil {
		panic(err)
	}
	pool, err := selector.NewPool("half() should return an int", nil, []selector.Candidate{
		{ID: "1", Source: "claude", Patch: long},
		{ID: "2", Source: "gpt", Patch: patch("    return n >> 1")},
	})
	if err != nil {
		panic(err)
	}
	d, err := selector.Selector{Stages: []selector.Stage{
		selector.SyntaxCluster{},
		selector.Rank{Model: model},
	}}.Run(context.Background(), pool)
	if err != nil {
		panic(err)
	}
	fmt.Println("winner:", d.Winner, "by", d.DecidedBy)
	for _, sc := range d.Steps[1].Scores {
		fmt.Printf("%s adds %.0f lines\n", sc.Candidate, math.Expm1(sc.Features["lines_added"]))
	}
	// Output:
	// winner: 2 by rank
	// 2 adds 1 lines
	// 1 adds 3 lines
}

// Under Advise, a panel's vote orders the pool without deciding, so that
// a later stage can weigh it with other signals.
func ExampleAdvise() {
	pool, err := selector.NewPool("half() should return an int", nil, []selector.Candidate{
		{ID: "1", Source: "claude", Patch: patch("    return n // 2")},
		{ID: "2", Source: "gpt", Patch: patch("    return n >> 1")},
	})
	if err != nil {
		panic(err)
	}
	favours := func(id string) selector.Judge {
		return selector.JudgeFunc(func(_ context.Context, q selector.Question) (selector.Answer, error) {
			ans := selector.Answer{Approve: map[string]bool{}}
			for _, c := range q.Candidates {
				ans.Approve[c.ID] = c.ID == id
			}
			return ans, nil
		})
	}
	d, err := selector.Selector{Stages: []selector.Stage{
		selector.Advise{Stage: selector.Panel{Judges: map[string]selector.Judge{"j1": favours("2"), "j2": favours("2")}}},
	}}.Run(context.Background(), pool)
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Steps[0].Notes)
	fmt.Println("first in the pool:", d.Winner, "decided by", d.DecidedBy)
	// Output:
	// [advisory: 2 leads, but this stage does not decide]
	// first in the pool: 2 decided by pool_order
}
