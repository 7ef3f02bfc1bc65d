package judge_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/judge"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

// A judge verifies a candidate: it runs the project's tests with the patch
// applied, then confirms it through its submit tool. The scripted model
// stands in for a provider client.
func ExampleJudge_Verify() {
	repo, patch := exampleRepo()
	defer os.RemoveAll(repo)
	model := llmtest.NewScript(
		llmtest.CallTools("try_candidate", `{"candidate":"c1","command":"python3 -c 'import calc; print(calc.add(2, 3))'"}`),
		llmtest.CallTools("submit", `{"confirmed":true,"reason":"add(2, 3) is 5 with the patch"}`),
	)
	j := &judge.Judge{
		Agent: agent.Agent{Name: "claude", Model: model, ModelName: "claude-sonnet-4-5", Limits: agent.Limits{Steps: 20},
			Observer: func(e agent.Event) {
				if e.Kind == agent.EventToolResult && e.Tool.Call.Name == "try_candidate" {
					_, out, _ := strings.Cut(e.Tool.Content, "\n") // after the line naming the checkout
					fmt.Println(strings.TrimSpace(out))
				}
			}},
		Repo: repo,
		Base: "HEAD",
	}
	v, err := j.Verify(context.Background(), "add(2, 3) returns -1", selector.Candidate{ID: "c1", Patch: patch})
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Confirmed, v.Reason, v.Trace.Steps, "steps")
	// Output:
	// 5
	// [exit code 0]
	// true add(2, 3) is 5 with the patch 2 steps
}

// exampleRepo makes a repository whose add subtracts, and returns it with a
// patch that fixes it.
func exampleRepo() (repo, patch string) {
	var err error
	repo, err = os.MkdirTemp("", "judge-example-")
	if err != nil {
		panic(err)
	}
	os.WriteFile(filepath.Join(repo, "calc.py"), []byte("def add(a, b):\n    return a - b\n"), 0o644)
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=Ex", "-c", "user.email=ex@example.com", "commit", "-q", "-m", "base"}} {
		if out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
			panic(string(out))
		}
	}
	patch = `diff --git a/calc.py b/calc.py
--- a/calc.py
+++ b/calc.py
@@ -1,2 +1,2 @@
 def add(a, b):
-    return a - b
+    return a + b
`
	return repo, patch
}

// A judge answers a choice question between two candidates, as the
// tournament asks it, through its submit tool.
func ExampleJudge_Judge() {
	repo, patch := exampleRepo()
	defer os.RemoveAll(repo)
	model := llmtest.NewScript(
		llmtest.CallTools("view", `{"path":"calc.py"}`),
		llmtest.CallTools("submit", `{"choice":"fix","reason":"fix makes add add; noop changes nothing"}`),
	)
	j := &judge.Judge{Agent: agent.Agent{Model: model, ModelName: "gpt-5", Limits: agent.Limits{Steps: 20}}, Repo: repo, Base: "HEAD"}
	ans, err := j.Judge(context.Background(), selector.Question{
		Issue: "add(2, 3) returns -1",
		Kind:  vote.KindChoice,
		Candidates: []selector.Candidate{
			{ID: "noop", Patch: ""},
			{ID: "fix", Patch: patch},
		},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(ans.Choice+":", ans.Reason)
	// Output: fix: fix makes add add; noop changes nothing
}
