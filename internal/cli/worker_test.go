package cli

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/internal/gitx"
)

func TestWorkerUsage(t *testing.T) {
	code, _, stderr := run(t, "worker")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "give --temporal ADDRESS and --store DIR")

	dir := t.TempDir()
	instances := filepath.Join(dir, "i.jsonl")
	require.NoError(t, os.WriteFile(instances, []byte(`{"instance_id":"a__b-1","repo":"a/b","base_commit":"abc","problem_statement":"x"}`+"\n"), 0o644))
	code, _, stderr = run(t, "swebench", "--instances", instances, "--out", filepath.Join(dir, "p.jsonl"), "--temporal", "localhost:7233")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "give --store DIR")
}

// A cluster that cannot be reached is an error that says so, not a hang.
func TestSWEBenchTemporalUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	dir := t.TempDir()
	instances := filepath.Join(dir, "i.jsonl")
	require.NoError(t, os.WriteFile(instances, []byte(`{"instance_id":"a__b-1","repo":"a/b","base_commit":"abc","problem_statement":"x"}`+"\n"), 0o644))
	code, _, stderr := run(t, "swebench", "--instances", instances, "--out", filepath.Join(dir, "p.jsonl"), "--temporal", addr, "--store", filepath.Join(dir, "store"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "connecting to Temporal at "+addr)
}

// Against a dev server (TEMPORAL_ADDRESS): a worker runs what 'conclave
// swebench --temporal' submits, and the prediction is written.
func TestWorkerAndSubmitOnDevServer(t *testing.T) {
	addr := os.Getenv("TEMPORAL_ADDRESS")
	if addr == "" {
		t.Skip("TEMPORAL_ADDRESS is not set: run scripts/temporal-dev.sh and set TEMPORAL_ADDRESS=localhost:7233 to run this test against a dev server")
	}
	remotes := t.TempDir()
	origin := filepath.Join(remotes, "example", "stats")
	require.NoError(t, os.MkdirAll(origin, 0o755))
	gitInit(t, origin, statsRepo)
	base, err := gitx.Git(t.Context(), origin, "rev-parse", "HEAD")
	require.NoError(t, err)
	dir := t.TempDir()
	recording(t, filepath.Join(dir, "recs", "worker"), "coder-a", editCall("a1", buggyAverage, fixedAverage), call("a2", "task_done", map[string]string{}))
	cfg := filepath.Join(dir, "conclave.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(`
models: {m: {provider: replay, model: claude-sonnet-4-5, recordings: "recs/{task}"}}
coders: [{id: a, model: m}]
sandbox: none
`), 0o644))
	instances := filepath.Join(dir, "instances.jsonl")
	line, err := json.Marshal(map[string]any{"instance_id": "example__stats-9", "repo": "example/stats", "base_commit": strings.TrimSpace(base), "problem_statement": "Average panics on an empty slice."})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(instances, append(line, '\n'), 0o644))
	store, out := filepath.Join(dir, "store"), filepath.Join(dir, "predictions.jsonl")
	queue := "cli-e2e-" + filepath.Base(dir)

	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var workerCode int
	var workerErr strings.Builder
	wg.Go(func() {
		workerCode = Main(ctx, []string{"worker", "--temporal", addr, "--store", store, "--config", cfg, "--queue", queue, "--dir", filepath.Join(dir, "w")}, &strings.Builder{}, &workerErr)
	})
	code, _, stderr := run(t, "swebench", "--instances", instances, "--out", out, "--temporal", addr, "--store", store, "--queue", queue,
		"--clone-url", "file://"+remotes+"/{repo}")
	stop()
	wg.Wait()
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, 0, workerCode, workerErr.String())
	assert.Contains(t, stderr, "[1/1] example__stats-9: a, decided by")
	preds := readPredictions(t, out)
	require.Len(t, preds, 1)
	assert.Contains(t, preds[0]["model_patch"], "if len(xs) == 0")
	t.Logf("client: %s", strings.TrimSpace(stderr))
}
