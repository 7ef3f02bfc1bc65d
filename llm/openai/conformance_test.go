package openai

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/conclave-dev/conclave/llm/llmtest"
)

// conformingChat answers like a Chat Completions server: a weather call
// when tool use is required, text otherwise, streamed when asked.
func conformingChat(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Stream     bool            `json:"stream"`
		ToolChoice json.RawMessage `json:"tool_choice"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	call := string(req.ToolChoice) == `"required"`
	switch {
	case req.Stream && call:
		stream(chatSSE(
			`{"id":"c1","model":"gpt-test","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_w","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}`,
			`{"id":"c1","model":"gpt-test","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":\"Paris\"}"}}]}}]}`,
			`{"id":"c1","model":"gpt-test","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
			`{"id":"c1","model":"gpt-test","choices":[],"usage":{"prompt_tokens":40,"completion_tokens":9}}`,
		))(w, r)
	case req.Stream:
		stream(chatSSE(chatTextChunks...))(w, r)
	case call:
		ok(chatOneCall)(w, r)
	default:
		ok(chatPlain)(w, r)
	}
}

// conformingResponses answers like the Responses API.
func conformingResponses(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Stream     bool            `json:"stream"`
		ToolChoice json.RawMessage `json:"tool_choice"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	call := string(req.ToolChoice) == `"required"`
	switch {
	case req.Stream && call:
		stream(respSSE(
			`{"type":"response.output_item.added","output_index":0,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":""}}`,
			`{"type":"response.function_call_arguments.delta","output_index":0,"delta":"{\"city\":\"Paris\"}"}`,
			`{"type":"response.output_item.done","output_index":0,"item":`+respCall1+`}`,
			`{"type":"response.completed","response":`+respOneCall+`}`,
		))(w, r)
	case req.Stream:
		stream(respSSE(
			`{"type":"response.output_text.delta","output_index":0,"delta":"Hello!"}`,
			`{"type":"response.completed","response":`+respPlain+`}`,
		))(w, r)
	case call:
		ok(respOneCall)(w, r)
	default:
		ok(respPlain)(w, r)
	}
}

func TestConformance(t *testing.T) {
	t.Run("chat", func(t *testing.T) {
		llmtest.TestModel(t, newChat(t, serve(t, conformingChat)))
	})
	t.Run("responses", func(t *testing.T) {
		llmtest.TestModel(t, newResponses(t, serve(t, conformingResponses)))
	})
}
