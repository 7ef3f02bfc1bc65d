package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/llm/replay"
)

var update = flag.Bool("update", false, "record testdata/run.jsonl again, from the scripted model below")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// history makes a repository with a release and three commits after it.
func history(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, demoRepo(dir))
	return dir
}

const notes = "## Fixes\n- The average of an empty list is now 0.\n- Sums of large numbers no longer overflow.\n\n## Features\n- Median.\n"

// scripted is the model the recording was made from: what a model does.
func scripted() llm.Model {
	return llmtest.NewScript(
		llmtest.CallTools("git_log", `{"since":"v1.0.0"}`),
		llmtest.CallTools("write_notes", `{"markdown":`+quote(notes)+`}`),
		llmtest.CallTools("task_done", `{"summary":"Release notes for 3 commits: 2 fixes, 1 feature."}`),
	)
}

// The recorded run replays: the same tool calls, the same notes, the same
// final message; the player checks every request against the recording.
func TestReplay(t *testing.T) {
	repo := history(t)
	recording := filepath.Join("testdata", "run.jsonl")
	var model llm.Model
	if *update {
		f, err := os.Create(recording)
		require.NoError(t, err)
		defer f.Close()
		model = llm.Chain(scripted(), replay.Record(f))
	} else {
		p, err := replay.Open(recording)
		require.NoError(t, err)
		p.Check = true
		model = p
	}
	a, err := NotesAgent(repo, model, "claude-sonnet-4-6")
	require.NoError(t, err)
	r, err := a.Run(t.Context(), "Write the release notes for the commits since v1.0.0.")
	require.NoError(t, err)
	assert.Equal(t, agent.StopDone, r.Reason)
	assert.Equal(t, "Release notes for 3 commits: 2 fixes, 1 feature.", r.Final)
	require.Len(t, r.Steps, 3)
	assert.Equal(t, "0000000 fix: Average of nothing is 0\n0000000 feat: Median\n0000000 fix: Sum overflows on large inputs\n", mask(r.Steps[0].Tools[0].Content))
	written, err := os.ReadFile(filepath.Join(repo, "RELEASE_NOTES.md"))
	require.NoError(t, err)
	assert.Equal(t, notes, string(written))
}

// A tool's bad arguments are an error result the model reads, not a crash.
func TestToolArguments(t *testing.T) {
	repo := history(t)
	a, err := NotesAgent(repo, llmtest.NewScript(), "m")
	require.NoError(t, err)
	tool, ok := a.Tools.Get("git_log")
	require.True(t, ok)
	res, err := tool.Run(t.Context(), []byte(`{"since":"--output=/tmp/x"}`))
	require.NoError(t, err)
	assert.True(t, res.IsError)
	res, err = tool.Run(t.Context(), []byte(`{}`))
	require.NoError(t, err)
	assert.True(t, res.IsError, "since is required")
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// mask replaces the short hashes at the start of each line with zeros.
func mask(log string) string {
	return hashes.ReplaceAllString(log, "0000000 ")
}

var hashes = regexp.MustCompile(`(?m)^[0-9a-f]{7,} `)
