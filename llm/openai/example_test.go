package openai_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/openai"
)

// A Chat Completions client pointed at a compatible server; here a local
// stand-in that asks for one tool call.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"chatcmpl-1","model":"qwen3","choices":[{"index":0,"finish_reason":"tool_calls",
			"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
			"function":{"name":"bash","arguments":"{\"command\":\"go test ./...\"}"}}]}}],
			"usage":{"prompt_tokens":120,"completion_tokens":12,"prompt_tokens_details":{"cached_tokens":100}}}`)
	}))
	defer srv.Close()

	client, err := openai.New(openai.WithBaseURL(srv.URL), openai.WithModel("qwen3"))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := client.Generate(context.Background(), &llm.Request{
		System:   "You fix bugs.",
		Messages: []llm.Message{llm.UserText("Do the tests pass?")},
		Tools: []llm.ToolSpec{{
			Name:        "bash",
			Description: "Run a shell command.",
			Schema:      json.RawMessage(`{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}`),
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, call := range resp.Message.ToolCalls() {
		fmt.Println(call.ID, call.Name, string(call.Args))
	}
	fmt.Println(resp.StopReason, resp.Usage.InputTokens, resp.Usage.CacheReadTokens, resp.Usage.OutputTokens)
	// Output:
	// call_1 bash {"command":"go test ./..."}
	// tool_use 20 100 12
}

// Streaming from the Responses API; here a local stand-in server.
func ExampleResponsesClient_Stream() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for _, data := range []string{
			`{"type":"response.output_text.delta","output_index":0,"delta":"All "}`,
			`{"type":"response.output_text.delta","output_index":0,"delta":"green."}`,
			`{"type":"response.completed","response":{"id":"resp_1","model":"gpt-5","status":"completed",` +
				`"output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"All green."}]}],` +
				`"usage":{"input_tokens":30,"output_tokens":3}}}`,
		} {
			fmt.Fprintf(w, "data: %s\n\n", data)
		}
	}))
	defer srv.Close()

	client, err := openai.NewResponses(openai.WithBaseURL(srv.URL), openai.WithModel("gpt-5"))
	if err != nil {
		fmt.Println(err)
		return
	}
	req := &llm.Request{Messages: []llm.Message{llm.UserText("Status?")}}
	for ev, err := range client.Stream(context.Background(), req) {
		if err != nil {
			fmt.Println(err)
			return
		}
		switch ev.Kind {
		case llm.EventText:
			fmt.Printf("%q\n", ev.Text)
		case llm.EventDone:
			fmt.Println(ev.Response.StopReason, ev.Response.Usage.Total())
		}
	}
	// Output:
	// "All "
	// "green."
	// end 33
}
