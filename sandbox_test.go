package conclave_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/bwrap"
)

// A scripted Coder editing with the editor and with shell commands, and
// running the tests, makes the same patch in a bwrap sandbox as outside.
func TestSandboxedCoderSamePatch(t *testing.T) {
	if err := bwrap.Available(); err != nil {
		t.Skipf("bwrap cannot run here, so the sandbox cannot be compared: %v", err)
	}
	repo, _ := gittest.Repo(t, project)
	script := func() *llmtest.Script {
		return llmtest.NewScript(
			edit("stats/stats.go", buggy, fixed),
			llmtest.CallTools("bash", mustJSON(map[string]string{"command": "printf 'package stats\\n\\n// Max is the largest of xs.\\nfunc Max(xs []int) int { return 0 }\\n' > stats/max.go && sed -i 's/return 0 }$/return xs[0] }/' stats/max.go"})),
			llmtest.CallTools("bash", mustJSON(map[string]string{"command": "go vet ./... && go test ./... 2>&1 | tail -1"})),
			done,
		)
	}
	patch := func(workspace func(string) (tools.Workspace, error)) (string, string) {
		s := script()
		p := &conclave.Pipeline{
			Coders:      []*coder.Coder{{ID: "a", Agent: agent.Agent{Model: s, ModelName: "m"}}},
			Workspace:   workspace,
			WorktreeDir: t.TempDir(),
		}
		job, err := p.Open(t.Context(), conclave.Task{Repo: repo, Issue: issue}, t.TempDir())
		require.NoError(t, err)
		a, err := job.Generate(t.Context(), 1, "a")
		require.NoError(t, err)
		require.Empty(t, a.Error)
		// What the Coder read after running the tests.
		return a.Candidate.Patch, s.Requests()[3].Messages[len(s.Requests()[3].Messages)-1].Parts[0].ToolResult.Content
	}
	made := 0
	sandboxed, tests := patch(func(dir string) (tools.Workspace, error) {
		made++
		return bwrap.New(dir, nil)
	})
	local, _ := patch(nil)
	assert.Contains(t, tests, "ok  \texample.com/stats/stats", "go runs in the sandbox")
	assert.Equal(t, 1, made, "the Coder's workspace was a sandbox")
	assert.Contains(t, local, "+func Max(xs []int) int { return xs[0] }")
	assert.Equal(t, local, sandboxed)
}
