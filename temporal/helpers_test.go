package temporal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktemporal "go.temporal.io/sdk/temporal"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/agent/judge"
	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/temporal"
)

// project is a small Go module with a bug: Average of nothing divides by
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
	fixedD  = "func Average(xs []int) int {\n\tif len(xs) < 1 {\n\t\treturn 0\n\t}\n\treturn Sum(xs) / len(xs)\n}"
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

func scripted(id string, replies ...llmtest.Reply) *coder.Coder {
	return &coder.Coder{ID: id, Agent: agent.Agent{Model: &llmtest.Script{Name: id, Replies: replies}, ModelName: "model-" + id}}
}

var tempSuffix = regexp.MustCompile(`-[0-9]+\.jsonl$`)

var candidateLine = regexp.MustCompile(`(?m)^## Candidate (\S+)`)

// judgeModel answers approval questions with a yes for the candidates
// approve accepts, and refuses every candidate it is asked to verify, so
// that the panel decides.
func judgeModel(name string, approve func(id string) bool) llm.Model {
	return llm.ModelFunc(func(ctx context.Context, req *llm.Request) (*llm.Response, error) {
		text := req.Messages[0].Text()
		if strings.Contains(text, "was chosen because several agents") {
			return llmtest.CallTools("submit", `{"confirmed":false,"reason":"`+name+` is not convinced"}`)(ctx, req)
		}
		var votes []map[string]any
		for _, m := range candidateLine.FindAllStringSubmatch(text, -1) {
			v := 0
			if approve(m[1]) {
				v = 1
			}
			votes = append(votes, map[string]any{"candidate": m[1], "vote": v, "reason": fmt.Sprintf("%s on %s", name, m[1]),
				"criteria": map[string]string{"correctness": "c", "safety": "s", "simplicity": "s"}})
		}
		return llmtest.CallTools("submit", mustJSON(map[string]any{"votes": votes}))(ctx, req)
	})
}

func newJudge(name string, m llm.Model) *judge.Judge {
	return &judge.Judge{Agent: agent.Agent{Model: m, ModelName: "judge-" + name}}
}

// newPipeline returns the test's pipeline, with fresh scripts: three
// Coders (a and c write the same fix, b another, c also breaks Sum), the
// Tester, a verifier that refuses and two judges that split.
func newPipeline(t *testing.T) *conclave.Pipeline {
	return &conclave.Pipeline{
		Coders: []*coder.Coder{
			scripted("a", edit("stats/stats.go", buggy, fixed), done),
			scripted("b", edit("stats/stats.go", buggy, fixedB), done),
			scripted("c", edit("stats/stats.go", buggy, fixed), edit("stats/stats.go", badSum, badSumB), done),
			scripted("d", edit("stats/stats.go", buggy, fixedD), done),
		},
		Tester: &tester.Tester{Parallel: 2},
		Judges: map[string]selector.Judge{
			"v":  newJudge("v", judgeModel("v", func(string) bool { return true })),
			"p1": newJudge("p1", judgeModel("p1", func(id string) bool { return id == "d" })),
			"p2": newJudge("p2", judgeModel("p2", func(string) bool { return true })),
		},
		Verifier:    "v",
		Seed:        42,
		WorktreeDir: t.TempDir(),
	}
}

// fastRetry retries at once, for tests.
var fastRetry = &sdktemporal.RetryPolicy{InitialInterval: time.Millisecond, BackoffCoefficient: 1, MaximumAttempts: 5}

// newWorker returns a worker of p with its own store, clones and runs.
func newWorker(t *testing.T, p *conclave.Pipeline) *temporal.Worker {
	dir := t.TempDir()
	return &temporal.Worker{Pipeline: p, Store: temporal.DirStore(filepath.Join(dir, "store")), Clones: &temporal.Clones{Dir: filepath.Join(dir, "clones")},
		Dir: filepath.Join(dir, "work"), Retry: fastRetry}
}

func testRepo(t *testing.T) string {
	repo, _ := gittest.Repo(t, project)
	return repo
}

// readDecision reads a round's decision from the store.
func readDecision(t *testing.T, s temporal.Store, task string, round int) *selector.Decision {
	b, err := s.Get(t.Context(), fmt.Sprintf("runs/%s/round-%d/decision.json", task, round))
	require.NoError(t, err)
	var d selector.Decision
	require.NoError(t, json.Unmarshal(b, &d))
	return &d
}

// relativeTraces names the judges' trajectories relative to dir, as the
// workflow's activities do.
func relativeTraces(t *testing.T, d *selector.Decision, dir string) {
	fix := func(tr *selector.Trace) {
		if tr == nil || tr.Trajectory == "" {
			return
		}
		if filepath.IsAbs(tr.Trajectory) {
			r, err := filepath.Rel(dir, tr.Trajectory)
			require.NoError(t, err)
			tr.Trajectory = filepath.ToSlash(r)
		}
		// The file's name ends in a random number.
		tr.Trajectory = tempSuffix.ReplaceAllString(tr.Trajectory, "-N.jsonl")
	}
	for i := range d.Steps {
		s := &d.Steps[i]
		if s.Verdict != nil {
			fix(s.Verdict.Trace)
		}
		for j := range s.Remarks {
			fix(s.Remarks[j].Trace)
		}
		for j := range s.Matches {
			for k := range s.Matches[j].Judgements {
				fix(s.Matches[j].Judgements[k].Trace)
			}
		}
	}
}
