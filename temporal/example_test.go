package temporal_test

import (
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/temporal"
)

// exampleRepo makes a repository whose greet.py greets in lower case.
func exampleRepo(dir string) string {
	repo := filepath.Join(dir, "repo")
	os.MkdirAll(repo, 0o755)
	os.WriteFile(filepath.Join(repo, "greet.py"), []byte("def greet(name):\n    return 'hello ' + name\n"), 0o644)
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=x", "-c", "user.email=x@example.com", "commit", "-q", "-m", "base"}} {
		if out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
			log.Fatalf("git: %v: %s", err, out)
		}
	}
	return repo
}

func exampleCoder(id, greeting string) *coder.Coder {
	return &coder.Coder{ID: id, Agent: agent.Agent{ModelName: "model-" + id, Model: llmtest.NewScript(
		llmtest.CallTools("str_replace_editor", fmt.Sprintf(`{"command":"str_replace","path":"greet.py","old_str":"'hello '","new_str":"%s"}`, greeting)),
		llmtest.CallTools("task_done", `{"summary":"capitalised"}`),
	)}}
}

// A task's workflow, here in the SDK's test environment instead of a
// cluster (a worker.Worker takes the same Register): the three Coders
// run as activities, the selection runs in the workflow, and the records
// land in the store.
func Example() {
	dir, _ := os.MkdirTemp("", "conclave-temporal-")
	defer os.RemoveAll(dir)
	repo := exampleRepo(dir)
	w := &temporal.Worker{
		Pipeline: &conclave.Pipeline{
			Coders:      []*coder.Coder{exampleCoder("a", `'Hello '`), exampleCoder("b", `\"Hello \"`), exampleCoder("c", `'Hi '`)},
			WorktreeDir: filepath.Join(dir, "worktrees"),
		},
		Store:  temporal.DirStore(filepath.Join(dir, "store")),
		Clones: &temporal.Clones{Dir: filepath.Join(dir, "clones")},
		Dir:    filepath.Join(dir, "work"),
	}
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	env.SetTestTimeout(5 * time.Minute) // the activities run real git and tests
	env.SetDataConverter(temporal.NewDataConverter(&temporal.Codec{Store: w.Store}))
	if err := w.Register(env); err != nil {
		log.Fatal(err)
	}
	env.ExecuteWorkflow(temporal.WorkflowName, conclave.Task{ID: "greet-1", Repo: repo, Issue: "Greet with a capital H."})
	var out temporal.Outcome
	if err := env.GetWorkflowResult(&out); err != nil {
		log.Fatal(err)
	}
	fmt.Println("winner:", out.Winner, "decided by", out.DecidedBy)
	fmt.Println("attempts:", len(out.Attempts), "result in the store at", out.Result)
	// Output:
	// winner: a decided by syntax_vote
	// attempts: 3 result in the store at runs/greet-1/result.json
}
