package llmtest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conclave-dev/conclave/llm"
)

// TestCheckResponseCatches shows that the conformance checks fail on each
// kind of broken response.
func TestCheckResponseCatches(t *testing.T) {
	req := &llm.Request{Tools: []llm.ToolSpec{WeatherTool}}
	call := func(id, name, args string) llm.Part { return llm.ToolCallPart(id, name, json.RawMessage(args)) }
	msg := func(parts ...llm.Part) llm.Message { return llm.Message{Role: llm.RoleAssistant, Parts: parts} }
	tests := map[string]struct {
		resp *llm.Response
		want string
	}{
		"nil":             {nil, "nil response"},
		"user role":       {&llm.Response{Message: llm.UserText("x"), StopReason: llm.StopEnd}, "role"},
		"unknown stop":    {&llm.Response{Message: msg(llm.TextPart("x")), StopReason: "stop"}, "unknown stop reason"},
		"calls, end":      {&llm.Response{Message: msg(call("1", "get_weather", `{}`)), StopReason: llm.StopEnd}, "has tool calls"},
		"no calls, tool":  {&llm.Response{Message: msg(llm.TextPart("x")), StopReason: llm.StopToolUse}, "no tool calls"},
		"empty id":        {&llm.Response{Message: msg(call("", "get_weather", `{}`)), StopReason: llm.StopToolUse}, "empty or repeated"},
		"repeated id":     {&llm.Response{Message: msg(call("1", "get_weather", `{}`), call("1", "get_weather", `{}`)), StopReason: llm.StopToolUse}, "empty or repeated"},
		"unoffered tool":  {&llm.Response{Message: msg(call("1", "rm", `{}`)), StopReason: llm.StopToolUse}, "did not offer"},
		"array args":      {&llm.Response{Message: msg(call("1", "get_weather", `[1]`)), StopReason: llm.StopToolUse}, "not a JSON object"},
		"nil call":        {&llm.Response{Message: msg(llm.Part{Kind: llm.KindToolCall}), StopReason: llm.StopToolUse}, "without a ToolCall"},
		"result":          {&llm.Response{Message: msg(llm.ToolResultPart(llm.ToolCall{ID: "1"}, "x", false)), StopReason: llm.StopEnd}, "tool result in an assistant"},
		"negative usage":  {&llm.Response{Message: msg(llm.TextPart("x")), StopReason: llm.StopEnd, Usage: llm.Usage{InputTokens: -1}}, "negative usage"},
		"reasoning > out": {&llm.Response{Message: msg(llm.TextPart("x")), StopReason: llm.StopEnd, Usage: llm.Usage{ReasoningTokens: 2, OutputTokens: 1}}, "reasoning tokens"},
		"unknown part":    {&llm.Response{Message: msg(llm.Part{Kind: "image"}), StopReason: llm.StopEnd}, "unknown kind"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			err := checkResponse(tt.resp, req)
			if assert.Error(t, err) {
				assert.Contains(t, err.Error(), tt.want)
			}
		})
	}
	good := &llm.Response{Message: msg(llm.TextPart("x"), call("1", "get_weather", `{"city":"Rome"}`)), StopReason: llm.StopToolUse}
	assert.NoError(t, checkResponse(good, req))
}
