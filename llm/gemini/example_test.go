package gemini_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/gemini"
)

// A tool call and its follow-up. A stand-in server answers as the Gemini
// API would, so the example runs offline; against the real API, drop
// WithBaseURL and set GEMINI_API_KEY.
func Example() {
	replies := []string{
		`{"candidates":[{"finishReason":"STOP","content":{"role":"model","parts":[
			{"functionCall":{"name":"bash","args":{"command":"go test ./..."}},"thoughtSignature":"c2ln"}]}}],
			"usageMetadata":{"promptTokenCount":120,"candidatesTokenCount":12,"totalTokenCount":132}}`,
		`{"candidates":[{"finishReason":"STOP","content":{"role":"model","parts":[{"text":"All tests pass."}]}}],
			"usageMetadata":{"promptTokenCount":150,"cachedContentTokenCount":100,"candidatesTokenCount":5,"totalTokenCount":155}}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, replies[0])
		replies = replies[1:]
	}))
	defer srv.Close()

	c, err := gemini.New(gemini.WithAPIKey("demo-key"), gemini.WithBaseURL(srv.URL), gemini.WithModel("gemini-2.5-flash"))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	req := &llm.Request{
		System:   "You fix Go code.",
		Messages: []llm.Message{llm.UserText("Do the tests pass?")},
		Tools: []llm.ToolSpec{{
			Name:        "bash",
			Description: "Run a shell command.",
			Schema:      []byte(`{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}`),
		}},
	}
	resp, err := c.Generate(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	call := resp.Message.ToolCalls()[0]
	fmt.Println(resp.StopReason, call.ID, call.Name, string(call.Args))

	// Append the assistant message unchanged: it carries the thought
	// signature Gemini needs back.
	req.Messages = append(req.Messages, resp.Message,
		llm.Message{Role: llm.RoleUser, Parts: []llm.Part{llm.ToolResultPart(call, "ok  example.com/app  0.01s", false)}})
	resp, err = c.Generate(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StopReason, resp.Message.Text())
	fmt.Printf("input %d, cached %d, output %d\n", resp.Usage.InputTokens, resp.Usage.CacheReadTokens, resp.Usage.OutputTokens)
	// Output:
	// tool_use gemini-call-1 bash {"command":"go test ./..."}
	// end All tests pass.
	// input 50, cached 100, output 5
}
