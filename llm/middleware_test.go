package llm_test

import (
	"bytes"
	"context"
	"errors"
	"iter"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
)

func ptr[T any](v T) *T { return &v }

// failingStream streams its events, then fails with err.
type failingStream struct {
	events []llm.Event
	err    error
	calls  *int
}

func (f *failingStream) Generate(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	return llm.Collect(f.Stream(ctx, req))
}

func (f *failingStream) Stream(ctx context.Context, req *llm.Request) iter.Seq2[llm.Event, error] {
	return func(yield func(llm.Event, error) bool) {
		*f.calls++
		for _, ev := range f.events {
			if !yield(ev, nil) {
				return
			}
		}
		yield(llm.Event{}, f.err)
	}
}

func TestLimiterBoundsConcurrency(t *testing.T) {
	const limit, callers = 2, 6
	lim := llm.NewLimiter(limit)
	var inFlight, peak atomic.Int32
	release := make(chan struct{})
	entered := make(chan struct{}, callers)
	inner := llm.ModelFunc(func(ctx context.Context, req *llm.Request) (*llm.Response, error) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		entered <- struct{}{}
		<-release
		inFlight.Add(-1)
		return &llm.Response{Message: llm.AssistantText("ok"), StopReason: llm.StopEnd}, nil
	})
	// Two models share the limiter, as an ensemble sharing a quota would.
	a, b := lim.Wrap(inner), lim.Wrap(inner)
	var wg sync.WaitGroup
	for i := range callers {
		m := a
		if i%2 == 1 {
			m = b
		}
		wg.Go(func() {
			_, err := m.Generate(t.Context(), &llm.Request{})
			assert.NoError(t, err)
		})
	}
	for range limit {
		<-entered
	}
	assert.Equal(t, limit, lim.InFlight())
	close(release)
	wg.Wait()
	assert.EqualValues(t, limit, peak.Load())
	assert.Zero(t, lim.InFlight())
}

func TestLimiterWaitEndsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim := llm.NewLimiter(1)
		block := make(chan struct{})
		m := lim.Wrap(llm.ModelFunc(func(ctx context.Context, req *llm.Request) (*llm.Response, error) {
			<-block
			return &llm.Response{}, nil
		}))
		go m.Generate(context.Background(), &llm.Request{})
		synctest.Wait()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := m.Generate(ctx, &llm.Request{})
		assert.ErrorIs(t, err, context.Canceled)
		close(block)
	})
}

func TestNewLimiterRejectsZero(t *testing.T) {
	assert.PanicsWithValue(t, "llm: NewLimiter(0): the limit must be at least 1", func() { llm.NewLimiter(0) })
}

func usageReply(model string, u llm.Usage) llmtest.Reply {
	return llmtest.Respond(&llm.Response{Model: model, Message: llm.AssistantText("ok"), StopReason: llm.StopEnd, Usage: u})
}

func TestMeterCountsPerModel(t *testing.T) {
	mt := &llm.Meter{Prices: map[string]llm.Price{
		"claude-sonnet-4-5": {Input: 3, Output: 15, CacheRead: 0.3, CacheWrite: 3.75},
		"claude":            {Input: 100, Output: 100},
		"gpt-5":             {Input: 1.25, Output: 10},
	}}
	sonnet := mt.Wrap(llmtest.NewScript(
		usageReply("claude-sonnet-4-5-20250929", llm.Usage{InputTokens: 1_000_000, OutputTokens: 100_000}),
		usageReply("claude-sonnet-4-5-20250929", llm.Usage{InputTokens: 10, CacheReadTokens: 1_000_000, CacheWriteTokens: 1_000_000}),
	))
	gpt := mt.Wrap(llmtest.NewScript(usageReply("gpt-5", llm.Usage{InputTokens: 2_000_000, OutputTokens: 1_000_000, ReasoningTokens: 500})))
	other := mt.Wrap(llmtest.NewScript(usageReply("mystery-1", llm.Usage{InputTokens: 5})))
	for _, m := range []llm.Model{sonnet, sonnet, gpt, other} {
		_, err := m.Generate(t.Context(), &llm.Request{})
		require.NoError(t, err)
	}
	totals := mt.Totals()
	s := totals["claude-sonnet-4-5-20250929"]
	assert.Equal(t, 2, s.Calls)
	assert.InDelta(t, 3+1.5+0.3+3.75+0.00003, s.Cost, 1e-9, "priced by the longest prefix, not by \"claude\"")
	assert.InDelta(t, 2.5+10, totals["gpt-5"].Cost, 1e-9)
	assert.Equal(t, 1, totals["mystery-1"].Unpriced)
	spent := mt.Spent()
	assert.Equal(t, 4, spent.Calls)
	assert.Equal(t, 1_000_010+2_000_000+5, spent.Usage.InputTokens)
	assert.Equal(t, 500, spent.Usage.ReasoningTokens)
}

func TestMeterBudget(t *testing.T) {
	t.Run("tokens", func(t *testing.T) {
		mt := &llm.Meter{Budget: llm.Budget{Tokens: 150}}
		script := llmtest.NewScript(
			usageReply("m", llm.Usage{InputTokens: 100}),
			usageReply("m", llm.Usage{InputTokens: 100}),
			usageReply("m", llm.Usage{InputTokens: 100}),
		)
		m := mt.Wrap(script)
		for range 2 {
			_, err := m.Generate(t.Context(), &llm.Request{})
			require.NoError(t, err)
		}
		_, err := m.Generate(t.Context(), &llm.Request{})
		assert.ErrorIs(t, err, llm.ErrBudgetExceeded)
		assert.Len(t, script.Requests(), 2, "no request is sent once the budget is spent")
		_, err = llm.Collect(llm.Stream(t.Context(), m, &llm.Request{}))
		assert.ErrorIs(t, err, llm.ErrBudgetExceeded, "streams are refused too")
	})
	t.Run("dollars", func(t *testing.T) {
		mt := &llm.Meter{Prices: map[string]llm.Price{"m": {Input: 10}}, Budget: llm.Budget{Dollars: 1}}
		script := llmtest.NewScript(usageReply("m", llm.Usage{InputTokens: 100_000}), usageReply("m", llm.Usage{}))
		m := mt.Wrap(script)
		_, err := m.Generate(t.Context(), &llm.Request{Model: "m"})
		require.NoError(t, err)
		_, err = m.Generate(t.Context(), &llm.Request{Model: "m"})
		require.ErrorIs(t, err, llm.ErrBudgetExceeded)
		assert.Contains(t, err.Error(), "$1.0000 spent")
	})
	t.Run("dollar budget needs a price", func(t *testing.T) {
		mt := &llm.Meter{Budget: llm.Budget{Dollars: 1}}
		_, err := mt.Wrap(llmtest.NewScript()).Generate(t.Context(), &llm.Request{Model: "unknown-model"})
		require.Error(t, err)
		assert.Contains(t, err.Error(), `no price for model "unknown-model": add it to Meter.Prices`)
	})
}

func TestMeterStream(t *testing.T) {
	mt := &llm.Meter{}
	m := mt.Wrap(llmtest.NewScript(usageReply("m", llm.Usage{InputTokens: 7, OutputTokens: 3})))
	_, err := llm.Collect(llm.Stream(t.Context(), m, &llm.Request{}))
	require.NoError(t, err)
	assert.Equal(t, llm.Totals{Calls: 1, Usage: llm.Usage{InputTokens: 7, OutputTokens: 3}, Unpriced: 1}, mt.Totals()["m"])
}

func TestLogNeverLogsContent(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := llm.Log(

		logger)(llmtest.NewScript(
		usageReply("m-1", llm.Usage{InputTokens: 11, OutputTokens: 2}),
		llmtest.Fail(apiErr(429)),
	))

	req := &llm.Request{Model: "m-1", Messages: []llm.Message{llm.UserText("secret prompt sk-ant-123")}}
	_, err := m.Generate(t.Context(), req)
	require.NoError(t, err)
	_, err = m.Generate(t.Context(), req)
	require.Error(t, err)
	out := buf.String()
	assert.NotContains(t, out, "secret prompt")
	assert.NotContains(t, out, "sk-ant-123")
	assert.Contains(t, out, `"input":11`)
	assert.Contains(t, out, `"level":"WARN"`)
	assert.Contains(t, out, `"messages":1`)
}

func TestMiddlewareKeepsStreaming(t *testing.T) {
	calls := 0
	inner := &failingStream{events: []llm.Event{{Kind: llm.EventText, Text: "a"}}, err: errors.New("cut"), calls: &calls}
	m := llm.Log(slog.New(slog.DiscardHandler))(llm.NewLimiter(1).Wrap((&llm.Meter{}).Wrap(inner)))
	_, ok := m.(llm.Streamer)
	require.True(t, ok, "middleware models stream")
	var texts []string
	for ev, err := range llm.Stream(t.Context(), m, &llm.Request{}) {
		if err != nil {
			break
		}
		texts = append(texts, ev.Text)
	}
	assert.Equal(t, []string{"a"}, texts, "events come through the inner model's Stream, not a replay")
	assert.Equal(t, 1, calls)
}

func TestChainOrder(t *testing.T) {
	var order []string
	mark := func(name string) llm.Middleware {
		return func(m llm.Model) llm.Model {
			return llm.ModelFunc(func(ctx context.Context, req *llm.Request) (*llm.Response, error) {
				order = append(order, name)
				return m.Generate(ctx, req)
			})
		}
	}
	script := llmtest.NewScript(llmtest.Say("ok"))
	m := llm.Chain(script, mark("outer"), mark("middle"), mark("inner"))
	_, err := m.Generate(t.Context(), &llm.Request{})
	require.NoError(t, err)
	assert.Equal(t, []string{"outer", "middle", "inner"}, order)
	assert.Same(t, script, llm.Chain(script), "no middleware leaves the model as it is")
}
