package openai

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

const respMessageItem = `{"type":"message","id":"msg_1","status":"completed","role":"assistant",
 "content":[{"type":"output_text","text":"Hello!","annotations":[]}]}`

const respPlain = `{"id":"resp_1","object":"response","status":"completed","model":"gpt-test-2025",
 "output":[` + respMessageItem + `],
 "usage":{"input_tokens":120,"input_tokens_details":{"cached_tokens":100},"output_tokens":30,
  "output_tokens_details":{"reasoning_tokens":10},"total_tokens":150}}`

const (
	respReasoningItem = `{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Need weather."}],"encrypted_content":"gAAAA-enc-1"}`
	respTextItem      = `{"type":"message","id":"msg_2","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Checking both.","annotations":[]}]}`
	respCall1         = `{"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}","status":"completed"}`
	respCall2         = `{"type":"function_call","id":"fc_2","call_id":"call_2","name":"get_weather","arguments":"{\"city\":\"Rome\",\"unit\":\"c\"}","status":"completed"}`
)

const respOneCall = `{"id":"resp_2","object":"response","status":"completed","model":"gpt-test",
 "output":[` + respReasoningItem + `,` + respCall1 + `],
 "usage":{"input_tokens":50,"output_tokens":10,"total_tokens":60,"input_tokens_details":{"cached_tokens":0}}}`

const respParallel = `{"id":"resp_3","object":"response","status":"completed","model":"gpt-test",
 "output":[` + respReasoningItem + `,` + respTextItem + `,` + respCall1 + `,` + respCall2 + `],
 "usage":{"input_tokens":50,"output_tokens":20,"total_tokens":70}}`

func reasoningPart(item string) llm.Part {
	return llm.Part{Kind: llm.KindReasoning, Text: "Need weather.", Opaque: &llm.Opaque{Provider: "openai", Data: json.RawMessage(compact(item))}}
}

// officialResponses returns a client configured for api.openai.com whose
// requests go to srv.
func officialResponses(t *testing.T, srv *fakeServer) *ResponsesClient {
	t.Helper()
	return newResponses(t, srv, WithBaseURL(DefaultBaseURL), WithHTTPClient(redirect(srv)))
}

func TestResponsesPlainText(t *testing.T) {
	srv := serve(t, ok(respPlain))
	resp, err := officialResponses(t, srv).Generate(t.Context(), &llm.Request{
		System:   "Be brief.",
		Messages: []llm.Message{llm.UserText("Say hello.")},
	})
	require.NoError(t, err)
	assert.Equal(t, &llm.Response{
		Message:            llm.AssistantText("Hello!"),
		StopReason:         llm.StopEnd,
		ProviderStopReason: "completed",
		Usage:              llm.Usage{InputTokens: 20, CacheReadTokens: 100, OutputTokens: 30, ReasoningTokens: 10},
		Model:              "gpt-test-2025",
		ID:                 "resp_1",
		RequestID:          "req_123",
	}, resp)

	got := srv.last(t)
	assert.Equal(t, "/v1/responses", got.Path)
	assert.Equal(t, "Bearer sk-test", got.Header.Get("Authorization"))
	assert.JSONEq(t, `"Be brief."`, got.field("instructions"))
	assert.JSONEq(t, `[{"type":"message","role":"user","content":[{"type":"input_text","text":"Say hello."}]}]`, got.field("input"))
	assert.JSONEq(t, `false`, got.field("store"), "stateless")
	assert.JSONEq(t, `["reasoning.encrypted_content"]`, got.field("include"))
	for _, absent := range []string{"tools", "tool_choice", "stream", "max_output_tokens", "reasoning", "previous_response_id"} {
		assert.NotContains(t, got.Body, absent)
	}
}

func TestResponsesCompatibleServerNoInclude(t *testing.T) {
	srv := serve(t, ok(respPlain))
	_, err := newResponses(t, srv).Generate(t.Context(), weatherReq())
	require.NoError(t, err)
	assert.NotContains(t, srv.last(t).Body, "include")
	assert.JSONEq(t, `false`, srv.last(t).field("store"))
}

func TestResponsesRequestOptions(t *testing.T) {
	srv := serve(t, ok(respPlain))
	temp := 0.3
	req := weatherReq()
	req.Temperature = &temp
	req.Reasoning = llm.EffortHigh
	req.Cache.Key = "agent-7"
	req.ToolChoice = llm.ToolChoice{Mode: llm.ToolNamed, Name: "get_weather"}
	_, err := newResponses(t, srv, WithReasoningSummary("auto")).Generate(t.Context(), req)
	require.NoError(t, err)
	got := srv.last(t)
	assert.JSONEq(t, `0.3`, got.field("temperature"))
	assert.JSONEq(t, `100`, got.field("max_output_tokens"))
	assert.JSONEq(t, `{"effort":"high","summary":"auto"}`, got.field("reasoning"))
	assert.JSONEq(t, `"agent-7"`, got.field("prompt_cache_key"))
	assert.JSONEq(t, `{"type":"function","name":"get_weather"}`, got.field("tool_choice"))
	assert.JSONEq(t, `[{"type":"function","name":"get_weather","description":"Weather for a city.","strict":false,
		"parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["c","f"]}},"required":["city"]}}]`,
		got.field("tools"), "flat tools; strict false said aloud, since the API defaults to true")
}

func TestResponsesStrictTools(t *testing.T) {
	srv := serve(t, ok(respPlain))
	_, err := newResponses(t, srv, WithStrictTools(true)).Generate(t.Context(), weatherReq())
	require.NoError(t, err)
	assert.JSONEq(t, `[{"type":"function","name":"get_weather","description":"Weather for a city.","strict":true,
		"parameters":{"type":"object","properties":{"city":{"type":"string"},
		  "unit":{"anyOf":[{"type":"string","enum":["c","f"]},{"type":"null"}]}},
		  "required":["city","unit"],"additionalProperties":false}}]`, srv.last(t).field("tools"))
}

func TestResponsesOneToolCall(t *testing.T) {
	srv := serve(t, ok(respOneCall))
	resp, err := newResponses(t, srv).Generate(t.Context(), weatherReq())
	require.NoError(t, err)
	assert.Equal(t, llm.StopToolUse, resp.StopReason)
	assert.Equal(t, []llm.Part{
		reasoningPart(respReasoningItem),
		llm.ToolCallPart("call_1", "get_weather", json.RawMessage(`{"city":"Paris"}`)),
	}, resp.Message.Parts)
	assert.Equal(t, llm.Usage{InputTokens: 50, OutputTokens: 10}, resp.Usage)
}

func TestResponsesParallelToolCalls(t *testing.T) {
	srv := serve(t, ok(respParallel))
	resp, err := newResponses(t, srv).Generate(t.Context(), weatherReq())
	require.NoError(t, err)
	assert.Equal(t, llm.StopToolUse, resp.StopReason)
	assert.Equal(t, []llm.Part{
		reasoningPart(respReasoningItem),
		llm.TextPart("Checking both."),
		llm.ToolCallPart("call_1", "get_weather", json.RawMessage(`{"city":"Paris"}`)),
		llm.ToolCallPart("call_2", "get_weather", json.RawMessage(`{"city":"Rome","unit":"c"}`)),
	}, resp.Message.Parts)
}

// The request after tool results carries the assistant turn as items, in
// order: the reasoning item verbatim, the text, the calls with their
// arguments as written; then the outputs and the user's text.
func TestResponsesFollowUpRequest(t *testing.T) {
	srv := serve(t, ok(respParallel), ok(respPlain))
	c := newResponses(t, srv)
	req := weatherReq()
	resp, err := c.Generate(t.Context(), req)
	require.NoError(t, err)
	turn := resp.Message
	// A malformed argument string goes back as it came; reasoning that
	// cannot be sent back statelessly, or is another provider's, is dropped.
	turn.Parts[3].ToolCall.Args = json.RawMessage(`{"city": "Rome",}`)
	turn.Parts = append(turn.Parts,
		llm.Part{Kind: llm.KindReasoning, Text: "x", Opaque: &llm.Opaque{Provider: "openai", Data: json.RawMessage(`{"type":"reasoning","id":"rs_2","summary":[]}`)}},
		llm.Part{Kind: llm.KindReasoning, Text: "y", Opaque: &llm.Opaque{Provider: chatReasoning, Data: json.RawMessage(`{"field":"reasoning"}`)}},
	)
	req.Messages = append(req.Messages, turn, llm.Message{Role: llm.RoleUser, Parts: []llm.Part{
		llm.ToolResultPart(*turn.Parts[2].ToolCall, "18C", false),
		llm.ToolResultPart(*turn.Parts[3].ToolCall, "invalid arguments", true),
		llm.TextPart("Be quick."),
	}})
	_, err = c.Generate(t.Context(), req)
	require.NoError(t, err)
	assert.JSONEq(t, `[
		{"type":"message","role":"user","content":[{"type":"input_text","text":"Weather in Paris and Rome?"}]},
		`+respReasoningItem+`,
		{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking both.","annotations":[]}]},
		{"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
		{"type":"function_call","call_id":"call_2","name":"get_weather","arguments":"{\"city\": \"Rome\",}"},
		{"type":"function_call_output","call_id":"call_1","output":"18C"},
		{"type":"function_call_output","call_id":"call_2","output":"Error: invalid arguments"},
		{"type":"message","role":"user","content":[{"type":"input_text","text":"Be quick."}]}]`, srv.last(t).field("input"))
}

func TestResponsesStatus(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		stop     llm.StopReason
		provider string
		text     string
	}{
		{"incomplete at max_output_tokens", `{"id":"r","model":"m","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},
			"output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Once"}]}]}`, llm.StopMaxTokens, "max_output_tokens", "Once"},
		{"incomplete by content filter", `{"id":"r","model":"m","status":"incomplete","incomplete_details":{"reason":"content_filter"},"output":[]}`,
			llm.StopRefusal, "content_filter", ""},
		{"refusal", `{"id":"r","model":"m","status":"completed","output":[{"type":"message","role":"assistant",
			"content":[{"type":"refusal","refusal":"I can't help with that."}]}]}`, llm.StopRefusal, "completed", "I can't help with that."},
		{"reasoning text from a compatible server", `{"id":"r","model":"gpt-oss","status":"completed","output":[
			{"type":"reasoning","id":"rs","summary":[],"content":[{"type":"reasoning_text","text":"Think."}]},
			{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Done."}]}]}`, llm.StopEnd, "completed", "Done."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, ok(tt.body))
			resp, err := newResponses(t, srv).Generate(t.Context(), weatherReq())
			require.NoError(t, err)
			assert.Equal(t, tt.stop, resp.StopReason)
			assert.Equal(t, tt.provider, resp.ProviderStopReason)
			assert.Equal(t, tt.text, resp.Message.Text())
		})
	}
}

func TestResponsesFailed(t *testing.T) {
	srv := serve(t, ok(`{"id":"r","model":"m","status":"failed","error":{"code":"server_error","message":"Something broke."},"output":[]}`))
	_, err := newResponses(t, srv).Generate(t.Context(), weatherReq())
	var apiErr *llm.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "server_error", apiErr.Type)
	assert.Equal(t, "Something broke.", apiErr.Message)
	assert.True(t, apiErr.Retryable())
}

// Models that do not reason refuse the encrypted-reasoning include; the
// client resends without it and stops asking for that model.
func TestResponsesIncludeRefused(t *testing.T) {
	refused := reply(400, `{"error":{"message":"Encrypted content is not supported with this model.","type":"invalid_request_error","param":"include","code":null}}`)
	srv := serve(t, refused, ok(respPlain))
	c := officialResponses(t, srv)
	for range 2 {
		_, err := c.Generate(t.Context(), weatherReq())
		require.NoError(t, err)
	}
	reqs := srv.requests()
	require.Len(t, reqs, 3)
	assert.JSONEq(t, `["reasoning.encrypted_content"]`, reqs[0].field("include"))
	assert.NotContains(t, reqs[1].Body, "include")
	assert.NotContains(t, reqs[2].Body, "include", "remembered for the model")
}

func TestResponsesRefusesStop(t *testing.T) {
	srv := serve(t, ok(respPlain))
	req := weatherReq()
	req.Stop = []string{"END"}
	_, err := newResponses(t, srv).Generate(t.Context(), req)
	require.ErrorContains(t, err, "no stop sequences")
	assert.Empty(t, srv.requests())
}

func TestResponsesAzure(t *testing.T) {
	tests := []struct{ version, path, query string }{
		{"", "/openai/v1/responses", ""},
		{"v1", "/openai/v1/responses", ""},
		{"2025-04-01-preview", "/openai/responses", "api-version=2025-04-01-preview"},
	}
	for _, tt := range tests {
		t.Run("version "+tt.version, func(t *testing.T) {
			srv := serve(t, ok(respPlain))
			c, err := NewResponses(WithAzure(srv.URL+"/", "my-gpt", tt.version), WithAPIKey("az-key"), WithHTTPClient(srv.Client()))
			require.NoError(t, err)
			_, err = c.Generate(t.Context(), &llm.Request{Messages: []llm.Message{llm.UserText("hi")}})
			require.NoError(t, err)
			got := srv.last(t)
			assert.Equal(t, tt.path, got.Path)
			assert.Equal(t, tt.query, got.Query)
			assert.Equal(t, "az-key", got.Header.Get("api-key"))
			assert.Empty(t, got.Header.Get("Authorization"))
			assert.JSONEq(t, `"my-gpt"`, got.field("model"))
		})
	}
}

// The events of the Responses stream that answers with respParallel.
var respParallelEvents = []string{
	`{"type":"response.created","sequence_number":0,"response":{"id":"resp_3","object":"response","status":"in_progress","model":"gpt-test","output":[]}}`,
	`{"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_3","object":"response","status":"in_progress","model":"gpt-test","output":[]}}`,
	`{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"type":"reasoning","id":"rs_1","summary":[]}}`,
	`{"type":"response.reasoning_summary_text.delta","sequence_number":3,"item_id":"rs_1","output_index":0,"summary_index":0,"delta":"Need "}`,
	`{"type":"response.reasoning_summary_text.delta","sequence_number":4,"item_id":"rs_1","output_index":0,"summary_index":0,"delta":"weather."}`,
	`{"type":"response.output_item.done","sequence_number":5,"output_index":0,"item":` + respReasoningItem + `}`,
	`{"type":"response.output_item.added","sequence_number":6,"output_index":1,"item":{"type":"message","id":"msg_2","status":"in_progress","role":"assistant","content":[]}}`,
	`{"type":"response.content_part.added","sequence_number":7,"item_id":"msg_2","output_index":1,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}`,
	`{"type":"response.output_text.delta","sequence_number":8,"item_id":"msg_2","output_index":1,"content_index":0,"delta":"Checking "}`,
	`{"type":"response.output_text.delta","sequence_number":9,"item_id":"msg_2","output_index":1,"content_index":0,"delta":"both."}`,
	`{"type":"response.output_text.done","sequence_number":10,"item_id":"msg_2","output_index":1,"content_index":0,"text":"Checking both."}`,
	`{"type":"response.output_item.done","sequence_number":11,"output_index":1,"item":` + respTextItem + `}`,
	`{"type":"response.output_item.added","sequence_number":12,"output_index":2,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"","status":"in_progress"}}`,
	`{"type":"response.function_call_arguments.delta","sequence_number":13,"item_id":"fc_1","output_index":2,"delta":"{\"city\":"}`,
	`{"type":"response.function_call_arguments.delta","sequence_number":14,"item_id":"fc_1","output_index":2,"delta":"\"Paris\"}"}`,
	`{"type":"response.function_call_arguments.done","sequence_number":15,"item_id":"fc_1","output_index":2,"arguments":"{\"city\":\"Paris\"}"}`,
	`{"type":"response.output_item.done","sequence_number":16,"output_index":2,"item":` + respCall1 + `}`,
	`{"type":"response.output_item.added","sequence_number":17,"output_index":3,"item":{"type":"function_call","id":"fc_2","call_id":"call_2","name":"get_weather","arguments":"","status":"in_progress"}}`,
	`{"type":"response.function_call_arguments.delta","sequence_number":18,"item_id":"fc_2","output_index":3,"delta":"{\"city\":\"Rome\",\"unit\":\"c\"}"}`,
	`{"type":"response.function_call_arguments.done","sequence_number":19,"item_id":"fc_2","output_index":3,"arguments":"{\"city\":\"Rome\",\"unit\":\"c\"}"}`,
	`{"type":"response.output_item.done","sequence_number":20,"output_index":3,"item":` + respCall2 + `}`,
	`{"type":"response.completed","sequence_number":21,"response":` + respParallel + `}`,
}

func TestResponsesStreamText(t *testing.T) {
	events := []string{
		`{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","status":"in_progress","model":"gpt-test-2025","output":[]}}`,
		`{"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"type":"message","id":"msg_1","status":"in_progress","role":"assistant","content":[]}}`,
		`{"type":"response.output_text.delta","sequence_number":2,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hel"}`,
		`{"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"lo!"}`,
		`{"type":"response.output_item.done","sequence_number":4,"output_index":0,"item":` + respMessageItem + `}`,
		`{"type":"response.completed","sequence_number":5,"response":` + respPlain + `}`,
	}
	srv := serve(t, stream(respSSE(events...)), ok(respPlain))
	c := newResponses(t, srv)
	req := &llm.Request{Messages: []llm.Message{llm.UserText("Say hello.")}}
	evs, err := collect(c.Stream(t.Context(), req))
	require.NoError(t, err)
	assert.Equal(t, []llm.EventKind{llm.EventText, llm.EventText, llm.EventUsage, llm.EventDone}, kinds(evs))
	assert.Equal(t, "Hello!", textOf(evs, llm.EventText))
	got := srv.last(t)
	assert.JSONEq(t, `true`, got.field("stream"))
	assert.Equal(t, "text/event-stream", got.Header.Get("Accept"))

	whole, err := c.Generate(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, whole, done(t, evs))
}

func TestResponsesStreamToolCalls(t *testing.T) {
	srv := serve(t, stream(respSSE(respParallelEvents...)), ok(respParallel))
	c := newResponses(t, srv)
	evs, err := collect(c.Stream(t.Context(), weatherReq()))
	require.NoError(t, err)
	assert.Equal(t, []llm.EventKind{
		llm.EventReasoning, llm.EventReasoning,
		llm.EventText, llm.EventText, // text before the tool calls
		llm.EventToolCallDelta, llm.EventToolCallDelta, llm.EventToolCall,
		llm.EventToolCallDelta, llm.EventToolCall,
		llm.EventUsage, llm.EventDone,
	}, kinds(evs))
	assert.Equal(t, "Need weather.", textOf(evs, llm.EventReasoning))
	assert.Equal(t, &llm.ToolCall{ID: "call_1", Name: "get_weather"}, evs[4].ToolCall)

	whole, err := c.Generate(t.Context(), weatherReq())
	require.NoError(t, err)
	assert.Equal(t, whole, done(t, evs))
	assert.Equal(t, whole.Message.ToolCalls(), calls(evs))
	assert.Equal(t, whole.Message.Text(), textOf(evs, llm.EventText))
}

// A server whose last event omits the output: the items streamed make the
// response.
func TestResponsesStreamCompletedWithoutOutput(t *testing.T) {
	events := append([]string(nil), respParallelEvents[:len(respParallelEvents)-1]...)
	events = append(events, `{"type":"response.completed","response":{"id":"resp_3","status":"completed","output":[],
		"usage":{"input_tokens":50,"output_tokens":20,"total_tokens":70}}}`)
	srv := serve(t, stream(respSSE(events...)), ok(respParallel))
	c := newResponses(t, srv)
	evs, err := collect(c.Stream(t.Context(), weatherReq()))
	require.NoError(t, err)
	whole, err := c.Generate(t.Context(), weatherReq())
	require.NoError(t, err)
	assert.Equal(t, whole, done(t, evs))
}

func TestResponsesStreamIncomplete(t *testing.T) {
	srv := serve(t, stream(respSSE(
		`{"type":"response.output_text.delta","output_index":0,"delta":"Once"}`,
		`{"type":"response.incomplete","response":{"id":"r","model":"m","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},
		  "output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Once"}]}]}}`)))
	evs, err := collect(newResponses(t, srv).Stream(t.Context(), weatherReq()))
	require.NoError(t, err)
	resp := done(t, evs)
	assert.Equal(t, llm.StopMaxTokens, resp.StopReason)
	assert.Equal(t, "Once", resp.Message.Text())
}

func TestResponsesStreamErrors(t *testing.T) {
	tests := []struct {
		name  string
		event string
		typ   string
		retry bool
		is    error
	}{
		{"response.failed", `{"type":"response.failed","response":{"id":"r","status":"failed","error":{"code":"server_error","message":"Something broke."}}}`,
			"server_error", true, nil},
		{"error event", `{"type":"error","code":"rate_limit_exceeded","message":"Slow down.","param":null,"sequence_number":3}`,
			"rate_limit_exceeded", true, llm.ErrRateLimited},
		{"error event, nested", `{"type":"error","error":{"type":"invalid_request_error","code":"context_length_exceeded","message":"Too long."}}`,
			"context_length_exceeded", false, llm.ErrContextLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, stream(respSSE(`{"type":"response.output_text.delta","output_index":0,"delta":"Hi"}`, tt.event)))
			evs, err := collect(newResponses(t, srv).Stream(t.Context(), weatherReq()))
			assert.Equal(t, []llm.EventKind{llm.EventText}, kinds(evs))
			var apiErr *llm.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, http.StatusOK, apiErr.StatusCode)
			assert.Equal(t, tt.typ, apiErr.Type)
			assert.Equal(t, tt.retry, apiErr.Retryable())
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
		})
	}
}
