package conclave_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/selector"
)

// exampleRepo makes a repository whose greet.py greets in lower case.
func exampleRepo() string {
	repo, err := os.MkdirTemp("", "conclave-example-")
	if err != nil {
		log.Fatal(err)
	}
	os.WriteFile(filepath.Join(repo, "greet.py"), []byte("def greet(name):\n    return 'hello ' + name\n"), 0o644)
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=x", "-c", "user.email=x@example.com", "commit", "-q", "-m", "base"}} {
		if out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
			log.Fatalf("git: %v: %s", err, out)
		}
	}
	return repo
}

// exampleCoder is a Coder on a scripted model that replaces 'hello ' by
// greeting.
func exampleCoder(id, greeting string) *coder.Coder {
	return &coder.Coder{ID: id, Agent: agent.Agent{ModelName: "model-" + id, Model: llmtest.NewScript(
		llmtest.CallTools("str_replace_editor", fmt.Sprintf(`{"command":"str_replace","path":"greet.py","old_str":"'hello '","new_str":"%s"}`, greeting)),
		llmtest.CallTools("task_done", `{"summary":"capitalised"}`),
	)}}
}

// Three Coders (scripted models here) work on one issue; two write the
// same fix with different quotes, so the syntax vote picks it.
func ExamplePipeline_Run() {
	repo := exampleRepo()
	defer os.RemoveAll(repo)
	dir, _ := os.MkdirTemp("", "conclave-run-")
	defer os.RemoveAll(dir)
	p := &conclave.Pipeline{
		Coders:      []*coder.Coder{exampleCoder("a", `'Hello '`), exampleCoder("b", `\"Hello \"`), exampleCoder("c", `'Hi '`)},
		WorktreeDir: dir,
	}
	res, err := p.Run(context.Background(), conclave.Task{Repo: repo, Issue: "Greet with a capital H."}, filepath.Join(dir, "run"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("winner:", res.Winner, "decided by", res.Decision.DecidedBy)
	fmt.Println("clusters:", res.Decision.Clusters[0].Members, res.Decision.Clusters[1].Members)
	// Output:
	// winner: a decided by syntax_vote
	// clusters: [a b] [c]
}

// A durable workflow runs the stages one at a time; each is recorded in
// the run directory and read back when called again.
func ExampleJob() {
	repo := exampleRepo()
	defer os.RemoveAll(repo)
	dir, _ := os.MkdirTemp("", "conclave-job-")
	defer os.RemoveAll(dir)
	judge := selector.JudgeFunc(func(_ context.Context, q selector.Question) (selector.Answer, error) {
		ans := selector.Answer{Approve: map[string]bool{}}
		for _, c := range q.Candidates {
			ans.Approve[c.ID] = c.ID == "b"
		}
		return ans, nil
	})
	p := &conclave.Pipeline{
		Coders:      []*coder.Coder{exampleCoder("a", `'Hello '`), exampleCoder("b", `'Hello, '`)},
		Judges:      map[string]selector.Judge{"j": judge},
		WorktreeDir: dir,
	}
	ctx := context.Background()
	job, err := p.Open(ctx, conclave.Task{Repo: repo, Issue: "Greet with a capital H."}, filepath.Join(dir, "run"))
	if err != nil {
		log.Fatal(err)
	}
	for _, id := range job.Coders() {
		a, err := job.Generate(ctx, 1, id) // one activity per Coder
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(a.Candidate.ID, a.Reason)
	}
	d, err := job.Select(ctx, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("winner:", d.Winner, "decided by", d.DecidedBy, "unsure:", len(conclave.Unsure(d)) > 0)
	again, _ := job.Generate(ctx, 1, "a") // read back, not run again
	fmt.Println(again.Candidate.ID, again.Steps, "steps")
	// Output:
	// a task_done
	// b task_done
	// winner: b decided by panel unsure: false
	// a 2 steps
}
