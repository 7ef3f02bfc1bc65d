package openai

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

var chatTextChunks = []string{
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-test-2025","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"finish_reason":null}],"usage":null}`,
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-test-2025","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}],"usage":null}`,
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-test-2025","choices":[{"index":0,"delta":{"content":"lo!"},"finish_reason":null}],"usage":null}`,
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-test-2025","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}`,
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-test-2025","choices":[],
	  "usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,"prompt_tokens_details":{"cached_tokens":100},"completion_tokens_details":{"reasoning_tokens":10}}}`,
}

// chatParallelChunks stream chatParallel: text, then two calls whose
// arguments arrive in fragments joined by index.
var chatParallelChunks = []string{
	`{"id":"chatcmpl-3","model":"gpt-test","choices":[{"index":0,"delta":{"role":"assistant","content":"Checking "}}]}`,
	`{"id":"chatcmpl-3","model":"gpt-test","choices":[{"index":0,"delta":{"content":"both."}}]}`,
	`{"id":"chatcmpl-3","model":"gpt-test","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}`,
	`{"id":"chatcmpl-3","model":"gpt-test","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]}}]}`,
	`{"id":"chatcmpl-3","model":"gpt-test","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Paris\"}"}}]}}]}`,
	`{"id":"chatcmpl-3","model":"gpt-test","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":"}}]}}]}`,
	`{"id":"chatcmpl-3","model":"gpt-test","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"\"Rome\",\"unit\":\"c\"}"}}]}}]}`,
	`{"id":"chatcmpl-3","model":"gpt-test","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
	`{"id":"chatcmpl-3","model":"gpt-test","choices":[],"usage":{"prompt_tokens":50,"completion_tokens":20,"total_tokens":70}}`,
}

func TestChatStreamText(t *testing.T) {
	srv := serve(t, stream(chatSSE(chatTextChunks...)), ok(chatPlain))
	c := newChat(t, srv)
	req := &llm.Request{Messages: []llm.Message{llm.UserText("Say hello.")}}
	evs, err := collect(c.Stream(t.Context(), req))
	require.NoError(t, err)
	assert.Equal(t, []llm.EventKind{llm.EventText, llm.EventText, llm.EventUsage, llm.EventDone}, kinds(evs))
	assert.Equal(t, "Hello!", textOf(evs, llm.EventText))
	assert.Equal(t, llm.Usage{InputTokens: 20, CacheReadTokens: 100, OutputTokens: 30, ReasoningTokens: 10}, *evs[2].Usage)

	got := srv.last(t)
	assert.Equal(t, "text/event-stream", got.Header.Get("Accept"))
	assert.JSONEq(t, `true`, got.field("stream"))
	assert.JSONEq(t, `{"include_usage":true}`, got.field("stream_options"))

	whole, err := c.Generate(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, whole, done(t, evs), "the streamed response equals Generate's")
}

func TestChatStreamParallelToolCalls(t *testing.T) {
	srv := serve(t, stream(chatSSE(chatParallelChunks...)), ok(chatParallel))
	c := newChat(t, srv)
	evs, err := collect(c.Stream(t.Context(), weatherReq()))
	require.NoError(t, err)
	assert.Equal(t, []llm.EventKind{
		llm.EventText, llm.EventText,
		llm.EventToolCallDelta, llm.EventToolCallDelta,
		llm.EventToolCall, // call_1 is complete once call_2 starts
		llm.EventToolCallDelta, llm.EventToolCallDelta,
		llm.EventToolCall,
		llm.EventUsage, llm.EventDone,
	}, kinds(evs))
	assert.Equal(t, &llm.ToolCall{ID: "call_1", Name: "get_weather"}, evs[2].ToolCall)
	assert.Equal(t, `{"ci`, evs[2].Text)
	assert.Equal(t, "call_1", evs[4].ToolCall.ID)
	assert.JSONEq(t, `{"city":"Paris"}`, string(evs[4].ToolCall.Args))
	assert.Equal(t, "call_2", evs[7].ToolCall.ID)
	assert.JSONEq(t, `{"city":"Rome","unit":"c"}`, string(evs[7].ToolCall.Args))

	whole, err := c.Generate(t.Context(), weatherReq())
	require.NoError(t, err)
	assert.Equal(t, whole, done(t, evs))
	assert.Equal(t, whole.Message.ToolCalls(), calls(evs))
}

func TestChatStreamQuirks(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		done   bool // false: the stream has no [DONE]
		want   *llm.Response
		kinds  []llm.EventKind
	}{
		{
			name: "text then a tool call, finish stop, no usage chunk",
			chunks: []string{
				`{"id":"s1","model":"llama3","choices":[{"index":0,"delta":{"role":"assistant","content":"Let me check."}}]}`,
				`{"id":"s1","model":"llama3","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]}}]}`,
				`{"id":"s1","model":"llama3","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`,
			},
			want: &llm.Response{
				Message: llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{
					llm.TextPart("Let me check."), llm.ToolCallPart("call_a", "get_weather", json.RawMessage(`{"city":"Oslo"}`))}},
				StopReason: llm.StopToolUse, ProviderStopReason: "stop", Model: "llama3", ID: "s1", RequestID: "req_123",
			},
			kinds: []llm.EventKind{llm.EventText, llm.EventToolCallDelta, llm.EventToolCall, llm.EventUsage, llm.EventDone},
		},
		{
			name: "id and name repeated in every fragment",
			chunks: []string{
				`{"id":"s2","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_r","type":"function","function":{"name":"get_weather","arguments":"{\"city\""}}]}}]}`,
				`{"id":"s2","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_r","type":"function","function":{"name":"get_weather","arguments":":\"Riga\"}"}}]}}]}`,
				`{"id":"s2","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
			},
			want: &llm.Response{
				Message:    llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart("call_r", "get_weather", json.RawMessage(`{"city":"Riga"}`))}},
				StopReason: llm.StopToolUse, ProviderStopReason: "tool_calls", Model: "m", ID: "s2", RequestID: "req_123",
			},
			kinds: []llm.EventKind{llm.EventToolCallDelta, llm.EventToolCallDelta, llm.EventToolCall, llm.EventUsage, llm.EventDone},
		},
		{
			name: "no index, a new id starts a new call",
			chunks: []string{
				`{"id":"s3","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"id":"call_p","function":{"name":"get_weather","arguments":"{\"city\":"}}]}}]}`,
				`{"id":"s3","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"function":{"arguments":"\"Bern\"}"}}]}}]}`,
				`{"id":"s3","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"id":"call_q","function":{"name":"get_weather","arguments":"{\"city\":\"Graz\"}"}}]}}]}`,
				`{"id":"s3","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
			},
			want: &llm.Response{
				Message: llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{
					llm.ToolCallPart("call_p", "get_weather", json.RawMessage(`{"city":"Bern"}`)),
					llm.ToolCallPart("call_q", "get_weather", json.RawMessage(`{"city":"Graz"}`))}},
				StopReason: llm.StopToolUse, ProviderStopReason: "tool_calls", Model: "m", ID: "s3", RequestID: "req_123",
			},
			kinds: []llm.EventKind{llm.EventToolCallDelta, llm.EventToolCallDelta, llm.EventToolCall, llm.EventToolCallDelta,
				llm.EventToolCall, llm.EventUsage, llm.EventDone},
		},
		{
			name: "reasoning_content streamed before the answer",
			chunks: []string{
				`{"id":"s4","model":"deepseek","choices":[{"index":0,"delta":{"role":"assistant","content":null,"reasoning_content":"Hmm, "}}]}`,
				`{"id":"s4","model":"deepseek","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"easy."}}]}`,
				`{"id":"s4","model":"deepseek","choices":[{"index":0,"delta":{"content":"4","reasoning_content":null}}]}`,
				`{"id":"s4","model":"deepseek","choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}],
				  "usage":{"prompt_tokens":10,"completion_tokens":6,"prompt_cache_hit_tokens":8,"completion_tokens_details":{"reasoning_tokens":4}}}`,
			},
			want: &llm.Response{
				Message: llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{
					{Kind: llm.KindReasoning, Text: "Hmm, easy.", Opaque: &llm.Opaque{Provider: chatReasoning, Data: json.RawMessage(`{"field":"reasoning_content"}`)}},
					llm.TextPart("4")}},
				StopReason: llm.StopEnd, ProviderStopReason: "stop", Model: "deepseek", ID: "s4", RequestID: "req_123",
				Usage: llm.Usage{InputTokens: 2, CacheReadTokens: 8, OutputTokens: 6, ReasoningTokens: 4},
			},
			kinds: []llm.EventKind{llm.EventReasoning, llm.EventReasoning, llm.EventText, llm.EventUsage, llm.EventDone},
		},
		{
			name: "legacy function_call fragments",
			chunks: []string{
				`{"id":"s6","model":"old","choices":[{"index":0,"delta":{"function_call":{"name":"get_weather","arguments":"{\"city\":"}}}]}`,
				`{"id":"s6","model":"old","choices":[{"index":0,"delta":{"function_call":{"arguments":"\"Lyon\"}"}}}]}`,
				`{"id":"s6","model":"old","choices":[{"index":0,"delta":{},"finish_reason":"function_call"}]}`,
			},
			want: &llm.Response{
				Message:    llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart("call_s6_1", "get_weather", json.RawMessage(`{"city":"Lyon"}`))}},
				StopReason: llm.StopToolUse, ProviderStopReason: "function_call", Model: "old", ID: "s6", RequestID: "req_123",
			},
			kinds: []llm.EventKind{llm.EventToolCallDelta, llm.EventToolCallDelta, llm.EventToolCall, llm.EventUsage, llm.EventDone},
		},
		{
			name: "refusal",
			chunks: []string{
				`{"id":"s5","model":"m","choices":[{"index":0,"delta":{"refusal":"I can't "}}]}`,
				`{"id":"s5","model":"m","choices":[{"index":0,"delta":{"refusal":"help."},"finish_reason":"stop"}]}`,
			},
			want: &llm.Response{Message: llm.AssistantText("I can't help."), StopReason: llm.StopRefusal, ProviderStopReason: "stop",
				Model: "m", ID: "s5", RequestID: "req_123"},
			kinds: []llm.EventKind{llm.EventText, llm.EventUsage, llm.EventDone},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, stream(chatSSE(tt.chunks...)))
			evs, err := collect(newChat(t, srv).Stream(t.Context(), weatherReq()))
			require.NoError(t, err)
			assert.Equal(t, tt.kinds, kinds(evs))
			resp := done(t, evs)
			assert.Equal(t, tt.want, resp)
			assert.Equal(t, resp.Message.Text(), textOf(evs, llm.EventText))
			assert.Equal(t, resp.Message.ToolCalls(), calls(evs))
		})
	}
}

// A server that ignores "stream" and answers whole is replayed.
func TestChatStreamIgnoredByServer(t *testing.T) {
	srv := serve(t, ok(chatParallel))
	c := newChat(t, srv)
	evs, err := collect(c.Stream(t.Context(), weatherReq()))
	require.NoError(t, err)
	whole, err := c.Generate(t.Context(), weatherReq())
	require.NoError(t, err)
	assert.Equal(t, whole, done(t, evs))
	assert.Equal(t, whole.Message.ToolCalls(), calls(evs))
}

func TestChatStreamErrorChunk(t *testing.T) {
	srv := serve(t, stream(
		"data: "+chatTextChunks[1]+"\n\n",
		`data: {"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}`+"\n\n"))
	evs, err := collect(newChat(t, srv).Stream(t.Context(), weatherReq()))
	require.Error(t, err)
	assert.Equal(t, []llm.EventKind{llm.EventText}, kinds(evs))
	var apiErr *llm.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusOK, apiErr.StatusCode)
	assert.Equal(t, "server_error", apiErr.Type)
	assert.Equal(t, "req_123", apiErr.RequestID)
	assert.True(t, apiErr.Retryable())
	assert.True(t, strings.HasPrefix(err.Error(), "openai: HTTP 200 server_error"), err.Error())
}
