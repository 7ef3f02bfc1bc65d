package openai

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

// An OpenRouter reply as its documentation shows it: the reasoning text,
// and reasoning_details holding a signed text item and an encrypted item
// (where Gemini's thought signature travels), with a tool call.
const (
	routerDetails = `[
		{"type":"reasoning.text","text":"The user wants Paris. I will call the tool.","signature":"EqQBCkgIARABGAIiQL+sig==","id":null,"format":"anthropic-claude-v1","index":0},
		{"type":"reasoning.encrypted","data":"CiQBjz1rX0thoughtSignature==","id":"tool_get_weather_1","format":"unknown","index":1}]`
	routerReply = `{"id":"gen-1","provider":"Google","model":"google/gemini-3-pro-preview","object":"chat.completion","choices":[{"index":0,
		"finish_reason":"tool_calls","native_finish_reason":"STOP","message":{"role":"assistant","content":"",
		"reasoning":"The user wants Paris. I will call the tool.","reasoning_details":` + routerDetails + `,
		"tool_calls":[{"id":"tool_get_weather_1","type":"function","index":0,"function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}}],
		"usage":{"prompt_tokens":40,"completion_tokens":25,"total_tokens":65,"completion_tokens_details":{"reasoning_tokens":15}}}`
)

// The same reply, streamed: the text item comes in fragments of one index,
// its signature in a later fragment, the encrypted item whole; the
// reasoning text comes alongside in "reasoning".
var routerChunks = []string{
	`{"id":"gen-1","model":"google/gemini-3-pro-preview","choices":[{"index":0,"delta":{"role":"assistant","content":"",
		"reasoning":"The user wants Paris. ","reasoning_details":[{"type":"reasoning.text","text":"The user wants Paris. ","format":"anthropic-claude-v1","index":0}]}}]}`,
	`{"id":"gen-1","model":"google/gemini-3-pro-preview","choices":[{"index":0,"delta":{
		"reasoning":"I will call the tool.","reasoning_details":[{"type":"reasoning.text","text":"I will call the tool.","format":"anthropic-claude-v1","index":0}]}}]}`,
	`{"id":"gen-1","model":"google/gemini-3-pro-preview","choices":[{"index":0,"delta":{
		"reasoning_details":[{"type":"reasoning.text","text":"","signature":"EqQBCkgIARABGAIiQL+sig==","id":null,"format":"anthropic-claude-v1","index":0}]}}]}`,
	`{"id":"gen-1","model":"google/gemini-3-pro-preview","choices":[{"index":0,"delta":{
		"reasoning_details":[{"type":"reasoning.encrypted","data":"CiQBjz1rX0thoughtSignature==","id":"tool_get_weather_1","format":"unknown","index":1}],
		"tool_calls":[{"index":0,"id":"tool_get_weather_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}}]}`,
	`{"id":"gen-1","model":"google/gemini-3-pro-preview","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],
		"usage":{"prompt_tokens":40,"completion_tokens":25,"total_tokens":65,"completion_tokens_details":{"reasoning_tokens":15}}}`,
}

// routerPart returns the reasoning part of the reply, checking its opaque
// data holds the details array as documented.
func routerPart(t *testing.T, resp *llm.Response) llm.Part {
	t.Helper()
	require.NotEmpty(t, resp.Message.Parts)
	p := resp.Message.Parts[0]
	require.Equal(t, llm.KindReasoning, p.Kind)
	assert.Equal(t, "The user wants Paris. I will call the tool.", p.Text)
	require.NotNil(t, p.Opaque)
	assert.Equal(t, chatReasoning, p.Opaque.Provider)
	var data struct {
		Field   string
		Details json.RawMessage
	}
	require.NoError(t, json.Unmarshal(p.Opaque.Data, &data))
	assert.Equal(t, "reasoning", data.Field)
	assert.JSONEq(t, routerDetails, string(data.Details))
	return p
}

// reasoning_details are kept verbatim and echoed unchanged on the assistant
// turn, from Generate and from Stream alike; the reasoning text still comes
// as reasoning events and as the part's text. Before, the array was
// dropped, and Gemini 3 refused the next turn for its missing signature.
func TestOpenRouterReasoningDetails(t *testing.T) {
	srv := serve(t, ok(routerReply), stream(chatSSE(routerChunks...)), ok(chatPlain), ok(chatPlain))
	c := newChat(t, srv, WithBaseURL("https://openrouter.ai/api/v1"), WithHTTPClient(redirect(srv)))
	req := weatherReq()

	whole, err := c.Generate(t.Context(), req)
	require.NoError(t, err)
	routerPart(t, whole)
	assert.Equal(t, []llm.ToolCall{{ID: "tool_get_weather_1", Name: "get_weather", Args: json.RawMessage(`{"city":"Paris"}`)}}, whole.Message.ToolCalls())
	assert.Equal(t, llm.StopToolUse, whole.StopReason)
	assert.Equal(t, 65, whole.Usage.Total())

	evs, err := collect(c.Stream(t.Context(), req))
	require.NoError(t, err)
	streamed := done(t, evs)
	routerPart(t, streamed)
	assert.Equal(t, "The user wants Paris. I will call the tool.", textOf(evs, llm.EventReasoning))
	assert.Equal(t, whole.Message.ToolCalls(), streamed.Message.ToolCalls())
	assert.Equal(t, whole.Usage, streamed.Usage)

	for _, resp := range []*llm.Response{whole, streamed} {
		next := weatherReq()
		next.Messages = append(next.Messages, resp.Message, llm.Message{Role: llm.RoleUser, Parts: []llm.Part{
			llm.ToolResultPart(resp.Message.ToolCalls()[0], "18C", false)}})
		_, err = c.Generate(t.Context(), next)
		require.NoError(t, err)
		var msgs []map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(srv.last(t).field("messages")), &msgs))
		require.Len(t, msgs, 4)
		assistant := msgs[2]
		assert.JSONEq(t, `"assistant"`, string(assistant["role"]))
		assert.JSONEq(t, routerDetails, string(assistant["reasoning_details"]), "the details go back unchanged")
		assert.NotContains(t, assistant, "reasoning", "the text is not sent twice")
		assert.JSONEq(t, `[{"id":"tool_get_weather_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]`,
			string(assistant["tool_calls"]))
		assert.JSONEq(t, `{"role":"tool","tool_call_id":"tool_get_weather_1","content":"18C"}`, mustJSON(t, msgs[3]))
	}
}

// The details go back on turns without tool calls too, as OpenRouter asks;
// reasoning text without details still goes back only on tool-call turns.
func TestOpenRouterDetailsOnTextTurns(t *testing.T) {
	withDetails := &llm.Opaque{Provider: chatReasoning, Data: json.RawMessage(`{"field":"reasoning","details":[{"type":"reasoning.encrypted","data":"abc"}]}`)}
	textOnly := &llm.Opaque{Provider: chatReasoning, Data: json.RawMessage(`{"field":"reasoning"}`)}
	got := assistantMessage(llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{
		{Kind: llm.KindReasoning, Text: "thinking", Opaque: withDetails}, llm.TextPart("Hello."),
	}})
	assert.JSONEq(t, `[{"type":"reasoning.encrypted","data":"abc"}]`, string(got.ReasoningDetails))
	assert.Empty(t, got.Reasoning)
	got = assistantMessage(llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{
		{Kind: llm.KindReasoning, Text: "thinking", Opaque: textOnly}, llm.TextPart("Hello."),
	}})
	assert.Nil(t, got.ReasoningDetails)
	assert.Empty(t, got.Reasoning)
}

func TestDetailsBuilder(t *testing.T) {
	tests := []struct {
		name   string
		deltas []string
		want   string
	}{
		{"summary fragments of one index join",
			[]string{`[{"type":"reasoning.summary","summary":"**Exec","format":"openai-responses-v1","index":0}]`,
				`[{"type":"reasoning.summary","summary":"uting**","format":"openai-responses-v1","index":0}]`,
				`[{"type":"reasoning.encrypted","data":"gAAAA==","id":"rs_1","format":"openai-responses-v1","index":1}]`},
			`[{"type":"reasoning.summary","summary":"**Executing**","format":"openai-responses-v1","index":0},
			  {"type":"reasoning.encrypted","data":"gAAAA==","id":"rs_1","format":"openai-responses-v1","index":1}]`},
		{"a later signature fills the item, a null does not erase it",
			[]string{`[{"type":"reasoning.text","text":"a","signature":null,"index":0}]`,
				`[{"type":"reasoning.text","text":"b","signature":"sig","index":0},{"type":"reasoning.text","text":"","signature":null,"index":0}]`},
			`[{"type":"reasoning.text","text":"ab","signature":"sig","index":0}]`},
		{"a new type under the same index starts an item",
			[]string{`[{"type":"reasoning.text","text":"a","index":0},{"type":"reasoning.encrypted","data":"x","index":0}]`},
			`[{"type":"reasoning.text","text":"a","index":0},{"type":"reasoning.encrypted","data":"x","index":0}]`},
		{"without an index, text continues and encrypted items stay apart",
			[]string{`[{"type":"reasoning.text","text":"a"}]`, `[{"type":"reasoning.text","text":"b"}]`,
				`[{"type":"reasoning.encrypted","data":"x"}]`, `[{"type":"reasoning.encrypted","data":"y"}]`},
			`[{"type":"reasoning.text","text":"ab"},{"type":"reasoning.encrypted","data":"x"},{"type":"reasoning.encrypted","data":"y"}]`},
		{"unknown fields are kept", []string{`[{"type":"reasoning.new","blob":{"k":[1,2]},"index":3}]`},
			`[{"type":"reasoning.new","blob":{"k":[1,2]},"index":3}]`},
		{"what is not an array is ignored", []string{`{"type":"reasoning.text"}`, `"x"`, `[null]`}, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b detailsBuilder
			for _, d := range tt.deltas {
				b.add(json.RawMessage(d))
			}
			if tt.want == "" {
				assert.Nil(t, b.json())
				return
			}
			assert.JSONEq(t, tt.want, string(b.json()))
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
