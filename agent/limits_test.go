package agent_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/think"
)

// costly replies with a call to noop that used the given tokens.
func costly(input, output int) llmtest.Reply {
	return func(ctx context.Context, req *llm.Request) (*llm.Response, error) {
		resp, err := llmtest.CallTools("noop", `{}`)(ctx, req)
		if resp != nil {
			resp.Usage = llm.Usage{InputTokens: input, OutputTokens: output}
		}
		return resp, err
	}
}

func noopTools(t testing.TB) *tools.Set {
	noop := tools.NewFunc("noop", "Does nothing.", func(context.Context, struct{}) (tools.Result, error) {
		return tools.Result{Content: "nothing done"}, nil
	})
	set, err := tools.NewSet(noop, think.NewTaskDone(nil))
	require.NoError(t, err)
	return set
}

func TestLimits(t *testing.T) {
	for _, tc := range []struct {
		name   string
		limits agent.Limits
		reason agent.StopReason
		calls  int // model calls answered
	}{
		{"Steps", agent.Limits{Steps: 3}, agent.StopSteps, 3},
		{"Tokens", agent.Limits{Tokens: 2000}, agent.StopBudget, 3},
		{"Dollars", agent.Limits{Dollars: 1}, agent.StopBudget, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			model := &llmtest.Script{Fallback: costly(600, 100)}
			a := &agent.Agent{
				Model: model, ModelName: "pricey", Tools: noopTools(t), Limits: tc.limits,
				Prices: map[string]llm.Price{"pricey": {Input: 1000}}, // $0.60 a call
			}
			run, err := a.Run(t.Context(), "task")
			require.NoError(t, err, "a limit is a result, not an error")
			assert.Equal(t, tc.reason, run.Reason)
			assert.Len(t, model.Requests(), tc.calls)
			totals := run.Usage["pricey"]
			assert.Equal(t, tc.calls, totals.Calls)
			assert.InDelta(t, 0.6*float64(tc.calls), totals.Cost, 1e-9)
			assert.Equal(t, 700*tc.calls, run.Totals().Usage.Total())
		})
	}
}

func TestTimeLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hang := tools.NewFunc("hang", "", func(ctx context.Context, _ struct{}) (tools.Result, error) {
			<-ctx.Done()
			return tools.Result{}, context.Cause(ctx)
		})
		set, err := tools.NewSet(hang)
		require.NoError(t, err)
		a := &agent.Agent{
			Model:  &llmtest.Script{Fallback: llmtest.CallTools("hang", `{}`)},
			Tools:  set,
			Limits: agent.Limits{Time: time.Minute},
		}
		start := time.Now()
		run, err := a.Run(t.Context(), "task")
		require.NoError(t, err)
		assert.Equal(t, agent.StopTime, run.Reason)
		assert.Equal(t, time.Minute, time.Since(start))
		assert.Len(t, run.Steps, 1)
	})
}

func TestCancelStopsPromptlyAndKillsProcesses(t *testing.T) {
	dir, _ := gittest.Repo(t, map[string]string{"a.txt": "a\n"})
	fifo := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	cmd := "sleep 300 & echo $! > " + fifo + "; wait"
	a := &agent.Agent{
		Model: llmtest.NewScript(llmtest.CallTools("bash", args(t, map[string]string{"command": cmd}))),
		Tools: coderTools(t, dir, nil),
	}
	ctx, cancel := context.WithCancel(t.Context())
	pid := make(chan int, 1)
	go func() {
		f, err := os.Open(fifo) // blocks until the command writes
		if err != nil {
			pid <- 0
			return
		}
		defer f.Close()
		line, _ := bufio.NewReader(f).ReadString('\n')
		n, _ := strconv.Atoi(strings.TrimSpace(line))
		pid <- n
		cancel()
	}()
	run, err := a.Run(ctx, "task")
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, agent.StopCancelled, run.Reason)
	assert.Len(t, run.Steps, 1)
	sleeper := <-pid
	require.NotZero(t, sleeper)
	assert.False(t, alive(sleeper), "the command's process %d outlived the run", sleeper)
}

// alive reports whether pid runs and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

func TestUsageIsJSON(t *testing.T) {
	model := &llmtest.Script{Fallback: costly(10, 5)}
	a := &agent.Agent{Model: model, ModelName: "m", Tools: noopTools(t), Limits: agent.Limits{Steps: 2}}
	run, err := a.Run(t.Context(), "task")
	require.NoError(t, err)
	b, err := json.Marshal(run)
	require.NoError(t, err)
	var back agent.Run
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, run.Usage, back.Usage)
	assert.Equal(t, agent.StopSteps, back.Reason)
	assert.Len(t, back.Steps, 2)
}
