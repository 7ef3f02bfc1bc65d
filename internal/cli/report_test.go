package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/selector"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeRun writes a small run directory: a task, two attempts and the
// selection's decision.
func writeRun(t *testing.T, dir, id string) {
	t.Helper()
	put := func(name string, v any) {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	put("task.json", conclave.Task{ID: id, Issue: "div by zero <script>alert(1)</script>"})
	cands := []selector.Candidate{
		{ID: "a", Source: "claude", Patch: calcPatch("    return a / b if b else 0")},
		{ID: "b", Source: "gpt", Patch: calcPatch("    return None if b == 0 else a / b")},
	}
	for _, c := range cands {
		put("round-1/candidates/"+c.ID+".json", conclave.Attempt{Coder: c.ID, Round: 1, Candidate: c, Model: c.Source, Steps: 3})
	}
	pool, err := selector.NewPool("div", nil, cands)
	require.NoError(t, err)
	d, err := selector.Selector{Stages: []selector.Stage{selector.ContentFilter{}, selector.SyntaxCluster{}, selector.SyntaxVote{}}}.Run(context.Background(), pool)
	require.NoError(t, err)
	put("round-1/decision.json", d)
}

func TestReportRun(t *testing.T) {
	dir := t.TempDir()
	writeRun(t, dir, "calc-1")
	code, stdout, stderr := run(t, "report", dir)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, filepath.Join(dir, "report.html")+"\n", stdout)
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), "<h1>calc-1</h1>")
	assert.Contains(t, string(page), "div by zero &lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, string(page), "the run has not finished")

	out := filepath.Join(t.TempDir(), "x.html")
	code, _, stderr = run(t, "report", "--out", out, dir)
	require.Equal(t, 0, code, stderr)
	assert.FileExists(t, out)
}

func TestReportIndex(t *testing.T) {
	runs := t.TempDir()
	writeRun(t, filepath.Join(runs, "calc-1"), "calc-1")
	writeRun(t, filepath.Join(runs, "calc-2"), "calc-2")
	out := filepath.Join(t.TempDir(), "index.html")
	code, stdout, stderr := run(t, "report", runs, "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, out+" (2 runs)\n", stdout)
	index, err := os.ReadFile(out)
	require.NoError(t, err)
	rel, err := filepath.Rel(filepath.Dir(out), filepath.Join(runs, "calc-2", "report.html"))
	require.NoError(t, err)
	assert.Contains(t, string(index), `href="`+filepath.ToSlash(rel)+`"`)
	assert.FileExists(t, filepath.Join(runs, "calc-1", "report.html"))
	assert.FileExists(t, filepath.Join(runs, "calc-2", "report.html"))

	code, _, _ = run(t, "report", runs)
	require.Equal(t, 0, code)
	index, err = os.ReadFile(filepath.Join(runs, "index.html"))
	require.NoError(t, err)
	assert.Contains(t, string(index), `href="calc-1/report.html"`)

	// The predictions file stands for its runs directory.
	preds := filepath.Join(t.TempDir(), "predictions.jsonl")
	require.NoError(t, os.WriteFile(preds, nil, 0o644))
	require.NoError(t, os.CopyFS(preds+".runs", os.DirFS(runs)))
	code, stdout, stderr = run(t, "report", preds)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, filepath.Join(preds+".runs", "index.html")+" (2 runs)\n", stdout)
}

func TestReportErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"no directory", nil, 2, "give the run directory"},
		{"missing", []string{filepath.Join(t.TempDir(), "nope")}, 2, "no such file"},
		{"a file", []string{file}, 2, "is not a directory"},
		{"empty", []string{t.TempDir()}, 1, "holds no run directory"},
		{"two", []string{t.TempDir(), "more"}, 2, "unexpected arguments: more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, append([]string{"report"}, tc.args...)...)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, stderr, tc.says)
		})
	}
}

func TestSelectReport(t *testing.T) {
	dir := t.TempDir()
	batch := writeLines(t, dir, "batch.jsonl", batchLines(func(int) any { return nil })...)
	page := filepath.Join(dir, "select.html")
	code, _, stderr := run(t, "select", "--batch", batch, "--out", filepath.Join(dir, "out.jsonl"), "--report", page)
	require.Equal(t, 0, code, stderr)
	b, err := os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(b), `<a href="#run-1">calc</a>`)
	assert.Contains(t, string(b), `<a href="#run-2">text</a>`)
	assert.Equal(t, 1, strings.Count(string(b), "<script"))
}

// TestReportOfRun: the page of a run conclave run made, with replayed
// models, finds every record and trajectory the run wrote.
func TestReportOfRun(t *testing.T) {
	repo := gitInit(t, t.TempDir(), statsRepo)
	dir := t.TempDir()
	cfg := replayConfig(t, dir, filepath.Join(dir, "recs"), false)
	issue := filepath.Join(dir, "issue.md")
	require.NoError(t, os.WriteFile(issue, []byte("Average panics on an empty slice; it should return 0.\n"), 0o644))
	out := filepath.Join(dir, "run")
	code, _, stderr := run(t, "run", "--repo", repo, "--issue", issue, "--config", cfg, "--out", out)
	require.Equal(t, 0, code, stderr)

	code, _, stderr = run(t, "report", out)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr, "every record and trajectory was read")
	b, err := os.ReadFile(filepath.Join(out, "report.html"))
	require.NoError(t, err)
	page := string(b)
	for _, want := range []string{
		`<span class="muted">winner</span><b>a</b>chosen by syntax_vote`,
		"coder a, round 1: 2 steps", "coder b, round 1: 2 steps",
		"verifier, syntax_vote: 1 steps",
		`The verifier <span class="good">confirmed</span> a: 0 for nothing`,
		"<td>claude-sonnet-4-5</td>",
	} {
		assert.Contains(t, page, want)
	}
	assert.NotContains(t, page, "not found in the run directory")
}
