package anthropic_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/anthropic"
)

// A tool-using turn. The server stands in for the API; against the real one,
// leave out WithBaseURL and WithAPIKey and set ANTHROPIC_API_KEY.
func Example() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("request-id", "req_example")
		io.WriteString(w, `{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5",
			"content":[{"type":"text","text":"Let me look."},
			           {"type":"tool_use","id":"toolu_01","name":"bash","input":{"command":"ls"}}],
			"stop_reason":"tool_use","stop_sequence":null,
			"usage":{"input_tokens":120,"output_tokens":30,"cache_creation_input_tokens":0,"cache_read_input_tokens":1800}}`)
	}))
	defer api.Close()

	c, err := anthropic.New(
		anthropic.WithAPIKey("sk-ant-example"),
		anthropic.WithBaseURL(api.URL),
		anthropic.WithModel("claude-sonnet-4-5"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := c.Generate(context.Background(), &llm.Request{
		System:   "You are a careful engineer.",
		Messages: []llm.Message{llm.UserText("What is in this directory?")},
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
	fmt.Println(resp.Message.Text())
	for _, call := range resp.Message.ToolCalls() {
		fmt.Println(call.Name, string(call.Args))
	}
	fmt.Println(resp.StopReason, resp.RequestID)
	fmt.Printf("%+v\n", resp.Usage)
	// Output:
	// Let me look.
	// bash {"command":"ls"}
	// tool_use req_example
	// {InputTokens:120 OutputTokens:30 CacheReadTokens:1800 CacheWriteTokens:0 ReasoningTokens:0}
}

func ExampleClient_Stream() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, `event: message_start
data: {"type":"message_start","message":{"id":"msg_02","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":20,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":", world."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":6}}

event: message_stop
data: {"type":"message_stop"}

`)
	}))
	defer api.Close()

	c, err := anthropic.New(anthropic.WithAPIKey("sk-ant-example"), anthropic.WithBaseURL(api.URL), anthropic.WithModel("claude-sonnet-4-5"))
	if err != nil {
		fmt.Println(err)
		return
	}
	req := &llm.Request{Messages: []llm.Message{llm.UserText("Greet the world.")}}
	for ev, err := range c.Stream(context.Background(), req) {
		if err != nil {
			fmt.Println(err)
			return
		}
		switch ev.Kind {
		case llm.EventText:
			fmt.Printf("%q\n", ev.Text)
		case llm.EventDone:
			fmt.Println(ev.Response.StopReason, ev.Response.Usage.OutputTokens)
		}
	}
	// Output:
	// "Hello"
	// ", world."
	// end 6
}
