package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/llm"
)

// provider is a fake provider with a context window: it counts a
// request's tokens as a quarter of its JSON size, refuses a request over
// the window as a real API does, and reports as cache reads the prefix the
// request shares with the previous one, as prompt caching would.
type provider struct {
	window int
	reply  func(n int, req *llm.Request) *llm.Response

	mu      sync.Mutex
	calls   int
	prev    []byte
	refused int
	largest int
	usage   []llm.Usage // per answered call
}

func (p *provider) Generate(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	b, err := json.Marshal(struct {
		System   string
		Tools    []llm.ToolSpec
		Messages []llm.Message
	}{req.System, req.Tools, req.Messages})
	if err != nil {
		return nil, err
	}
	tokens := len(b) / 4
	p.mu.Lock()
	defer p.mu.Unlock()
	if tokens > p.window {
		p.refused++
		return nil, &llm.APIError{Provider: "fake", StatusCode: 400, Message: fmt.Sprintf("prompt is too long: %d tokens > %d maximum", tokens, p.window), Err: llm.ErrContextLength}
	}
	p.largest = max(p.largest, tokens)
	shared := 0
	for shared < min(len(b), len(p.prev)) && b[shared] == p.prev[shared] {
		shared++
	}
	p.prev = b
	p.calls++
	resp := p.reply(p.calls, req)
	resp.Usage = llm.Usage{InputTokens: tokens - shared/4, CacheReadTokens: shared / 4, OutputTokens: 20}
	p.usage = append(p.usage, resp.Usage)
	return resp, nil
}

// viewer replies with views of file until step last, then task_done.
func viewer(file string, last int) func(n int, req *llm.Request) *llm.Response {
	return func(n int, req *llm.Request) *llm.Response {
		if n >= last {
			return &llm.Response{Message: llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart(fmt.Sprint("c", n), "task_done", json.RawMessage(`{"summary":"read it all"}`))}}, StopReason: llm.StopToolUse}
		}
		from := 1 + (n*7)%150
		args := fmt.Sprintf(`{"command":"view","path":%q,"view_range":[%d,%d]}`, file, from, from+40)
		return &llm.Response{Message: llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{
			llm.TextPart(fmt.Sprintf("Reading lines %d on.", from)),
			llm.ToolCallPart(fmt.Sprint("c", n), "str_replace_editor", json.RawMessage(args)),
		}}, StopReason: llm.StopToolUse}
	}
}

func summarizer(window int) *provider {
	return &provider{window: window, reply: func(n int, req *llm.Request) *llm.Response {
		return &llm.Response{Message: llm.AssistantText(fmt.Sprintf("Summary %d: the agent viewed big.txt in ranges of 40 lines.", n)), StopReason: llm.StopEnd}
	}}
}

func bigFile() string {
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, "line %d: the quick brown fox jumps over the lazy dog, again and again and again\n", i+1)
	}
	return b.String()
}

func TestLongRunFitsASmallWindow(t *testing.T) {
	const window, steps = 8000, 200
	dir, _ := gittest.Repo(t, map[string]string{"big.txt": bigFile()})
	model := &provider{window: window, reply: viewer("big.txt", steps)}
	summ := summarizer(window)
	var ev events
	const system, task = "You read files.", "Read big.txt, all of it, many times."
	a := &agent.Agent{
		Model: model, Summarizer: summ, Window: window, System: system,
		Tools: coderTools(t, dir, nil), Limits: agent.Limits{Steps: steps + 10}, Observer: ev.observe,
	}
	run, err := a.Run(t.Context(), task)
	require.NoError(t, err)
	assert.Equal(t, agent.StopDone, run.Reason)
	assert.Len(t, run.Steps, steps)
	assert.Zero(t, model.refused, "no request was refused for its length")
	assert.Zero(t, summ.refused)
	assert.LessOrEqual(t, model.largest, window)
	var elided, summaries int
	for _, e := range ev.list {
		if e.Kind == agent.EventTrim {
			switch e.Trim.Stage {
			case "elide":
				elided++
			case "summary":
				summaries++
			}
			assert.Equal(t, task, e.Trim.History[0].Parts[0].Text, "the task is kept verbatim")
		}
		if e.Kind == agent.EventModelCall {
			assert.Empty(t, e.Model.Error)
		}
	}
	assert.Positive(t, elided)
	assert.Positive(t, summaries)
	assert.Equal(t, summaries, summ.calls)
	assert.Equal(t, steps+summaries, run.Totals().Calls, "summaries count in the run's usage")
	t.Logf("%d steps in an %d-token window: %d elisions, %d summaries, largest request %d tokens", steps, window, elided, summaries, model.largest)
	assert.Equal(t, task, run.Messages[0].Parts[0].Text)
}

func TestPromptCacheSurvivesATrim(t *testing.T) {
	const window, steps = 30000, 50
	dir, _ := gittest.Repo(t, map[string]string{"big.txt": bigFile()})
	model := &provider{window: window, reply: viewer("big.txt", steps)}
	var trimSteps []int
	a := &agent.Agent{
		Model: model, Summarizer: summarizer(window), Window: window,
		Tools: coderTools(t, dir, nil),
		Observer: func(e agent.Event) {
			if e.Kind == agent.EventTrim {
				trimSteps = append(trimSteps, e.Step)
			}
		},
	}
	run, err := a.Run(t.Context(), "Read big.txt.")
	require.NoError(t, err)
	require.Equal(t, agent.StopDone, run.Reason)
	require.NotEmpty(t, trimSteps)
	trim := trimSteps[0]
	hit := func(u llm.Usage) float64 {
		return float64(u.CacheReadTokens) / float64(u.InputTokens+u.CacheReadTokens)
	}
	var before, after []float64
	for i, u := range model.usage {
		step := i + 1
		switch {
		case step > 5 && step < trim: // the first steps add much to little
			before = append(before, hit(u))
		case step > trim && !contains(trimSteps, step):
			after = append(after, hit(u))
		}
	}
	mean := func(xs []float64) float64 {
		s := 0.0
		for _, x := range xs {
			s += x
		}
		return s / float64(len(xs))
	}
	t.Logf("cache-read share of input per step: %.2f before the first trim (steps 6-%d), %.2f at it (step %d), %.2f after (%d steps, %d trims in all)",
		mean(before), trim-1, hit(model.usage[trim-1]), trim, mean(after), len(after), len(trimSteps))
	assert.Greater(t, mean(before), 0.8)
	assert.Less(t, hit(model.usage[trim-1]), mean(before), "a trim changes the prefix once")
	assert.Greater(t, mean(after), 0.8, "the cache works again after the trim")
	for _, i := range []int{trim, trim + 1} { // the step right after a trim reads the cache again
		if !contains(trimSteps, i+1) && i < len(model.usage) {
			assert.Greater(t, hit(model.usage[i]), 0.8, "step %d", i+1)
		}
	}
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestContextLengthErrorTrimsAndRetries(t *testing.T) {
	const window = 6000
	dir, _ := gittest.Repo(t, map[string]string{"big.txt": bigFile()})
	model := &provider{window: window, reply: viewer("big.txt", 40)}
	a := &agent.Agent{Model: model, Summarizer: summarizer(window), Tools: coderTools(t, dir, nil)} // window unknown
	run, err := a.Run(t.Context(), "Read big.txt.")
	require.NoError(t, err)
	assert.Equal(t, agent.StopDone, run.Reason)
	retried := 0
	for _, s := range run.Steps {
		if s.Model.Retried {
			retried++
			assert.NotEmpty(t, s.Trims)
		}
	}
	assert.Equal(t, 1, model.refused, "after one refusal the window is known and trims come first")
	assert.Equal(t, 1, retried)
}

func TestTaskLargerThanTheWindow(t *testing.T) {
	model := &provider{window: 1000, reply: viewer("x", 5)}
	a := &agent.Agent{Model: model, Window: 1000}
	run, err := a.Run(t.Context(), strings.Repeat("a very long task ", 1000))
	require.NoError(t, err)
	assert.Equal(t, agent.StopContext, run.Reason)
	assert.Zero(t, model.calls)
}
