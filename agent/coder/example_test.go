package coder_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/llm/llmtest"
)

// Two Coders (scripted models here) work on one repository in parallel;
// each returns its candidate patch.
func ExampleRunAll() {
	repo, err := os.MkdirTemp("", "coder-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(repo)
	os.WriteFile(filepath.Join(repo, "greet.py"), []byte("def greet(name):\n    return 'hello ' + name\n"), 0o644)
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=x", "-c", "user.email=x@example.com", "commit", "-q", "-m", "base"}} {
		if out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
			log.Fatalf("git: %v: %s", err, out)
		}
	}
	edit := func(newText string) *llmtest.Script {
		return llmtest.NewScript(
			llmtest.CallTools("str_replace_editor", fmt.Sprintf(`{"command":"str_replace","path":"greet.py","old_str":"'hello '","new_str":%q}`, newText)),
			llmtest.CallTools("task_done", `{"summary":"capitalised"}`),
		)
	}
	coders := []*coder.Coder{
		{Agent: agent.Agent{Model: edit("'Hello '"), ModelName: "model-a"}},
		{Agent: agent.Agent{Model: edit("'Hello, '"), ModelName: "model-b"}},
	}
	worktrees, _ := os.MkdirTemp("", "coder-example-worktrees")
	defer os.RemoveAll(worktrees)
	results := coder.RunAll(context.Background(), coder.Repo{Dir: repo, WorktreeDir: worktrees}, "Greet with a capital H.", coders, 2)
	for _, r := range results {
		fmt.Printf("%s (%s, %s):\n", r.Candidate.ID, r.Candidate.Source, r.Run.Reason)
		for _, line := range []string{"-    return 'hello ' + name", "+    return 'Hello ' + name", "+    return 'Hello, ' + name"} {
			if strings.Contains(r.Candidate.Patch, "\n"+line+"\n") {
				fmt.Println(line)
			}
		}
	}
	// Output:
	// model-a (model-a, task_done):
	// -    return 'hello ' + name
	// +    return 'Hello ' + name
	// model-b (model-b, task_done):
	// -    return 'hello ' + name
	// +    return 'Hello, ' + name
}
