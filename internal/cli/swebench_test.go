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
)

// conclave swebench on a small local "remote": a SWE-bench instance and a
// Multi-SWE-bench one at two commits of one repository, cloned once,
// predictions appended as each finishes, finished instances skipped when
// run again.
func TestSWEBenchCommand(t *testing.T) {
	remotes := t.TempDir()
	origin := filepath.Join(remotes, "example", "stats")
	require.NoError(t, os.MkdirAll(origin, 0o755))
	gitInit(t, origin, statsRepo)
	first, err := gitx.Git(t.Context(), origin, "rev-parse", "HEAD")
	require.NoError(t, err)
	first = strings.TrimSpace(first)
	second := commit(t, origin, map[string]string{"README": "stats\n"})

	dir := t.TempDir()
	recs := filepath.Join(dir, "recs")
	for _, id := range []string{"example__stats-1", "example__stats-2"} {
		recording(t, filepath.Join(recs, id), "coder-a", editCall("a1", buggyAverage, fixedAverage), call("a2", "task_done", map[string]string{}))
	}
	cfg := filepath.Join(dir, "conclave.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(`
models: {m: {provider: replay, model: claude-sonnet-4-5, recordings: "recs/{task}"}}
coders: [{id: a, model: m}]
sandbox: none
`), 0o644))
	instances := filepath.Join(dir, "instances.jsonl")
	lines := []map[string]any{
		{"instance_id": "example__stats-1", "repo": "example/stats", "base_commit": first, "problem_statement": "Average panics on an empty slice.",
			"FAIL_TO_PASS": "[\"never shown\"]", "version": "1.0"},
		{"org": "example", "repo": "stats", "number": 2, "base": map[string]string{"sha": second, "ref": "main"},
			"resolved_issues": []map[string]any{{"number": 7, "title": "Average panics", "body": "on an empty slice"}}, "fix_patch": "never shown"},
	}
	var b strings.Builder
	for _, l := range lines {
		j, err := json.Marshal(l)
		require.NoError(t, err)
		b.Write(append(j, '\n'))
	}
	require.NoError(t, os.WriteFile(instances, []byte(b.String()), 0o644))
	repos, out := filepath.Join(dir, "repos"), filepath.Join(dir, "predictions.jsonl")
	args := []string{"swebench", "--instances", instances, "--repos", repos, "--out", out, "--config", cfg, "--clone-url", "file://" + remotes + "/{repo}"}

	code, _, stderr := run(t, append(args, "--filter", `-1$`)...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "2 instances, 0 already predicted, 1 to run")
	preds := readPredictions(t, out)
	require.Len(t, preds, 1)
	assert.Equal(t, "example__stats-1", preds[0]["instance_id"])
	assert.Equal(t, "conclave", preds[0]["model_name_or_path"])

	// The first instance's recordings are gone: it must be skipped.
	require.NoError(t, os.RemoveAll(filepath.Join(recs, "example__stats-1")))
	code, _, stderr = run(t, append(args, "--workers", "2", "--model-name", "conclave-test")...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "2 instances, 1 already predicted, 1 to run")
	preds = readPredictions(t, out)
	require.Len(t, preds, 2)
	second2 := preds[1]
	assert.Equal(t, "example__stats-2", second2["instance_id"])
	assert.Equal(t, "conclave-test", second2["model_name_or_path"])
	assert.Equal(t, "example", second2["org"], "Multi-SWE-bench's fields for its harness")
	assert.Equal(t, second2["model_patch"], second2["fix_patch"])

	// Each patch applies at its instance's base commit; one clone serves both.
	entries, err := os.ReadDir(repos)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "example__stats", entries[0].Name())
	for i, base := range []string{first, second} {
		w := filepath.Join(t.TempDir(), "w")
		_, err := gitx.Git(t.Context(), origin, "worktree", "add", "--detach", "-q", w, base)
		require.NoError(t, err)
		p := filepath.Join(dir, "p.diff")
		require.NoError(t, os.WriteFile(p, []byte(preds[i]["model_patch"].(string)), 0o644))
		_, err = gitx.Git(t.Context(), w, "apply", "--check", p)
		assert.NoError(t, err, "prediction %d", i)
	}
	task, err := os.ReadFile(filepath.Join(out+".runs", "example__stats-2", "task.json"))
	require.NoError(t, err)
	assert.Contains(t, string(task), "Average panics\\n\\non an empty slice", "the issue of a Multi-SWE-bench instance")
	assert.NotContains(t, string(task), "never shown")
}

func readPredictions(t *testing.T, name string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

func TestReadInstances(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "i.json")
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		return p
	}
	got, err := readInstances(write(`[{"instance_id":"a__b-1","repo":"a/b","base_commit":"abc","problem_statement":"x","patch":"ignored"}]`))
	require.NoError(t, err)
	assert.Equal(t, []benchInstance{{ID: "a__b-1", Repo: "a/b", Base: "abc", Problem: "x"}}, got)

	for body, want := range map[string]string{
		`{"instance_id":"../x","repo":"a/b","base_commit":"abc","problem_statement":"x"}`:    `line 1: instance_id "../x"`,
		`{"instance_id":"x","repo":"a/../../b","base_commit":"abc","problem_statement":"x"}`: `line 1: x: repo "a/../../b" is not owner/name`,
		`{"instance_id":"x","repo":"a/b","problem_statement":"x"}`:                           "line 1: x: no base_commit",
		"\n{\"instance_id\":\"x\",\"repo\":\"a/b\",\"base_commit\":\"c\"}":                   "line 2: x: no problem_statement",
		"{\"instance_id\":\"x\",\"repo\":\"a/b\",\"base_commit\":\"c\",\"problem_statement\":\"p\"}\n{\"instance_id\":\"x\",\"repo\":\"a/b\",\"base_commit\":\"c\",\"problem_statement\":\"p\"}": "line 2: the instance x is listed twice",
		"not json": "line 1: not an instance",
	} {
		_, err := readInstances(write(body))
		assert.ErrorContains(t, err, want)
	}
}

// A predictions file cut short by a crash loses only its last line.
func TestPredictedRepairsACutLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "p.jsonl")
	require.NoError(t, os.WriteFile(p, []byte(`{"instance_id":"a","model_patch":""}`+"\n"+`{"instance_id":"b","mod`), 0o644))
	done, err := predicted(p)
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{"a": true}, done)
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, `{"instance_id":"a","model_patch":""}`+"\n", string(data))

	require.NoError(t, os.WriteFile(p, []byte("garbage\n"), 0o644))
	_, err = predicted(p)
	assert.ErrorContains(t, err, "p.jsonl:1 is not a prediction")
}

// The SWE-bench Verified instances file, where the shared benchmark data is
// at hand, reads whole.
func TestReadSWEBenchVerified(t *testing.T) {
	const file = "../../../shared/bench/swebench-verified/instances.jsonl"
	if _, err := os.Stat(file); err != nil {
		t.Skipf("the benchmark data is not here (%v); it lives beside the repository in ../shared/bench", err)
	}
	got, err := readInstances(file)
	require.NoError(t, err)
	assert.Len(t, got, 500)
	for _, in := range got {
		assert.Regexp(t, `^[0-9a-f]{40}$`, in.Base, in.ID)
		assert.NotEmpty(t, in.Problem, in.ID)
	}
}
