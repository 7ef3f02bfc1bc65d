package conclave_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/agent/judge"
	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/selector"
)

// module is a small Go module with a bug: Average of nothing divides by
// zero.
var project = map[string]string{
	"go.mod":              "module example.com/stats\n\ngo 1.22\n",
	"stats/stats.go":      "package stats\n\n// Sum adds xs.\nfunc Sum(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n\n// Average is the mean of xs.\nfunc Average(xs []int) int { return Sum(xs) / len(xs) }\n",
	"stats/stats_test.go": "package stats\n\nimport \"testing\"\n\nfunc TestSum(t *testing.T) {\n\tif Sum([]int{1, 2}) != 3 {\n\t\tt.Fatal(\"bad\")\n\t}\n}\n",
}

const (
	issue   = "Average panics on an empty slice; it should return 0."
	buggy   = "func Average(xs []int) int { return Sum(xs) / len(xs) }"
	fixed   = "func Average(xs []int) int {\n\tif len(xs) == 0 {\n\t\treturn 0\n\t}\n\treturn Sum(xs) / len(xs)\n}"
	fixedB  = "func Average(xs []int) int {\n\t// nothing to average\n\tif len(xs) == 0 { return 0 }\n\treturn Sum(xs) / len(xs)\n}"
	badSum  = "\treturn s\n}"
	badSumB = "\treturn s + 1\n}"
)

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func edit(path, old, new string) llmtest.Reply {
	return llmtest.CallTools("str_replace_editor", mustJSON(map[string]any{"command": "str_replace", "path": path, "old_str": old, "new_str": new}))
}

var done = llmtest.CallTools("task_done", `{"summary":"done"}`)

// scripted returns a Coder on a scripted model.
func scripted(id string, replies ...llmtest.Reply) *coder.Coder {
	return &coder.Coder{ID: id, Agent: agent.Agent{Model: &llmtest.Script{Name: id, Replies: replies}, ModelName: "model-" + id}}
}

// The seeds' chain on three scripted Coders driving the real tools: the
// Tester drops the one that breaks a test, the syntax vote picks the
// agreeing pair, the verifier confirms; every record is in the run
// directory.
func TestPipelineRun(t *testing.T) {
	repo, _ := gittest.Repo(t, project)
	verifier := &judge.Judge{Agent: agent.Agent{Model: llmtest.NewScript(
		llmtest.CallTools("submit", `{"confirmed":true,"reason":"returns 0 for nothing"}`)), ModelName: "judge-model"}}
	var events []conclave.Event
	p := &conclave.Pipeline{
		Coders: []*coder.Coder{
			scripted("a", edit("stats/stats.go", buggy, fixed), done),
			scripted("b", edit("stats/stats.go", buggy, fixedB), done),
			scripted("c", edit("stats/stats.go", buggy, fixed), edit("stats/stats.go", badSum, badSumB), done),
		},
		Tester:      &tester.Tester{},
		Judges:      map[string]selector.Judge{"v": verifier},
		WorktreeDir: t.TempDir(),
		Observer:    func(e conclave.Event) { events = append(events, e) },
	}
	dir := t.TempDir()
	res, err := p.Run(t.Context(), conclave.Task{Repo: repo, Issue: issue}, dir)
	require.NoError(t, err)
	assert.Equal(t, "a", res.Winner)
	assert.Equal(t, "syntax_vote", res.Decision.DecidedBy)
	assert.True(t, res.Decision.Confident)
	assert.Contains(t, res.Patch, "+\tif len(xs) == 0 {")
	assert.Nil(t, res.Refinement)
	require.Len(t, res.Rounds, 1)
	assert.Len(t, res.Rounds[0].Attempts, 3)

	for _, f := range []string{"task.json", "round-1/candidates/a.json", "round-1/candidates/c.json", "round-1/trajectories/b.jsonl",
		"round-1/tests/plan.json", "round-1/tests/c.json", "round-1/decision.json", "result.json", "patch.diff"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	patch, err := os.ReadFile(filepath.Join(dir, "patch.diff"))
	require.NoError(t, err)
	assert.Equal(t, res.Patch, string(patch))

	var stages []string
	for _, e := range events {
		if e.Kind == conclave.EventStage && e.State == conclave.StateDone {
			stages = append(stages, e.Stage)
		}
	}
	assert.Equal(t, []string{"content_filter", "apply_check", "regression", "syntax_cluster", "syntax_vote"}, stages)
}

// A Pipeline or a task that cannot run is refused before anything starts,
// naming the field to fix.
func TestPipelineChecks(t *testing.T) {
	repo, _ := gittest.Repo(t, project)
	judgeFunc := selector.JudgeFunc(nil)
	for _, c := range []struct {
		name string
		p    *conclave.Pipeline
		task conclave.Task
		want string
	}{
		{"no coder", &conclave.Pipeline{}, conclave.Task{Repo: repo, Issue: issue}, "Pipeline.Coders is empty"},
		{"no model", &conclave.Pipeline{Coders: []*coder.Coder{{ID: "a"}}}, conclave.Task{Repo: repo, Issue: issue}, "Pipeline.Coders[0].Agent.Model is nil"},
		{"same IDs", &conclave.Pipeline{Coders: []*coder.Coder{scripted("a"), scripted("a")}}, conclave.Task{Repo: repo, Issue: issue}, `Pipeline.Coders[0] and [1] are both "a"`},
		{"bad ID", &conclave.Pipeline{Coders: []*coder.Coder{scripted("a/b")}}, conclave.Task{Repo: repo, Issue: issue}, `the ID "a/b" cannot name a file`},
		{"unknown verifier", &conclave.Pipeline{Coders: []*coder.Coder{scripted("a")}, Verifier: "v"}, conclave.Task{Repo: repo, Issue: issue}, `Pipeline.Verifier "v" is not a judge`},
		{"verifier cannot verify", &conclave.Pipeline{Coders: []*coder.Coder{scripted("a")}, Judges: map[string]selector.Judge{"v": judgeFunc}, Verifier: "v"},
			conclave.Task{Repo: repo, Issue: issue}, `Pipeline.Verifier "v" cannot verify`},
		{"no issue", &conclave.Pipeline{Coders: []*coder.Coder{scripted("a")}}, conclave.Task{Repo: repo}, "Task.Issue is empty"},
		{"no commit", &conclave.Pipeline{Coders: []*coder.Coder{scripted("a")}}, conclave.Task{Repo: repo, Base: "nope", Issue: issue}, `Task.Base "nope" is not a commit`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.p.Open(t.Context(), c.task, t.TempDir())
			assert.ErrorContains(t, err, c.want)
		})
	}
}
