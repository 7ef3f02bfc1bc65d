package llmtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
)

func TestScriptRepliesInOrderAndRecords(t *testing.T) {
	s := llmtest.NewScript(llmtest.CallTools("bash", `{"command":"ls"}`, "bash", `{"command":"pwd"}`), llmtest.Say("done"))
	s.Name = "scripted"
	req := &llm.Request{Messages: []llm.Message{llm.UserText("fix it")}}
	resp, err := s.Generate(t.Context(), req)
	require.NoError(t, err)
	calls := resp.Message.ToolCalls()
	require.Len(t, calls, 2)
	assert.Equal(t, []string{"call_1", "call_2"}, []string{calls[0].ID, calls[1].ID})
	assert.Equal(t, llm.StopToolUse, resp.StopReason)
	assert.Equal(t, "scripted", resp.Model)

	req.Messages = append(req.Messages, resp.Message, llm.Message{Role: llm.RoleUser, Parts: []llm.Part{
		llm.ToolResultPart(calls[0], "a.go", false), llm.ToolResultPart(calls[1], "/src", false),
	}})
	resp, err = s.Generate(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, "done", resp.Message.Text())

	got := s.Requests()
	require.Len(t, got, 2)
	assert.Len(t, got[0].Messages, 1, "the first request is recorded as it was, not as the caller later changed it")
	assert.Len(t, got[1].Messages, 3)
	assert.Zero(t, s.Remaining())
}

func TestScriptExhausted(t *testing.T) {
	s := llmtest.NewScript(llmtest.Say("only"))
	_, err := s.Generate(t.Context(), &llm.Request{})
	require.NoError(t, err)
	_, err = s.Generate(t.Context(), &llm.Request{Messages: []llm.Message{llm.UserText("and now?")}})
	require.ErrorIs(t, err, llmtest.ErrExhausted)
	assert.Contains(t, err.Error(), "call 2, 1 scripted")
	assert.Contains(t, err.Error(), `"and now?"`)
}

func TestScriptConcurrent(t *testing.T) {
	const n = 50
	replies := make([]llmtest.Reply, n)
	for i := range replies {
		replies[i] = llmtest.Say("x")
	}
	s := llmtest.NewScript(replies...)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := s.Generate(t.Context(), &llm.Request{})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Len(t, s.Requests(), n)
	_, err := s.Generate(t.Context(), &llm.Request{})
	assert.ErrorIs(t, err, llmtest.ErrExhausted, "each reply was used once")
}

func TestScriptKeepsMalformedArguments(t *testing.T) {
	s := llmtest.NewScript(llmtest.CallTools("bash", `{"command": "ls`), llmtest.Say("ok"))
	resp, err := s.Generate(t.Context(), &llm.Request{})
	require.NoError(t, err)
	req := &llm.Request{Messages: []llm.Message{resp.Message}}
	_, err = s.Generate(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, `{"command": "ls`, string(s.Requests()[1].Messages[0].ToolCalls()[0].Args))
}

func TestScriptCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := llmtest.NewScript(llmtest.Say("x")).Generate(ctx, &llm.Request{})
	assert.ErrorIs(t, err, context.Canceled)
}

// answer is a well-behaved fake: it calls the first offered tool when tool
// use is required and answers in text otherwise.
func answer(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	if req.ToolChoice.Mode == llm.ToolRequired && len(req.Tools) > 0 {
		return &llm.Response{
			Message:    llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart("call_w", req.Tools[0].Name, json.RawMessage(`{"city":"Paris"}`))}},
			StopReason: llm.StopToolUse,
		}, nil
	}
	return &llm.Response{Message: llm.AssistantText("Hello."), StopReason: llm.StopEnd, Usage: llm.Usage{InputTokens: 5, OutputTokens: 2}}, nil
}

func TestTestModel(t *testing.T) {
	t.Run("Script", func(t *testing.T) {
		llmtest.TestModel(t, &llmtest.Script{Fallback: answer})
	})
	t.Run("MiddlewareStack", func(t *testing.T) {
		var m llm.Model = &llmtest.Script{Fallback: answer}
		m = llm.Retry(nil)(m)
		m = llm.NewLimiter(2).Wrap(m)
		m = (&llm.Meter{}).Wrap(m)
		llmtest.TestModel(t, m)
	})
}

func TestFailExhaustedMessage(t *testing.T) {
	err := errors.New("x")
	_, got := llmtest.NewScript(llmtest.Fail(err)).Generate(t.Context(), &llm.Request{})
	assert.ErrorIs(t, got, err)
}
