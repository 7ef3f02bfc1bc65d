package coder_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/internal/gitx"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/ckg"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// module is a small Go module with a bug: Average of nothing divides by
// zero.
var module = map[string]string{
	"go.mod": "module example.com/stats\n\ngo 1.22\n",
	"stats/stats.go": `package stats

// Sum adds xs.
func Sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// Average is the mean of xs.
func Average(xs []int) int { return Sum(xs) / len(xs) }
`,
	"stats/stats_test.go": "package stats\n\nimport \"testing\"\n\nfunc TestSum(t *testing.T) {\n\tif Sum([]int{1, 2}) != 3 {\n\t\tt.Fatal(\"bad\")\n\t}\n}\n",
	"stats/old.go":        "package stats\n\nfunc old() {}\n",
	"report/report.go":    "package report\n\n// Title names the report.\nfunc Title() string { return \"report\" }\n",
}

const (
	buggy   = "func Average(xs []int) int { return Sum(xs) / len(xs) }"
	fixed   = "func Average(xs []int) int {\n\tif len(xs) == 0 {\n\t\treturn 0\n\t}\n\treturn Sum(xs) / len(xs)\n}"
	newTest = "package stats\n\nimport \"testing\"\n\nfunc TestAverageEmpty(t *testing.T) {\n\tif Average(nil) != 0 {\n\t\tt.Fatal(\"want 0\")\n\t}\n}\n"
)

// expectedPatch makes the edits (content, or "" to delete) in a worktree
// of repo's HEAD and returns its patch: what a Coder making them must
// return, byte for byte.
func expectedPatch(t *testing.T, repo string, edits map[string]string) string {
	t.Helper()
	w, err := gitx.AddWorktree(t.Context(), repo, "HEAD", &gitx.WorktreeOptions{Dir: t.TempDir()})
	require.NoError(t, err)
	defer w.Close()
	for name, body := range edits {
		if body == "" {
			require.NoError(t, os.Remove(filepath.Join(w.Dir, name)))
		} else {
			gittest.Write(t, w.Dir, name, body)
		}
	}
	p, err := w.Patch(t.Context(), nil)
	require.NoError(t, err)
	return p.Diff
}

func state(t *testing.T, repo string) string {
	t.Helper()
	var out string
	for _, args := range [][]string{{"status", "--porcelain=v2", "--branch", "--untracked-files=all"}, {"stash", "list"}, {"worktree", "list", "--porcelain"}, {"for-each-ref"}} {
		s, err := gitx.Git(t.Context(), repo, args...)
		require.NoError(t, err)
		out += s
	}
	return out
}

func args(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// fixer is a scripted model that fixes the bug the way a Coder should:
// runs the tests, edits the function, adds a test, deletes a file, writes
// a reproduction script and a binary file, then calls task_done.
func fixer() *llmtest.Script {
	return &llmtest.Script{Name: "model-a", Replies: []llmtest.Reply{
		llmtest.CallTools("bash", args(map[string]any{"command": "go test ./... 2>&1 | tail -3"})),
		llmtest.CallTools("str_replace_editor", args(map[string]any{"command": "str_replace", "path": "stats/stats.go", "old_str": buggy, "new_str": fixed}),
			"str_replace_editor", args(map[string]any{"command": "create", "path": "stats/average_test.go", "file_text": newTest})),
		llmtest.CallTools("bash", args(map[string]any{"command": "rm stats/old.go && printf '\\000\\001\\002' > stats/logo.bin"}),
			"str_replace_editor", args(map[string]any{"command": "create", "path": "reproduce_issue.py", "file_text": "print('repro')\n"})),
		llmtest.CallTools("task_done", `{"summary":"Average returns 0 for no numbers."}`),
	}}
}

// titler changes another file: a second Coder's different patch.
func titler() *llmtest.Script {
	return &llmtest.Script{Name: "model-b", Replies: []llmtest.Reply{
		llmtest.CallTools("ckg", args(map[string]any{"command": "search_function", "identifier": "Title"})),
		llmtest.CallTools("str_replace_editor", args(map[string]any{"command": "str_replace", "path": "report/report.go", "old_str": `"report"`, "new_str": `"Report"`})),
		llmtest.CallTools("task_done", `{}`),
	}}
}

func TestCoderPatchIsExact(t *testing.T) {
	repo, _ := gittest.Repo(t, module)
	worktrees := t.TempDir()
	model := fixer()
	c := &coder.Coder{Agent: agent.Agent{Model: model, ModelName: "model-a"}}
	res := c.Run(t.Context(), coder.Repo{Dir: repo, WorktreeDir: worktrees}, "Average panics on an empty slice.")
	require.NoError(t, res.Err)

	want := expectedPatch(t, repo, map[string]string{
		"stats/stats.go":        strings.Replace(module["stats/stats.go"], buggy, fixed, 1),
		"stats/average_test.go": newTest,
		"stats/old.go":          "",
		"stats/logo.bin":        "\x00\x01\x02",
	})
	assert.Equal(t, want, res.Candidate.Patch)
	assert.Equal(t, "model-a", res.Candidate.ID)
	assert.Equal(t, "model-a", res.Candidate.Source)
	assert.Equal(t, []string{"stats/logo.bin"}, res.Binary)
	assert.Equal(t, []string{"reproduce_issue.py"}, res.Omitted)
	assert.Equal(t, agent.StopDone, res.Run.Reason)
	assert.Equal(t, 4, len(res.Run.Steps))

	task := model.Requests()[0].Messages[0].Text()
	assert.Contains(t, task, "Average panics on an empty slice.")
	assert.Contains(t, task, "Go go 1.22 (go.mod)", "the Coder is told the language level")
	assert.Contains(t, model.Requests()[0].System, "Reproduce the problem")
	emptyDir(t, worktrees)
}

func TestCoderKeepScratch(t *testing.T) {
	repo, _ := gittest.Repo(t, module)
	called := false
	c := &coder.Coder{Agent: agent.Agent{Model: fixer(), ModelName: "model-a"}, KeepScratch: true,
		Extra: func(_ context.Context, _ tools.Workspace, ix *ckg.Index) ([]tools.Tool, error) {
			called = true
			assert.Nil(t, ix, "without Repo.Graphs the ckg tool opens its own graph on first use")
			return nil, nil
		}}
	res := c.Run(t.Context(), coder.Repo{Dir: repo, WorktreeDir: t.TempDir()}, "fix it")
	require.NoError(t, res.Err)
	assert.True(t, called)
	assert.Contains(t, res.Candidate.Patch, "+++ b/reproduce_issue.py")
	assert.Empty(t, res.Omitted)
}

// Two Coders on one repository at once, sharing one code knowledge graph:
// exact patches each, the user's checkout untouched, no worktree left.
func TestRunAllInParallel(t *testing.T) {
	repo, _ := gittest.Repo(t, module)
	gittest.Write(t, repo, "report/report.go", "package report\n// the user's own unfinished edit\n")
	before := state(t, repo)
	worktrees := t.TempDir()
	graphs := &ckg.Shared{}
	var extraIndex *ckg.Index
	var extraRoot string
	coders := []*coder.Coder{
		{Agent: agent.Agent{Model: fixer(), ModelName: "model-a"}},
		{Agent: agent.Agent{Model: titler(), ModelName: "model-b"},
			Extra: func(_ context.Context, ws tools.Workspace, ix *ckg.Index) ([]tools.Tool, error) {
				extraIndex, extraRoot = ix, ws.Root()
				return nil, nil
			}},
	}
	results := coder.RunAll(t.Context(), coder.Repo{Dir: repo, WorktreeDir: worktrees, Graphs: graphs}, "issue", coders, 2)
	require.Len(t, results, 2)
	for _, r := range results {
		require.NoError(t, r.Err, r.Candidate.ID)
	}
	require.NotNil(t, extraIndex, "Extra gets the Coder's code knowledge graph, to share with DeepDiscovery")
	assert.Equal(t, extraRoot, extraIndex.Root(), "the graph is of the Coder's own worktree")
	assert.NotEmpty(t, extraIndex.Definitions("Title"), "and already built")
	assert.Equal(t, expectedPatch(t, repo, map[string]string{
		"stats/stats.go": strings.Replace(module["stats/stats.go"], buggy, fixed, 1), "stats/average_test.go": newTest,
		"stats/old.go": "", "stats/logo.bin": "\x00\x01\x02",
	}), results[0].Candidate.Patch)
	assert.Equal(t, expectedPatch(t, repo, map[string]string{
		"report/report.go": strings.Replace(module["report/report.go"], `"report"`, `"Report"`, 1),
	}), results[1].Candidate.Patch, "the Coder starts from the commit, not from the user's edit")
	assert.Equal(t, before, state(t, repo))
	emptyDir(t, worktrees)
	checkNoProcessIn(t, worktrees)
	assert.Len(t, coder.Candidates(results), 2)
}

// One Coder panicking and one hanging past its time limit cost the third
// nothing.
func TestRunAllSurvivesPanicAndHang(t *testing.T) {
	repo, _ := gittest.Repo(t, module)
	worktrees := t.TempDir()
	panics := llmtest.NewScript(
		llmtest.CallTools("str_replace_editor", args(map[string]any{"command": "create", "path": "half.go", "file_text": "package stats\n"})),
		func(context.Context, *llm.Request) (*llm.Response, error) { panic("the provider client blew up") },
	)
	hangs := llmtest.NewScript(func(ctx context.Context, _ *llm.Request) (*llm.Response, error) {
		<-ctx.Done()
		return nil, context.Cause(ctx)
	})
	coders := []*coder.Coder{
		{ID: "panics", Agent: agent.Agent{Model: panics}},
		{ID: "hangs", Agent: agent.Agent{Model: hangs, Limits: agent.Limits{Time: 300 * time.Millisecond}}},
		{ID: "fixes", Agent: agent.Agent{Model: fixer(), ModelName: "model-a"}},
	}
	results := coder.RunAll(t.Context(), coder.Repo{Dir: repo, WorktreeDir: worktrees}, "issue", coders, 3)

	require.Error(t, results[0].Err)
	assert.Contains(t, results[0].Error, "coder panics panicked: the provider client blew up")
	assert.Contains(t, results[0].Candidate.Patch, "+++ b/half.go", "the patch made before the panic is kept")

	require.Error(t, results[1].Err)
	assert.Contains(t, results[1].Error, "time_limit")
	assert.Empty(t, results[1].Candidate.Patch)

	require.NoError(t, results[2].Err)
	assert.Contains(t, results[2].Candidate.Patch, "+\tif len(xs) == 0 {")
	assert.Equal(t, []string{"panics", "fixes"}, ids(coder.Candidates(results)))
	emptyDir(t, worktrees)
	checkNoProcessIn(t, worktrees)
}

func TestRunAllCancelled(t *testing.T) {
	repo, _ := gittest.Repo(t, module)
	worktrees := t.TempDir()
	ctx, cancel := context.WithCancelCause(t.Context())
	stopper := llmtest.NewScript(
		llmtest.CallTools("bash", args(map[string]any{"command": "sleep 60 & echo started"})),
		func(ctx context.Context, _ *llm.Request) (*llm.Response, error) {
			cancel(errors.New("the user gave up"))
			<-ctx.Done()
			return nil, context.Cause(ctx)
		},
	)
	coders := []*coder.Coder{{ID: "a", Agent: agent.Agent{Model: stopper}}, {ID: "b", Agent: agent.Agent{Model: fixer()}}}
	results := coder.RunAll(ctx, coder.Repo{Dir: repo, WorktreeDir: worktrees}, "issue", coders, 1)
	assert.ErrorContains(t, results[0].Err, "the user gave up")
	assert.ErrorContains(t, results[1].Err, "the user gave up")
	emptyDir(t, worktrees)
	checkNoProcessIn(t, worktrees)
}

func TestCoderTaskDoneNeedsAPatch(t *testing.T) {
	repo, _ := gittest.Repo(t, module)
	model := llmtest.NewScript(
		llmtest.CallTools("task_done", `{}`),
		llmtest.CallTools("str_replace_editor", args(map[string]any{"command": "str_replace", "path": "stats/stats.go", "old_str": buggy, "new_str": fixed})),
		llmtest.CallTools("task_done", `{}`),
	)
	res := (&coder.Coder{Agent: agent.Agent{Model: model}}).Run(t.Context(), coder.Repo{Dir: repo, WorktreeDir: t.TempDir()}, "fix")
	require.NoError(t, res.Err)
	assert.Equal(t, "coder", res.Candidate.ID)
	assert.Contains(t, res.Run.Steps[0].Tools[0].Content, "no change to the code yet")
}

func TestUniqueIDs(t *testing.T) {
	m := llmtest.NewScript()
	coders := []*coder.Coder{
		{Agent: agent.Agent{Model: m, ModelName: "m"}}, {Agent: agent.Agent{Model: m, ModelName: "m"}}, {ID: "x", Agent: agent.Agent{Model: m}},
	}
	results := coder.RunAll(t.Context(), coder.Repo{Dir: t.TempDir(), WorktreeDir: t.TempDir()}, "issue", coders, 0)
	assert.Equal(t, []string{"m-1", "m-2", "x"}, []string{results[0].Candidate.ID, results[1].Candidate.ID, results[2].Candidate.ID})
	for _, r := range results {
		assert.ErrorContains(t, r.Err, "not in a git working tree")
	}
}

func ids(cs []selector.Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func emptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

// checkNoProcessIn fails if a process still runs in a directory under
// dir.
func checkNoProcessIn(t *testing.T, dir string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		if cwd, err := os.Readlink("/proc/" + e.Name() + "/cwd"); err == nil {
			assert.False(t, strings.HasPrefix(cwd, dir), "process %s still runs in %s", e.Name(), cwd)
		}
	}
}

// A Coder given a starting patch continues from it, and its candidate is
// the whole change against the base: the starting patch and its own edits.
func TestCoderStartsFromPatch(t *testing.T) {
	repo, _ := gittest.Repo(t, module)
	start := expectedPatch(t, repo, map[string]string{"stats/stats.go": strings.Replace(module["stats/stats.go"], buggy, fixed, 1)})
	model := llmtest.NewScript(
		llmtest.CallTools("str_replace_editor", args(map[string]any{"command": "create", "path": "stats/average_test.go", "file_text": newTest})),
		llmtest.CallTools("task_done", `{}`),
	)
	res := (&coder.Coder{Agent: agent.Agent{Model: model}}).Run(t.Context(), coder.Repo{Dir: repo, WorktreeDir: t.TempDir(), Patch: start}, "fix")
	require.NoError(t, res.Err)
	assert.Equal(t, expectedPatch(t, repo, map[string]string{
		"stats/stats.go":        strings.Replace(module["stats/stats.go"], buggy, fixed, 1),
		"stats/average_test.go": newTest,
	}), res.Candidate.Patch)

	bad := (&coder.Coder{ID: "x", Agent: agent.Agent{Model: llmtest.NewScript()}}).Run(t.Context(),
		coder.Repo{Dir: repo, WorktreeDir: t.TempDir(), Patch: strings.Replace(start, "len(xs)", "len(ys)", -1)}, "fix")
	assert.ErrorContains(t, bad.Err, "coder x: the starting patch")
}

// The Coder's tools work in the workspace Repo.Workspace makes, which is
// closed after the run.
func TestCoderWorkspace(t *testing.T) {
	repo, _ := gittest.Repo(t, module)
	var made []*closeCounter
	mk := func(dir string) (tools.Workspace, error) {
		l, err := tools.NewLocal(dir, &tools.LocalOptions{Env: []string{"CONCLAVE_WS=mine"}})
		if err != nil {
			return nil, err
		}
		c := &closeCounter{Local: l}
		made = append(made, c)
		return c, nil
	}
	model := llmtest.NewScript(
		llmtest.CallTools("bash", args(map[string]any{"command": "echo ws=$CONCLAVE_WS"})),
		llmtest.CallTools("str_replace_editor", args(map[string]any{"command": "str_replace", "path": "stats/stats.go", "old_str": buggy, "new_str": fixed})),
		llmtest.CallTools("task_done", `{}`),
	)
	res := (&coder.Coder{Agent: agent.Agent{Model: model}}).Run(t.Context(), coder.Repo{Dir: repo, WorktreeDir: t.TempDir(), Workspace: mk}, "fix")
	require.NoError(t, res.Err)
	assert.Contains(t, res.Run.Steps[0].Tools[0].Content, "ws=mine")
	require.Len(t, made, 1)
	assert.Equal(t, 1, made[0].closed)
}

type closeCounter struct {
	*tools.Local
	closed int
}

func (c *closeCounter) Close() error {
	c.closed++
	return c.Local.Close()
}
