package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/internal/gitx"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/replay"
)

// statsRepo is a Go module whose Average divides by zero on nothing.
var statsRepo = map[string]string{
	"go.mod":              "module example.com/stats\n\ngo 1.22\n",
	"stats/stats.go":      "package stats\n\n// Sum adds xs.\nfunc Sum(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n\n// Average is the mean of xs.\nfunc Average(xs []int) int { return Sum(xs) / len(xs) }\n",
	"stats/stats_test.go": "package stats\n\nimport \"testing\"\n\nfunc TestSum(t *testing.T) {\n\tif Sum([]int{1, 2}) != 3 {\n\t\tt.Fatal(\"bad\")\n\t}\n}\n",
}

const (
	buggyAverage = "func Average(xs []int) int { return Sum(xs) / len(xs) }"
	fixedAverage = "func Average(xs []int) int {\n\tif len(xs) == 0 {\n\t\treturn 0\n\t}\n\treturn Sum(xs) / len(xs)\n}"
	fixedLayout  = "func Average(xs []int) int {\n\t// nothing to average\n\tif len(xs) == 0 { return 0 }\n\treturn Sum(xs) / len(xs)\n}"
)

func gitInit(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"config", "user.email", "t@example.com"}, {"config", "user.name", "T"}} {
		_, err := gitx.Git(t.Context(), dir, args...)
		require.NoError(t, err)
	}
	commit(t, dir, files)
	return dir
}

// commit writes files and commits them, returning the commit id.
func commit(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	for _, args := range [][]string{{"add", "-A"}, {"commit", "-q", "-m", "commit"}} {
		_, err := gitx.Git(t.Context(), dir, args...)
		require.NoError(t, err)
	}
	id, err := gitx.Git(t.Context(), dir, "rev-parse", "HEAD")
	require.NoError(t, err)
	return strings.TrimSpace(id)
}

// call is one recorded model answer calling a tool.
func call(id, name string, args any) *llm.Response {
	b, err := json.Marshal(args)
	if err != nil {
		panic(err)
	}
	return &llm.Response{Message: llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart(id, name, b)}}, StopReason: llm.StopToolUse,
		Usage: llm.Usage{InputTokens: 1000, OutputTokens: 100}}
}

// recording writes dir/name.jsonl, a hand-written recording of responses.
func recording(t *testing.T, dir, name string, responses ...*llm.Response) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	var b strings.Builder
	for _, r := range responses {
		line, err := json.Marshal(replay.Call{Response: r})
		require.NoError(t, err)
		b.Write(append(line, '\n'))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".jsonl"), []byte(b.String()), 0o644))
}

func editCall(id, old, new string) *llm.Response {
	return call(id, "str_replace_editor", map[string]string{"command": "str_replace", "path": "stats/stats.go", "old_str": old, "new_str": new})
}

// replayConfig writes a configuration on replayed models, two Coders and a
// verifying judge, and the recordings of one run in recs.
func replayConfig(t *testing.T, dir, recs string, tester bool) string {
	t.Helper()
	recording(t, recs, "coder-a", editCall("a1", buggyAverage, fixedAverage), call("a2", "task_done", map[string]string{"summary": "fixed"}))
	recording(t, recs, "coder-b", editCall("b1", buggyAverage, fixedLayout), call("b2", "task_done", map[string]string{"summary": "fixed"}))
	recording(t, recs, "judge-v", call("v1", "submit", map[string]any{"confirmed": true, "reason": "0 for nothing"}))
	cfg := `
models:
  scripted: {provider: replay, model: claude-sonnet-4-5, recordings: "` + recs + `"}
coders:
  - {id: a, model: scripted}
  - {id: b, model: scripted}
judges:
  - {name: v, model: scripted}
sandbox: none
worktree_dir: "` + t.TempDir() + `"
`
	if tester {
		cfg += "tester: {timeout: 5m}\n"
	}
	p := filepath.Join(dir, "conclave.yaml")
	require.NoError(t, os.WriteFile(p, []byte(cfg), 0o644))
	return p
}

// conclave run on a small repository with replayed models: the patch on
// standard output applies, the run directory holds the records, and a
// second run resumes without calling a model.
func TestRunCommand(t *testing.T) {
	repo := gitInit(t, t.TempDir(), statsRepo)
	dir := t.TempDir()
	cfg := replayConfig(t, dir, filepath.Join(dir, "recs"), true)
	issue := filepath.Join(dir, "issue.md")
	require.NoError(t, os.WriteFile(issue, []byte("Average panics on an empty slice; it should return 0.\n"), 0o644))
	out := filepath.Join(dir, "run")

	code, stdout, stderr := run(t, "run", "--repo", repo, "--issue", issue, "--config", cfg, "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, "diff --git a/stats/stats.go b/stats/stats.go"), stdout)
	_, err := gitx.Git(t.Context(), repo, "apply", "--check", filepath.Join(out, "patch.diff"))
	require.NoError(t, err, "the patch applies to the repository")
	patch, err := os.ReadFile(filepath.Join(out, "patch.diff"))
	require.NoError(t, err)
	assert.Equal(t, stdout, string(patch))
	for _, want := range []string{"coder a: done after 2 steps, 2.2k tokens", "tests: done 1 suites, 2 of 2 tests pass twice", "judge v (syntax_vote): done confirmed a",
		"winner: a, decided by syntax_vote", "generate", "claude-sonnet-4-5", "run directory: " + out} {
		assert.Contains(t, stderr, want)
	}
	for _, f := range []string{"round-1/decision.json", "round-1/trajectories/a.jsonl", "round-1/tests/plan.json", "result.json"} {
		assert.FileExists(t, filepath.Join(out, f))
	}

	// The recordings are gone: a second run must not call a model.
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "recs")))
	recording(t, filepath.Join(dir, "recs"), "coder-a")
	recording(t, filepath.Join(dir, "recs"), "coder-b")
	recording(t, filepath.Join(dir, "recs"), "judge-v")
	code, stdout, stderr = run(t, "run", "--repo", repo, "--issue", issue, "--config", cfg, "--out", out, "--json")
	require.Equal(t, 0, code, stderr)
	var res runJSON
	require.NoError(t, json.Unmarshal([]byte(stdout), &res))
	assert.Equal(t, "a", res.Winner)
	assert.Equal(t, "syntax_vote", res.DecidedBy)
	assert.Equal(t, string(patch), res.Patch)
	assert.Len(t, res.Candidates, 2)
	assert.Greater(t, res.Cost, 0.0, "replayed usage is priced at the model's catalog price")
	assert.Contains(t, stderr, "coder a: resumed")
}

func TestRunCommandExitCodes(t *testing.T) {
	repo := gitInit(t, t.TempDir(), statsRepo)
	dir := t.TempDir()
	issue := filepath.Join(dir, "issue.md")
	require.NoError(t, os.WriteFile(issue, []byte("fix Average\n"), 0o644))

	code, _, stderr := run(t, "run", "--repo", repo)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "give the issue with --issue FILE")

	code, _, stderr = run(t, "run", "--repo", repo, "--issue", issue, "--config", filepath.Join(dir, "missing.yaml"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "missing.yaml")

	// Coders that answer in words and never change a file: no candidate.
	recs := filepath.Join(dir, "recs")
	words := &llm.Response{Message: llm.AssistantText("I would rather not."), StopReason: llm.StopEnd}
	recording(t, recs, "coder-a", words, words, words, words)
	cfg := filepath.Join(dir, "c.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(`
models: {m: {provider: replay, recordings: "`+recs+`"}}
coders: [{id: a, model: m}]
sandbox: none
`), 0o644))
	code, stdout, stderr := run(t, "run", "--repo", repo, "--issue", issue, "--config", cfg, "--out", filepath.Join(dir, "run"))
	assert.Equal(t, 3, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "no Coder produced a candidate: a: coder a: stopped before task_done: no_tool_call (no patch)")
}

func TestVersion(t *testing.T) {
	code, out, _ := run(t, "version")
	assert.Equal(t, 0, code)
	assert.Regexp(t, `^conclave \S+.* go1\.\d+`, out)
	code, _, _ = run(t, "version", "extra")
	assert.Equal(t, 2, code)
}

// Every command answers -h with its usage.
func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range commands {
		code, out, _ := run(t, "help", c.name)
		assert.Equal(t, 0, code, c.name)
		assert.Contains(t, out, "Usage: conclave "+c.name, c.name)
		code, _, errOut := run(t, c.name, "--help")
		assert.Equal(t, 0, code, c.name)
		assert.Contains(t, errOut, "Usage: conclave "+c.name, c.name)
	}
}
