package think_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/conclave-dev/conclave/tools/think"
)

// A model thinks in three steps, revising the second.
func ExampleSequential() {
	s := think.NewSequential()
	for _, args := range []string{
		`{"thought": "The test fails on empty input.", "thought_number": 1, "total_thoughts": 2}`,
		`{"thought": "parse() must return early."}`,
		`{"thought": "No: the caller should check.", "is_revision": true, "revises_thought": 2, "next_thought_needed": false}`,
	} {
		res, _ := s.Run(context.Background(), json.RawMessage(args))
		fmt.Println(res.Content)
	}
	fmt.Println(len(s.History()), "thoughts recorded")
	// Output:
	// Recorded thought 1 of 2. History: 1 thoughts. Next thought needed.
	// Recorded thought 2 of 2. History: 2 thoughts. Thinking complete.
	// Recorded thought 3 of 3, revising thought 2. History: 3 thoughts. Thinking complete.
	// 3 thoughts recorded
}

// A guard keeps the run going until there is a patch.
func ExampleNewTaskDone() {
	patch := ""
	done := think.NewTaskDone(func(ctx context.Context, summary string) (string, error) {
		if patch == "" {
			return "There is no change yet: fix the issue in the code, then call task_done.", nil
		}
		return "", nil
	})
	args := json.RawMessage(`{"summary": "Handled empty input in the caller."}`)

	res, _ := done.Run(context.Background(), args)
	fmt.Println(res.IsError, res.Done, res.Content)

	patch = "diff --git a/parse.go b/parse.go\n..."
	res, _ = done.Run(context.Background(), args)
	fmt.Println(res.IsError, res.Done, res.Content)
	// Output:
	// true false There is no change yet: fix the issue in the code, then call task_done.
	// false true Handled empty input in the caller.
}
