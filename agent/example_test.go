package agent_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/edit"
	"github.com/conclave-dev/conclave/tools/think"
)

// An agent with an editor and task_done fixes a typo, driven by a scripted
// model; with a provider client as Model, the same program runs a real one.
func Example() {
	dir, err := os.MkdirTemp("", "agent-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "greet.txt"), []byte("Helo, world!\n"), 0o644); err != nil {
		panic(err)
	}
	ws, err := tools.NewLocal(dir, nil)
	if err != nil {
		panic(err)
	}
	set, err := tools.NewSet(edit.New(ws, nil), think.NewTaskDone(nil))
	if err != nil {
		panic(err)
	}
	model := llmtest.NewScript(
		llmtest.CallTools("str_replace_editor", `{"command":"str_replace","path":"greet.txt","old_str":"Helo","new_str":"Hello"}`),
		llmtest.CallTools("task_done", `{"summary":"Fixed the typo."}`),
	)
	a := &agent.Agent{
		Name:   "typo-fixer",
		Model:  model,
		Tools:  set,
		System: "You fix typos.",
		Limits: agent.Limits{Steps: 10},
		Observer: func(e agent.Event) {
			if e.Kind == agent.EventToolCall {
				fmt.Println("step", e.Step, "calls", e.Call.Name)
			}
		},
	}
	run, err := a.Run(context.Background(), "Fix the typo in greet.txt.")
	if err != nil {
		panic(err)
	}
	text, _ := os.ReadFile(filepath.Join(dir, "greet.txt"))
	fmt.Println(run.Reason, "after", len(run.Steps), "steps:", run.Final)
	fmt.Print(string(text))
	// Output:
	// step 1 calls str_replace_editor
	// step 2 calls task_done
	// task_done after 2 steps: Fixed the typo.
	// Hello, world!
}

// A subagent answers a question through a structured submit tool.
func ExampleAsTool() {
	child := llmtest.NewScript(llmtest.CallTools("submit", `{"answer":"42"}`))
	tool, err := agent.AsTool(&agent.Agent{Model: child}, "oracle", "Answers questions.", nil)
	if err != nil {
		panic(err)
	}
	res, err := tool.Run(context.Background(), []byte(`{"task":"What is six times seven?"}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Content)
	// Output: {"answer":"42"}
}
