package selector_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

const original = "def half(n):\n    return n / 2\n"

// patch replaces the body of half.
func patch(body string) string {
	return "diff --git a/half.py b/half.py\n--- a/half.py\n+++ b/half.py\n@@ -1,2 +1,2 @@\n def half(n):\n-    return n / 2\n+" + body + "\n"
}

// Four models propose a fix; two agree up to a comment. The filters drop
// the empty patch, clustering finds the agreement, and the syntax vote
// picks it.
func Example() {
	candidates := []selector.Candidate{
		{ID: "1", Source: "claude", Patch: patch("    return n // 2")},
		{ID: "2", Source: "gpt", Patch: patch("    return n >> 1")},
		{ID: "3", Source: "gemini", Patch: patch("    return n // 2  # floor")},
		{ID: "4", Source: "qwen", Patch: ""},
	}
	base := fstest.MapFS{"half.py": {Data: []byte(original)}}
	pool, err := selector.NewPool("half() should return an int", base, candidates)
	if err != nil {
		panic(err)
	}
	d, err := selector.Selector{Stages: []selector.Stage{
		selector.ContentFilter{},
		selector.ApplyCheck{},
		selector.SyntaxCluster{},
		selector.SyntaxVote{Strategy: vote.Majority{}},
	}}.Run(context.Background(), pool)
	if err != nil {
		panic(err)
	}
	fmt.Println("winner:", d.Winner, "by", d.DecidedBy, "confident:", d.Confident)
	fmt.Println("ranking:", d.Ranking)
	for _, s := range d.Steps {
		fmt.Println(s.Stage, s.Dropped, s.Notes)
	}
	// Output:
	// winner: 1 by syntax_vote confident: true
	// ranking: [1 3 2 4]
	// content_filter [{4 empty the patch is empty}] []
	// apply_check [] [no change: the 3 candidates go on as they were]
	// syntax_cluster [] []
	// syntax_vote [] [cluster of 1 (2 of 3 candidates) holds 67% of the weight]
}

// A Decision explains itself: each stage, what it did and why, and what
// decided. Here every patch fails to apply, so all are kept, and the
// Decision says it is not confident.
func ExampleDecision_Explain() {
	stale := "diff --git a/half.py b/half.py\n--- a/half.py\n+++ b/half.py\n@@ -1,2 +1,2 @@\n def half(n):\n-    return n / 3\n+    return n // 3\n"
	pool, err := selector.NewPool("half() should return an int", fstest.MapFS{"half.py": {Data: []byte(original)}}, []selector.Candidate{
		{ID: "a", Source: "claude", Patch: stale},
		{ID: "b", Source: "gpt", Patch: strings.Replace(stale, "// 3", "//3", 1)},
	})
	if err != nil {
		panic(err)
	}
	pool.Seed = 7
	d, err := selector.Selector{Stages: []selector.Stage{selector.ApplyCheck{}, selector.SyntaxCluster{}, selector.SyntaxVote{}}}.Run(context.Background(), pool)
	if err != nil {
		panic(err)
	}
	if err := d.Explain(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// Candidates: a, b
	//
	// 1. apply_check: applies each patch to the original files; drops those that do not apply or break the syntax
	//    failed but kept a (does_not_apply): syntax: patch does not apply to half.py, hunk 1 (@@ -1,2 +1,2 @@) at line 2: conflict: fragment line does not match src line
	//    failed but kept b (does_not_apply): syntax: patch does not apply to half.py, hunk 1 (@@ -1,2 +1,2 @@) at line 2: conflict: fragment line does not match src line
	//    every candidate failed this stage, so all were kept
	//    left: a, b
	//
	// 2. syntax_cluster: groups patches that are the same program, whatever their comments, layout or quotes; leaves out tests, scratch scripts and documentation
	//    compared full-file: each patch applied to the original files, the syntax trees compared
	//    cluster: a
	//    cluster: b
	//    a: not compared: syntax: patch does not apply to half.py, hunk 1 (@@ -1,2 +1,2 @@) at line 2: conflict: fragment line does not match src line
	//    b: not compared: syntax: patch does not apply to half.py, hunk 1 (@@ -1,2 +1,2 @@) at line 2: conflict: fragment line does not match src line
	//    left: a, b
	//
	// 3. syntax_vote: each candidate votes for its cluster with its source's weight; the cluster with the most weight wins (plurality); ties: list order
	//    weight per cluster, named by the member standing for it: a 1, b 1, of 2
	//    tied: a, b, settled by list order
	//    cluster of a (1 of 2 candidates) holds 50% of the weight
	//    => a wins
	//
	// Winner: a, decided by syntax_vote (tie rule: list order; seed 7)
	// Not confident: every candidate failed apply_check (does_not_apply); all were kept so that there is an answer
	// Ranking: a, b
}

// A syntax vote weighted by the sources' track records: gpt's record
// outweighs the two others' agreement (gemini, worse than chance among
// three, weighs nothing).
func ExampleWeigh() {
	est, err := vote.Reliability{Options: 3}.FromOutcomes(map[string]vote.Record{
		"claude": {Right: 3, Wrong: 7},
		"gpt":    {Right: 9, Wrong: 1},
		"gemini": {Right: 2, Wrong: 8},
	})
	if err != nil {
		panic(err)
	}
	pool := &selector.Pool{
		Candidates: []selector.Candidate{{ID: "1", Source: "claude"}, {ID: "2", Source: "gpt"}, {ID: "3", Source: "gemini"}},
		Clusters:   []selector.Cluster{{Key: "k", Members: []string{"1", "3"}}},
	}
	d, err := selector.Selector{Stages: []selector.Stage{
		selector.Weigh{SourceWeights: est.VoterWeights},
		selector.SyntaxVote{},
	}}.Run(context.Background(), pool)
	if err != nil {
		panic(err)
	}
	scores := d.Steps[1].Vote.Scores
	fmt.Printf("winner %s; claude and gemini's cluster %.2f, gpt %.2f\n", d.Winner, scores["1"], scores["2"])
	// Output:
	// winner 2; claude and gemini's cluster 0.16, gpt 1.73
}

// A panel of judges, each approving or rejecting every candidate. Round 1
// ties, so round 2 is held between the tied; the broken judge is recorded
// and left out.
func ExamplePanel() {
	approve := func(ids ...string) selector.Judge {
		return selector.JudgeFunc(func(_ context.Context, q selector.Question) (selector.Answer, error) {
			a := selector.Answer{Approve: map[string]bool{}}
			for _, c := range q.Candidates {
				a.Approve[c.ID] = slices.Contains(ids, c.ID)
			}
			return a, nil
		})
	}
	changes := selector.JudgeFunc(func(_ context.Context, q selector.Question) (selector.Answer, error) {
		if q.Round == 1 {
			return selector.Answer{Approve: map[string]bool{"a": true, "b": true, "c": false}}, nil
		}
		return selector.Answer{Approve: map[string]bool{"a": false, "b": true}, Reason: "b handles the empty list"}, nil
	})
	broken := selector.JudgeFunc(func(context.Context, selector.Question) (selector.Answer, error) {
		return selector.Answer{}, fmt.Errorf("rate limited")
	})
	pool := &selector.Pool{Candidates: []selector.Candidate{{ID: "a"}, {ID: "b"}, {ID: "c"}}}
	step, err := selector.Panel{Judges: map[string]selector.Judge{
		"j1": approve("a"), "j2": approve("b"), "j3": changes, "j4": broken,
	}}.Run(context.Background(), pool)
	if err != nil {
		panic(err)
	}
	for _, r := range step.Vote.Rounds {
		fmt.Println("round", r.Number, r.Candidates, r.Scores, "tied:", r.Tied)
	}
	fmt.Println("winner:", pool.Winner)
	fmt.Println("remark:", step.Remarks[0].By, step.Remarks[0].Text)
	fmt.Println("failed:", step.Failures[0].By, step.Failures[0].Kind, step.Failures[0].Detail)
	// Output:
	// round 1 [a b c] map[a:2 b:2 c:0] tied: [a b]
	// round 2 [a b] map[a:1 b:2] tied: []
	// winner: b
	// remark: j3 b handles the empty list
	// failed: j4 error rate limited
}

// Regression tests filter the candidates: b breaks a test that passes on
// the original files, so it goes.
func ExampleRegression() {
	runner := selector.TestRunnerFunc(func(_ context.Context, patch string) (selector.TestResults, error) {
		results := selector.TestResults{"test_half": true, "test_parse": true, "test_new": false}
		if patch == "patch b" {
			results["test_parse"] = false
		}
		return results, nil
	})
	pool := &selector.Pool{Candidates: []selector.Candidate{{ID: "a", Patch: "patch a"}, {ID: "b", Patch: "patch b"}}}
	step, err := selector.Regression{Runner: runner}.Run(context.Background(), pool)
	if err != nil {
		panic(err)
	}
	fmt.Println("left:", pool.Candidates[0].ID)
	fmt.Println("dropped:", step.Dropped[0].Candidate, step.Dropped[0].Detail)
	// Output:
	// left: a
	// dropped: b 1 regression: "test_parse"
}

// Multi-selection: three judges each pick one candidate per round until
// the leader cannot be caught.
func ExampleMultiSelect() {
	pick := func(id string) selector.Judge {
		return selector.JudgeFunc(func(context.Context, selector.Question) (selector.Answer, error) {
			return selector.Answer{Choice: id}, nil
		})
	}
	pool := &selector.Pool{Candidates: []selector.Candidate{{ID: "a"}, {ID: "b"}}}
	step, err := selector.MultiSelect{Judges: map[string]selector.Judge{
		"j1": pick("b"), "j2": pick("b"), "j3": pick("a"),
	}}.Run(context.Background(), pool)
	if err != nil {
		panic(err)
	}
	fmt.Println("winner:", pool.Winner, "after", len(step.Vote.Rounds), "rounds with", step.Vote.Scores)
	// Output:
	// winner: b after 3 rounds with map[a:3 b:6]
}
