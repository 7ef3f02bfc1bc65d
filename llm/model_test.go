package llm_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
)

func TestStreamReplaysGenerate(t *testing.T) {
	resp := &llm.Response{
		Message: llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{
			{Kind: llm.KindReasoning, Text: "think"},
			llm.TextPart("look"),
			llm.ToolCallPart("c1", "bash", json.RawMessage(`{"command":"ls"}`)),
		}},
		StopReason: llm.StopToolUse,
		Usage:      llm.Usage{InputTokens: 3},
	}
	var kinds []llm.EventKind
	var final *llm.Response
	for ev, err := range llm.Stream(t.Context(), llmtest.NewScript(llmtest.Respond(resp)), &llm.Request{}) {
		require.NoError(t, err)
		kinds = append(kinds, ev.Kind)
		if ev.Kind == llm.EventDone {
			final = ev.Response
		}
	}
	assert.Equal(t, []llm.EventKind{llm.EventReasoning, llm.EventText, llm.EventToolCall, llm.EventUsage, llm.EventDone}, kinds)
	assert.Equal(t, resp.Message, final.Message)
}

func TestCollect(t *testing.T) {
	boom := errors.New("boom")
	_, err := llm.Collect(llm.Stream(t.Context(), llmtest.NewScript(llmtest.Fail(boom)), &llm.Request{}))
	assert.ErrorIs(t, err, boom)
	_, err = llm.Collect(func(yield func(llm.Event, error) bool) { yield(llm.Event{Kind: llm.EventText}, nil) })
	assert.ErrorContains(t, err, "without a done event")
}

func TestMessageHelpers(t *testing.T) {
	m := llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{
		llm.TextPart("a"), {Kind: llm.KindReasoning, Text: "hidden"}, llm.ToolCallPart("1", "x", nil), llm.TextPart("b"), llm.ToolCallPart("2", "y", nil),
	}}
	assert.Equal(t, "ab", m.Text())
	calls := m.ToolCalls()
	require.Len(t, calls, 2)
	assert.Equal(t, "y", calls[1].Name)
	res := llm.ToolResultPart(calls[0], "out", true)
	assert.Equal(t, &llm.ToolResult{CallID: "1", Name: "x", Content: "out", IsError: true}, res.ToolResult)
}

func TestMessageJSONRoundTrip(t *testing.T) {
	m := llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{
		{Kind: llm.KindReasoning, Text: "t", Opaque: &llm.Opaque{Provider: "anthropic", Signature: "sig"}},
		llm.ToolCallPart("1", "bash", json.RawMessage(`{"command":"ls"}`)),
	}}
	buf, err := json.Marshal(m)
	require.NoError(t, err)
	var back llm.Message
	require.NoError(t, json.Unmarshal(buf, &back))
	assert.Equal(t, m, back)
}

func TestAPIError(t *testing.T) {
	tests := []struct {
		err       *llm.APIError
		is        error
		retryable bool
	}{
		{&llm.APIError{StatusCode: 429}, llm.ErrRateLimited, true},
		{&llm.APIError{StatusCode: 529}, llm.ErrOverloaded, true},
		{&llm.APIError{StatusCode: 503}, llm.ErrOverloaded, true},
		{&llm.APIError{StatusCode: 401}, llm.ErrAuth, false},
		{&llm.APIError{StatusCode: 403}, llm.ErrAuth, false},
		{&llm.APIError{StatusCode: 400, Err: llm.ErrContextLength}, llm.ErrContextLength, false},
		{&llm.APIError{StatusCode: 500}, nil, true},
		{&llm.APIError{StatusCode: 404}, nil, false},
	}
	for _, tt := range tests {
		if tt.is != nil {
			assert.ErrorIs(t, tt.err, tt.is, "status %d", tt.err.StatusCode)
		} else {
			assert.Nil(t, tt.err.Unwrap(), "status %d", tt.err.StatusCode)
		}
		assert.Equal(t, tt.retryable, tt.err.Retryable(), "status %d", tt.err.StatusCode)
	}
	e := &llm.APIError{Provider: "anthropic", StatusCode: 429, Type: "rate_limit_error", Message: "slow down", RequestID: "req_1"}
	assert.Equal(t, "anthropic: HTTP 429 rate_limit_error: slow down (request id req_1)", e.Error())
}
