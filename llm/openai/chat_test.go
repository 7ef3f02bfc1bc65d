package openai

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

const chatPlain = `{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-test-2025",
 "choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Hello!","refusal":null}}],
 "usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,
  "prompt_tokens_details":{"cached_tokens":100},"completion_tokens_details":{"reasoning_tokens":10}}}`

const chatOneCall = `{"id":"chatcmpl-2","object":"chat.completion","model":"gpt-test",
 "choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,
  "tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}}],
 "usage":{"prompt_tokens":50,"completion_tokens":10,"total_tokens":60,"prompt_tokens_details":{"cached_tokens":0}}}`

const chatParallel = `{"id":"chatcmpl-3","object":"chat.completion","model":"gpt-test",
 "choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":"Checking both.",
  "tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\",\"unit\":\"c\"}"}}]}}],
 "usage":{"prompt_tokens":50,"completion_tokens":20,"total_tokens":70}}`

func TestChatPlainText(t *testing.T) {
	srv := serve(t, ok(chatPlain))
	resp, err := newChat(t, srv).Generate(t.Context(), &llm.Request{
		System:   "Be brief.",
		Messages: []llm.Message{llm.UserText("Say hello.")},
	})
	require.NoError(t, err)
	assert.Equal(t, &llm.Response{
		Message:            llm.AssistantText("Hello!"),
		StopReason:         llm.StopEnd,
		ProviderStopReason: "stop",
		Usage:              llm.Usage{InputTokens: 20, CacheReadTokens: 100, OutputTokens: 30, ReasoningTokens: 10},
		Model:              "gpt-test-2025",
		ID:                 "chatcmpl-1",
		RequestID:          "req_123",
	}, resp)

	got := srv.last(t)
	assert.Equal(t, "/chat/completions", got.Path)
	assert.Equal(t, "Bearer sk-test", got.Header.Get("Authorization"))
	assert.JSONEq(t, `"gpt-test"`, got.field("model"))
	assert.JSONEq(t, `[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello."}]`, got.field("messages"))
	for _, absent := range []string{"tools", "tool_choice", "stream", "max_tokens", "max_completion_tokens", "temperature"} {
		assert.NotContains(t, got.Body, absent)
	}
}

func TestChatRequestOptions(t *testing.T) {
	srv := serve(t, ok(chatPlain))
	temp, topP := 0.2, 0.9
	req := weatherReq()
	req.Model = "other-model"
	req.Temperature, req.TopP = &temp, &topP
	req.Stop = []string{"END"}
	req.Reasoning = llm.EffortLow
	req.Cache.Key = "agent-7"
	req.ToolChoice = llm.ToolChoice{Mode: llm.ToolNamed, Name: "get_weather"}
	_, err := newChat(t, srv).Generate(t.Context(), req)
	require.NoError(t, err)
	got := srv.last(t)
	assert.JSONEq(t, `"other-model"`, got.field("model"))
	assert.JSONEq(t, `0.2`, got.field("temperature"))
	assert.JSONEq(t, `0.9`, got.field("top_p"))
	assert.JSONEq(t, `["END"]`, got.field("stop"))
	assert.JSONEq(t, `"low"`, got.field("reasoning_effort"))
	assert.JSONEq(t, `"agent-7"`, got.field("prompt_cache_key"))
	assert.JSONEq(t, `100`, got.field("max_tokens"), "compatible servers get max_tokens")
	assert.JSONEq(t, `{"type":"function","function":{"name":"get_weather"}}`, got.field("tool_choice"))
	// Strict mode is off for servers other than api.openai.com: the schema
	// goes as written and no strict flag is sent.
	assert.JSONEq(t, `[{"type":"function","function":{"name":"get_weather","description":"Weather for a city.",
		"parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["c","f"]}},"required":["city"]}}}]`,
		got.field("tools"))
}

func TestChatToolChoice(t *testing.T) {
	tests := []struct {
		name   string
		choice llm.ToolChoice
		tools  bool
		want   string // "" means absent
	}{
		{"auto is the server's default", llm.ToolChoice{}, true, ""},
		{"none", llm.ToolChoice{Mode: llm.ToolNone}, true, `"none"`},
		{"required", llm.ToolChoice{Mode: llm.ToolRequired}, true, `"required"`},
		{"named", llm.ToolChoice{Mode: llm.ToolNamed, Name: "get_weather"}, true, `{"type":"function","function":{"name":"get_weather"}}`},
		{"no tools, no choice", llm.ToolChoice{Mode: llm.ToolNone}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, ok(chatPlain))
			req := weatherReq()
			req.ToolChoice = tt.choice
			if !tt.tools {
				req.Tools = nil
			}
			_, err := newChat(t, srv).Generate(t.Context(), req)
			require.NoError(t, err)
			got := srv.last(t)
			if tt.want == "" {
				assert.NotContains(t, got.Body, "tool_choice")
			} else {
				assert.JSONEq(t, tt.want, got.field("tool_choice"))
			}
		})
	}
}

func TestChatOneToolCall(t *testing.T) {
	srv := serve(t, ok(chatOneCall))
	resp, err := newChat(t, srv).Generate(t.Context(), weatherReq())
	require.NoError(t, err)
	assert.Equal(t, llm.StopToolUse, resp.StopReason)
	assert.Equal(t, "tool_calls", resp.ProviderStopReason)
	assert.Equal(t, []llm.Part{llm.ToolCallPart("call_1", "get_weather", json.RawMessage(`{"city":"Paris"}`))}, resp.Message.Parts)
	assert.Equal(t, llm.Usage{InputTokens: 50, OutputTokens: 10}, resp.Usage)
}

func TestChatParallelToolCalls(t *testing.T) {
	srv := serve(t, ok(chatParallel))
	resp, err := newChat(t, srv).Generate(t.Context(), weatherReq())
	require.NoError(t, err)
	assert.Equal(t, llm.StopToolUse, resp.StopReason)
	assert.Equal(t, []llm.Part{
		llm.TextPart("Checking both."),
		llm.ToolCallPart("call_1", "get_weather", json.RawMessage(`{"city":"Paris"}`)),
		llm.ToolCallPart("call_2", "get_weather", json.RawMessage(`{"city":"Rome","unit":"c"}`)),
	}, resp.Message.Parts)
}

// The request after tool results echoes the assistant turn (its text, its
// calls with the arguments as written, even malformed, and the reasoning a
// compatible server sent), then one tool message per result, in order, then
// the user's text.
func TestChatFollowUpRequest(t *testing.T) {
	srv := serve(t, ok(chatPlain))
	chatThought := &llm.Opaque{Provider: chatReasoning, Data: json.RawMessage(`{"field":"reasoning_content"}`)}
	req := weatherReq()
	req.Messages = []llm.Message{
		llm.UserText("Hi."),
		{Role: llm.RoleAssistant, Parts: []llm.Part{
			{Kind: llm.KindReasoning, Text: "greet back", Opaque: chatThought},
			llm.TextPart("Hello."),
		}},
		llm.UserText("Weather in Paris and Rome?"),
		{Role: llm.RoleAssistant, Parts: []llm.Part{
			{Kind: llm.KindReasoning, Text: "Two cities, ", Opaque: chatThought},
			{Kind: llm.KindReasoning, Text: "someone else's", Opaque: &llm.Opaque{Provider: "anthropic", Signature: "sig"}},
			{Kind: llm.KindReasoning, Text: "two calls."},
			llm.TextPart("Checking both."),
			llm.ToolCallPart("call_1", "get_weather", json.RawMessage(`{"city":"Paris"}`)),
			llm.ToolCallPart("call_2", "get_weather", json.RawMessage(`{"city": "Rome",}`)),
		}},
		{Role: llm.RoleUser, Parts: []llm.Part{
			llm.ToolResultPart(llm.ToolCall{ID: "call_1", Name: "get_weather"}, "18C", false),
			llm.ToolResultPart(llm.ToolCall{ID: "call_2", Name: "get_weather"}, "invalid arguments", true),
			llm.TextPart("Be quick."),
		}},
		{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart("call_3", "get_weather", nil)}},
		{Role: llm.RoleUser, Parts: []llm.Part{llm.ToolResultPart(llm.ToolCall{ID: "call_3"}, "21C", false)}},
	}
	_, err := newChat(t, srv).Generate(t.Context(), req)
	require.NoError(t, err)
	assert.JSONEq(t, `[
		{"role":"system","content":"Be brief."},
		{"role":"user","content":"Hi."},
		{"role":"assistant","content":"Hello."},
		{"role":"user","content":"Weather in Paris and Rome?"},
		{"role":"assistant","content":"Checking both.","reasoning_content":"Two cities, ",
		 "tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
		               {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Rome\",}"}}]},
		{"role":"tool","tool_call_id":"call_1","content":"18C"},
		{"role":"tool","tool_call_id":"call_2","content":"Error: invalid arguments"},
		{"role":"user","content":"Be quick."},
		{"role":"assistant","content":null,
		 "tool_calls":[{"id":"call_3","type":"function","function":{"name":"get_weather","arguments":""}}]},
		{"role":"tool","tool_call_id":"call_3","content":"21C"}]`, srv.last(t).field("messages"))
}

func TestChatQuirks(t *testing.T) {
	tests := []struct {
		name string
		body string
		want *llm.Response
	}{
		{
			name: "stop with tool calls means tool use",
			body: `{"id":"c","model":"llama3","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"",
				"tool_calls":[{"id":"call_x","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]}}],
				"usage":{"prompt_tokens":9,"completion_tokens":3}}`,
			want: &llm.Response{
				Message:    llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart("call_x", "get_weather", json.RawMessage(`{"city":"Oslo"}`))}},
				StopReason: llm.StopToolUse, ProviderStopReason: "stop", Usage: llm.Usage{InputTokens: 9, OutputTokens: 3},
				Model: "llama3", ID: "c", RequestID: "req_123",
			},
		},
		{
			name: "DeepSeek reasoning_content and cache hits",
			body: `{"id":"d","model":"deepseek-chat","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant",
				"content":"42","reasoning_content":"Six times seven."}}],
				"usage":{"prompt_tokens":100,"completion_tokens":8,"prompt_cache_hit_tokens":64,"prompt_cache_miss_tokens":36,
				"completion_tokens_details":{"reasoning_tokens":5}}}`,
			want: &llm.Response{
				Message: llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{
					{Kind: llm.KindReasoning, Text: "Six times seven.", Opaque: &llm.Opaque{Provider: chatReasoning, Data: json.RawMessage(`{"field":"reasoning_content"}`)}},
					llm.TextPart("42"),
				}},
				StopReason: llm.StopEnd, ProviderStopReason: "stop",
				Usage: llm.Usage{InputTokens: 36, CacheReadTokens: 64, OutputTokens: 8, ReasoningTokens: 5},
				Model: "deepseek-chat", ID: "d", RequestID: "req_123",
			},
		},
		{
			name: "Ollama reasoning, no id, arguments as an object, no usage",
			body: `{"model":"qwen3","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":"",
				"reasoning":"Need the tool.","tool_calls":[{"type":"function","function":{"name":"get_weather","arguments":{"city":"Lima"}}}]}}]}`,
			want: &llm.Response{
				Message: llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{
					{Kind: llm.KindReasoning, Text: "Need the tool.", Opaque: &llm.Opaque{Provider: chatReasoning, Data: json.RawMessage(`{"field":"reasoning"}`)}},
					llm.ToolCallPart("call_1", "get_weather", json.RawMessage(`{"city":"Lima"}`)),
				}},
				StopReason: llm.StopToolUse, ProviderStopReason: "tool_calls", Model: "qwen3", RequestID: "req_123",
			},
		},
		{
			name: "legacy function_call",
			body: `{"id":"h","model":"old","choices":[{"index":0,"finish_reason":"function_call","message":{"role":"assistant","content":null,
				"function_call":{"name":"get_weather","arguments":"{\"city\":\"Quito\"}"}}}]}`,
			want: &llm.Response{
				Message:    llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart("call_h_1", "get_weather", json.RawMessage(`{"city":"Quito"}`))}},
				StopReason: llm.StopToolUse, ProviderStopReason: "function_call", Model: "old", ID: "h", RequestID: "req_123",
			},
		},
		{
			name: "length",
			body: `{"id":"e","model":"m","choices":[{"index":0,"finish_reason":"length","message":{"role":"assistant","content":"Once upon"}}]}`,
			want: &llm.Response{Message: llm.AssistantText("Once upon"), StopReason: llm.StopMaxTokens, ProviderStopReason: "length",
				Model: "m", ID: "e", RequestID: "req_123"},
		},
		{
			name: "refusal",
			body: `{"id":"f","model":"m","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":null,"refusal":"I can't help with that."}}]}`,
			want: &llm.Response{Message: llm.AssistantText("I can't help with that."), StopReason: llm.StopRefusal, ProviderStopReason: "stop",
				Model: "m", ID: "f", RequestID: "req_123"},
		},
		{
			name: "content filter",
			body: `{"id":"g","model":"m","choices":[{"index":0,"finish_reason":"content_filter","message":{"role":"assistant","content":""}}]}`,
			want: &llm.Response{Message: llm.Message{Role: llm.RoleAssistant}, StopReason: llm.StopRefusal, ProviderStopReason: "content_filter",
				Model: "m", ID: "g", RequestID: "req_123"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, ok(tt.body))
			got, err := newChat(t, srv).Generate(t.Context(), weatherReq())
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// The reasoning a compatible server returns goes back on the next request
// in the field it came in, on turns with tool calls.
func TestChatReasoningRoundTrip(t *testing.T) {
	for _, field := range []string{"reasoning_content", "reasoning"} {
		t.Run(field, func(t *testing.T) {
			first := `{"id":"r","model":"m","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant",
				"content":null,"` + field + `":"Look it up.","tool_calls":[{"id":"call_9","type":"function",
				"function":{"name":"get_weather","arguments":"{\"city\":\"Kyiv\"}"}}]}}]}`
			srv := serve(t, ok(first), ok(chatPlain))
			c := newChat(t, srv)
			req := weatherReq()
			resp, err := c.Generate(t.Context(), req)
			require.NoError(t, err)
			req.Messages = append(req.Messages, resp.Message, llm.Message{Role: llm.RoleUser, Parts: []llm.Part{
				llm.ToolResultPart(resp.Message.ToolCalls()[0], "5C", false)}})
			_, err = c.Generate(t.Context(), req)
			require.NoError(t, err)
			var msgs []map[string]any
			require.NoError(t, json.Unmarshal([]byte(srv.last(t).field("messages")), &msgs))
			require.Len(t, msgs, 4)
			assert.Equal(t, "Look it up.", msgs[2][field])
			assert.Len(t, msgs[2], 4, "role, content, tool_calls and %s", field)
		})
	}
}

func TestChatBadRequests(t *testing.T) {
	call := llm.ToolCallPart("call_1", "get_weather", json.RawMessage(`{}`))
	tests := []struct {
		name string
		req  *llm.Request
		want string
	}{
		{"nil", nil, "nil request"},
		{"no model", &llm.Request{Model: "", Messages: []llm.Message{llm.UserText("hi")}}, "no model"},
		{"tool call in a user message", &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Parts: []llm.Part{call}}}}, "tool calls belong to assistant messages"},
		{"result without call id", &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Parts: []llm.Part{
			{Kind: llm.KindToolResult, ToolResult: &llm.ToolResult{Content: "x"}}}}}}, "set CallID"},
		{"unknown role", &llm.Request{Messages: []llm.Message{{Role: "system", Parts: []llm.Part{llm.TextPart("x")}}}}, "Request.System"},
		{"named choice not offered", &llm.Request{ToolChoice: llm.ToolChoice{Mode: llm.ToolNamed, Name: "nope"}}, `"nope"`},
		{"schema not JSON", &llm.Request{Tools: []llm.ToolSpec{{Name: "t", Schema: json.RawMessage(`{`)}}}, "not valid JSON"},
		{"tool without name", &llm.Request{Tools: []llm.ToolSpec{{Schema: json.RawMessage(`{}`)}}}, "no name"},
	}
	srv := serve(t, ok(chatPlain))
	c, err := New(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.req != nil && tt.name != "no model" {
				tt.req.Model = "m"
			}
			_, err := c.Generate(t.Context(), tt.req)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.ErrorContains(t, err, "openai: ")
		})
	}
	assert.Empty(t, srv.requests(), "bad requests are refused before sending")
}

func TestChatAzure(t *testing.T) {
	srv := serve(t, ok(chatPlain))
	c, err := New(WithAzure(srv.URL, "my-gpt", "2024-10-21"), WithAPIKey("az-key"), WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	_, err = c.Generate(t.Context(), &llm.Request{Messages: []llm.Message{llm.UserText("hi")}, MaxTokens: 50})
	require.NoError(t, err)
	got := srv.last(t)
	assert.Equal(t, "/openai/deployments/my-gpt/chat/completions", got.Path)
	assert.Equal(t, "api-version=2024-10-21", got.Query)
	assert.Equal(t, "az-key", got.Header.Get("api-key"))
	assert.Empty(t, got.Header.Get("Authorization"))
	assert.JSONEq(t, `"my-gpt"`, got.field("model"), "the deployment is the default model")
	assert.JSONEq(t, `50`, got.field("max_completion_tokens"))
}

// A client for api.openai.com sends max_completion_tokens and strict tool
// schemas.
func TestChatOfficialDefaults(t *testing.T) {
	srv := serve(t, ok(chatPlain))
	c, err := New(WithBaseURL(DefaultBaseURL), WithAPIKey("sk-test"), WithModel("gpt-test"), WithHTTPClient(redirect(srv)))
	require.NoError(t, err)
	_, err = c.Generate(t.Context(), weatherReq())
	require.NoError(t, err)
	got := srv.last(t)
	assert.JSONEq(t, `100`, got.field("max_completion_tokens"))
	assert.NotContains(t, got.Body, "max_tokens")
	assert.JSONEq(t, `[{"type":"function","function":{"name":"get_weather","description":"Weather for a city.","strict":true,
		"parameters":{"type":"object","properties":{"city":{"type":"string"},
		  "unit":{"anyOf":[{"type":"string","enum":["c","f"]},{"type":"null"}]}},
		  "required":["city","unit"],"additionalProperties":false}}}]`, got.field("tools"))
}
