package gemini

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

// A whole tool round trip: the model thinks, says something, calls the same
// function twice (only the first call signed, no ids); the results come
// back out of order; the follow-up must echo the model turn with its
// signature on the right part and answer the calls in their order.
func TestFollowUpRequestBody(t *testing.T) {
	f, c := newFake(t,
		respond(200, `{"candidates":[{"finishReason":"STOP","index":0,"content":{"role":"model","parts":[
			{"text":"The user wants two cities.","thought":true},
			{"text":"I will check both cities."},
			{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"c2lnLXBhcmlz"},
			{"functionCall":{"name":"get_weather","args":{"city":"Oslo","unit":"celsius"}}}]}}],
			"modelVersion":"gemini-2.5-flash","responseId":"r1"}`),
		respond(200, `{"candidates":[{"finishReason":"STOP","content":{"role":"model","parts":[{"text":"Paris 18°C, Oslo 3°C."}]}}]}`),
	)
	req := &llm.Request{
		System:   "You are a weather assistant.",
		Messages: []llm.Message{llm.UserText("Weather in Paris and Oslo?")},
		Tools:    []llm.ToolSpec{weatherTool},
	}
	resp, err := c.Generate(t.Context(), req)
	require.NoError(t, err)
	require.Equal(t, llm.StopToolUse, resp.StopReason)
	calls := resp.Message.ToolCalls()
	require.Len(t, calls, 2)
	assert.Equal(t, llm.KindReasoning, resp.Message.Parts[0].Kind)
	assert.Nil(t, resp.Message.Parts[0].Opaque)

	req.Messages = append(req.Messages, resp.Message, llm.Message{Role: llm.RoleUser, Parts: []llm.Part{
		llm.ToolResultPart(calls[1], "3°C", false),
		llm.ToolResultPart(calls[0], "service unavailable for Paris", true),
	}})
	final, err := c.Generate(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, "Paris 18°C, Oslo 3°C.", final.Message.Text())

	r := f.requests()[1]
	assert.JSONEq(t, `[
		{"role":"user","parts":[{"text":"Weather in Paris and Oslo?"}]},
		{"role":"model","parts":[
			{"text":"I will check both cities."},
			{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"c2lnLXBhcmlz"},
			{"functionCall":{"name":"get_weather","args":{"city":"Oslo","unit":"celsius"}}}]},
		{"role":"user","parts":[
			{"functionResponse":{"name":"get_weather","response":{"error":"service unavailable for Paris"}}},
			{"functionResponse":{"name":"get_weather","response":{"output":"3°C"}}}]}
	]`, r.field(t, "contents"))
	assert.JSONEq(t, `{"parts":[{"text":"You are a weather assistant."}]}`, r.field(t, "systemInstruction"))
	assert.JSONEq(t, `[{"functionDeclarations":[{"name":"get_weather","description":"Get the current weather for a city.",
		"parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},
		"required":["city"],"additionalProperties":false,"propertyOrdering":["city","unit"]}}]}]`, r.field(t, "tools"))
}

func TestEncodeMessages(t *testing.T) {
	args := json.RawMessage(`{"command":"ls"}`)
	tests := []struct {
		name string
		msgs []llm.Message
		want string
	}{
		{
			name: "Gemini ids are echoed on the call and its response",
			msgs: []llm.Message{
				llm.UserText("list"),
				{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart("fc-9", "bash", args)}},
				{Role: llm.RoleUser, Parts: []llm.Part{llm.ToolResultPart(llm.ToolCall{ID: "fc-9", Name: "bash"}, "a.go", false)}},
			},
			want: `[{"role":"user","parts":[{"text":"list"}]},
				{"role":"model","parts":[{"functionCall":{"id":"fc-9","name":"bash","args":{"command":"ls"}}}]},
				{"role":"user","parts":[{"functionResponse":{"id":"fc-9","name":"bash","response":{"output":"a.go"}}}]}]`,
		},
		{
			name: "a result without a name takes its call's",
			msgs: []llm.Message{
				llm.UserText("list"),
				{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart("gemini-call-1", "bash", args)}},
				{Role: llm.RoleUser, Parts: []llm.Part{{Kind: llm.KindToolResult, ToolResult: &llm.ToolResult{CallID: "gemini-call-1", Content: "a.go"}}}},
			},
			want: `[{"role":"user","parts":[{"text":"list"}]},
				{"role":"model","parts":[{"functionCall":{"name":"bash","args":{"command":"ls"}}}]},
				{"role":"user","parts":[{"functionResponse":{"name":"bash","response":{"output":"a.go"}}}]}]`,
		},
		{
			name: "other providers' opaque data and reasoning are dropped",
			msgs: []llm.Message{
				llm.UserText("hi"),
				{Role: llm.RoleAssistant, Parts: []llm.Part{
					{Kind: llm.KindReasoning, Text: "thinking", Opaque: &llm.Opaque{Provider: "anthropic", Signature: "EqQB"}},
					{Kind: llm.KindReasoning, Opaque: &llm.Opaque{Provider: "openai", Data: json.RawMessage(`{"type":"reasoning"}`)}},
					{Kind: llm.KindText, Text: "Let me look.", Opaque: &llm.Opaque{Provider: "anthropic", Signature: "x"}},
					{Kind: llm.KindToolCall, ToolCall: &llm.ToolCall{ID: "toolu_01", Name: "bash", Args: args}, Opaque: &llm.Opaque{Provider: "openai", Signature: "y"}},
				}},
				{Role: llm.RoleUser, Parts: []llm.Part{llm.ToolResultPart(llm.ToolCall{ID: "toolu_01", Name: "bash"}, "a.go", false)}},
			},
			want: `[{"role":"user","parts":[{"text":"hi"}]},
				{"role":"model","parts":[{"text":"Let me look."},{"functionCall":{"id":"toolu_01","name":"bash","args":{"command":"ls"}}}]},
				{"role":"user","parts":[{"functionResponse":{"id":"toolu_01","name":"bash","response":{"output":"a.go"}}}]}]`,
		},
		{
			name: "signed Gemini thoughts and signature-only parts are echoed",
			msgs: []llm.Message{
				llm.UserText("hi"),
				{Role: llm.RoleAssistant, Parts: []llm.Part{
					{Kind: llm.KindReasoning, Text: "plan", Opaque: &llm.Opaque{Provider: "gemini", Signature: "dA=="}},
					{Kind: llm.KindText, Text: "", Opaque: &llm.Opaque{Provider: "gemini", Signature: "ZQ=="}},
				}},
				llm.UserText("again"),
			},
			want: `[{"role":"user","parts":[{"text":"hi"}]},
				{"role":"model","parts":[{"text":"plan","thought":true,"thoughtSignature":"dA=="},{"text":"","thoughtSignature":"ZQ=="}]},
				{"role":"user","parts":[{"text":"again"}]}]`,
		},
		{
			name: "results come before the text of their message, and empty messages are skipped",
			msgs: []llm.Message{
				llm.UserText("go"),
				{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart("a", "bash", nil), llm.ToolCallPart("b", "bash", args)}},
				{Role: llm.RoleUser, Parts: []llm.Part{
					llm.TextPart("Also, hurry."),
					llm.ToolResultPart(llm.ToolCall{ID: "b", Name: "bash"}, "B", false),
					llm.ToolResultPart(llm.ToolCall{ID: "a", Name: "bash"}, "A", false),
				}},
				{Role: llm.RoleAssistant, Parts: []llm.Part{{Kind: llm.KindReasoning, Text: "unsigned"}}},
			},
			want: `[{"role":"user","parts":[{"text":"go"}]},
				{"role":"model","parts":[{"functionCall":{"id":"a","name":"bash","args":{}}},{"functionCall":{"id":"b","name":"bash","args":{"command":"ls"}}}]},
				{"role":"user","parts":[
					{"functionResponse":{"id":"a","name":"bash","response":{"output":"A"}}},
					{"functionResponse":{"id":"b","name":"bash","response":{"output":"B"}}},
					{"text":"Also, hurry."}]}]`,
		},
		{
			name: "consecutive user messages make one turn",
			msgs: []llm.Message{
				llm.UserText("go"),
				{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart("a", "bash", args)}},
				{Role: llm.RoleUser, Parts: []llm.Part{llm.ToolResultPart(llm.ToolCall{ID: "a", Name: "bash"}, "A", false)}},
				llm.UserText("Reminder: run the tests."),
			},
			want: `[{"role":"user","parts":[{"text":"go"}]},
				{"role":"model","parts":[{"functionCall":{"id":"a","name":"bash","args":{"command":"ls"}}}]},
				{"role":"user","parts":[{"functionResponse":{"id":"a","name":"bash","response":{"output":"A"}}},{"text":"Reminder: run the tests."}]}]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			contents, err := encodeMessages(tt.msgs)
			require.NoError(t, err)
			got, err := json.Marshal(contents)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
		})
	}
}

func TestEncodeRequestErrors(t *testing.T) {
	tests := []struct {
		name string
		req  llm.Request
		want string
	}{
		{"no messages", llm.Request{}, "no message to send"},
		{"unknown role", llm.Request{Messages: []llm.Message{{Role: "system", Parts: []llm.Part{llm.TextPart("x")}}}}, `message 0: unknown role "system"`},
		{"result in an assistant message", llm.Request{Messages: []llm.Message{{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolResultPart(llm.ToolCall{ID: "1", Name: "f"}, "", false)}}}},
			"message 0: part 0: a tool result belongs in a user message"},
		{"call in a user message", llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Parts: []llm.Part{llm.ToolCallPart("1", "f", nil)}}}},
			"message 0: part 0: a tool call belongs in an assistant message"},
		{"result with no name", llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Parts: []llm.Part{llm.ToolResultPart(llm.ToolCall{ID: "1"}, "x", false)}}}},
			"set ToolResult.Name"},
		{"arguments not an object", llm.Request{Messages: []llm.Message{{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart("1", "f", json.RawMessage(`[1,2`))}}}},
			`arguments of tool call "1" ([1,2) are not a JSON object`},
		{"named tool not offered", llm.Request{Messages: []llm.Message{llm.UserText("x")}, Tools: []llm.ToolSpec{weatherTool}, ToolChoice: llm.ToolChoice{Mode: llm.ToolNamed, Name: "bash"}},
			`ToolChoice names tool "bash", which is not among the request's tools`},
		{"required without tools", llm.Request{Messages: []llm.Message{llm.UserText("x")}, ToolChoice: llm.ToolChoice{Mode: llm.ToolRequired}},
			"needs tools"},
		{"bad schema", llm.Request{Messages: []llm.Message{llm.UserText("x")}, Tools: []llm.ToolSpec{{Name: "f", Schema: json.RawMessage(`{"type":"string"}`)}}},
			`tool "f": schema type "string"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := encodeRequest(&tt.req)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "gemini: ")
		})
	}
}

func TestEncodeConfig(t *testing.T) {
	temp, topP := 0.2, 0.9
	tests := []struct {
		name string
		req  llm.Request
		want string
	}{
		{"sampling", llm.Request{MaxTokens: 512, Temperature: &temp, TopP: &topP, Stop: []string{"END"}},
			`{"maxOutputTokens":512,"temperature":0.2,"topP":0.9,"stopSequences":["END"]}`},
		{"effort", llm.Request{Reasoning: llm.EffortHigh},
			`{"thinkingConfig":{"thinkingBudget":24576,"includeThoughts":true}}`},
		{"budget wins over effort", llm.Request{Reasoning: llm.EffortHigh, ReasoningBudget: 3000},
			`{"thinkingConfig":{"thinkingBudget":3000,"includeThoughts":true}}`},
		{"negative budget is dynamic", llm.Request{ReasoningBudget: -5},
			`{"thinkingConfig":{"thinkingBudget":-1,"includeThoughts":true}}`},
		{"nothing", llm.Request{}, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(encodeConfig(&tt.req))
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
		})
	}
}

func TestEncodeToolChoice(t *testing.T) {
	tests := []struct {
		mode llm.ToolMode
		want string
	}{
		{llm.ToolAuto, ``},
		{llm.ToolNone, `{"functionCallingConfig":{"mode":"NONE"}}`},
		{llm.ToolRequired, `{"functionCallingConfig":{"mode":"ANY"}}`},
		{llm.ToolNamed, `{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}}`},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			body, err := encodeRequest(&llm.Request{
				Messages:   []llm.Message{llm.UserText("x")},
				Tools:      []llm.ToolSpec{weatherTool},
				ToolChoice: llm.ToolChoice{Mode: tt.mode, Name: "get_weather"},
			})
			require.NoError(t, err)
			if tt.want == "" {
				assert.Nil(t, body.ToolConfig)
				return
			}
			got, err := json.Marshal(body.ToolConfig)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
		})
	}
}

func TestEncodeDoesNotModifyTheRequest(t *testing.T) {
	req := &llm.Request{
		System:   "sys",
		Messages: []llm.Message{llm.UserText("a"), {Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart("x", "f", json.RawMessage(`{}`))}}},
		Tools:    []llm.ToolSpec{weatherTool},
	}
	before, err := json.Marshal(req)
	require.NoError(t, err)
	_, err = encodeRequest(req)
	require.NoError(t, err)
	after, err := json.Marshal(req)
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after))
}
