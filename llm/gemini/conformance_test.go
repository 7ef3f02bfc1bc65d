package gemini

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
)

func TestConformance(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(strictGemini))
	t.Cleanup(srv.Close)
	c, err := New(WithAPIKey(testKey), WithBaseURL(srv.URL+"/v1beta"), WithHTTPClient(srv.Client()), WithModel("gemini-fake"))
	require.NoError(t, err)
	llmtest.TestModel(t, c)
}

// A tool round trip through the strict fake: the signed call is echoed so
// that the fake accepts the follow-up, and a corrupted signature is refused.
func TestRoundTripAgainstStrictFake(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(strictGemini))
	t.Cleanup(srv.Close)
	c, err := New(WithAPIKey(testKey), WithBaseURL(srv.URL+"/v1beta"), WithHTTPClient(srv.Client()), WithModel("gemini-fake"))
	require.NoError(t, err)

	req := &llm.Request{Messages: []llm.Message{llm.UserText("Weather in Paris?")}, Tools: []llm.ToolSpec{llmtest.WeatherTool},
		ToolChoice: llm.ToolChoice{Mode: llm.ToolRequired}}
	resp, err := c.Generate(t.Context(), req)
	require.NoError(t, err)
	calls := resp.Message.ToolCalls()
	require.Len(t, calls, 1)
	req.ToolChoice = llm.ToolChoice{}
	req.Messages = append(req.Messages, resp.Message, llm.Message{Role: llm.RoleUser, Parts: []llm.Part{llm.ToolResultPart(calls[0], "18°C", false)}})
	final, err := c.Generate(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, "Hello from the fake.", final.Message.Text())

	resp.Message.Parts[0].Opaque.Signature = "Ym9ndXM="
	_, err = c.Generate(t.Context(), req)
	var apiErr *llm.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "INVALID_ARGUMENT", apiErr.Type)
	assert.Contains(t, apiErr.Message, "corrupted thought signature")
}

var endpoint = regexp.MustCompile(`^/v1beta/models/([\w.-]+):(generateContent|streamGenerateContent)$`)

// strictGemini is a fake Gemini API that checks requests the way the real
// one does and answers with the wire format. It asks for a tool call when
// function calling is forced (mode ANY) and says hello otherwise. Function
// calls it returns are signed with a signature derived from the call, so a
// signature echoed on the wrong part is caught.
func strictGemini(w http.ResponseWriter, r *http.Request) {
	m := endpoint.FindStringSubmatch(r.URL.Path)
	switch {
	case r.Method != http.MethodPost || m == nil:
		geminiError(w, 404, "NOT_FOUND", "no such method "+r.URL.Path)
		return
	case r.Header.Get("x-goog-api-key") != testKey || r.URL.Query().Has("key"):
		geminiError(w, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
		return
	case m[2] == "streamGenerateContent" && r.URL.Query().Get("alt") != "sse":
		geminiError(w, 400, "INVALID_ARGUMENT", "this fake streams only with alt=sse")
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		geminiError(w, 400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
		return
	}
	if err := checkRequest(req); err != nil {
		geminiError(w, 400, "INVALID_ARGUMENT", err.Error())
		return
	}

	var parts []any
	if mode, _ := dig(req, "toolConfig", "functionCallingConfig", "mode").(string); mode == "ANY" {
		name, _ := dig(req, "tools", 0, "functionDeclarations", 0, "name").(string)
		if allowed, ok := dig(req, "toolConfig", "functionCallingConfig", "allowedFunctionNames", 0).(string); ok {
			name = allowed
		}
		args := map[string]any{"city": "Paris"}
		parts = []any{map[string]any{"functionCall": map[string]any{"name": name, "args": args}, "thoughtSignature": sign(name, args)}}
	} else {
		parts = []any{map[string]any{"text": "Hello "}, map[string]any{"text": "from the fake."}}
	}
	usage := map[string]any{"promptTokenCount": 20, "candidatesTokenCount": 5, "totalTokenCount": 25}
	if m[2] == "generateContent" {
		writeJSON(w, map[string]any{
			"candidates":    []any{map[string]any{"index": 0, "finishReason": "STOP", "content": map[string]any{"role": "model", "parts": parts}}},
			"usageMetadata": usage, "modelVersion": m[1], "responseId": "fake-1",
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	for i, p := range parts {
		chunk := map[string]any{"candidates": []any{map[string]any{"index": 0, "content": map[string]any{"role": "model", "parts": []any{p}}}}, "modelVersion": m[1]}
		if i == len(parts)-1 {
			chunk["candidates"].([]any)[0].(map[string]any)["finishReason"] = "STOP"
			chunk["usageMetadata"] = usage
		}
		b, _ := json.Marshal(chunk)
		fmt.Fprintf(w, "data: %s\r\n\r\n", b)
		w.(http.Flusher).Flush()
	}
}

// checkRequest enforces what Gemini enforces on a request's shape.
func checkRequest(req map[string]any) error {
	contents, _ := req["contents"].([]any)
	if len(contents) == 0 {
		return fmt.Errorf("* GenerateContentRequest.contents: contents is not specified")
	}
	var prevCalls []string
	for i, c := range contents {
		role, _ := dig(c, "role").(string)
		parts, _ := dig(c, "parts").([]any)
		if role != "user" && role != "model" {
			return fmt.Errorf("contents[%d]: please use a valid role: user, model", i)
		}
		if len(parts) == 0 {
			return fmt.Errorf("contents[%d].parts: must not be empty", i)
		}
		var calls, responses []string
		for j, p := range parts {
			n := 0
			for _, k := range []string{"text", "functionCall", "functionResponse"} {
				if _, ok := p.(map[string]any)[k]; ok {
					n++
				}
			}
			if n != 1 {
				return fmt.Errorf("contents[%d].parts[%d]: a part needs exactly one kind of data", i, j)
			}
			if fc, ok := dig(p, "functionCall").(map[string]any); ok {
				if role != "model" {
					return fmt.Errorf("contents[%d]: functionCall in a %s turn", i, role)
				}
				if _, ok := fc["args"].(map[string]any); !ok {
					return fmt.Errorf("contents[%d].parts[%d].functionCall.args: not an object", i, j)
				}
				if sig, ok := dig(p, "thoughtSignature").(string); ok && sig != sign(fc["name"].(string), fc["args"]) {
					return fmt.Errorf("contents[%d].parts[%d]: corrupted thought signature", i, j)
				}
				calls = append(calls, fc["name"].(string))
			}
			if fr, ok := dig(p, "functionResponse").(map[string]any); ok {
				if _, ok := fr["response"].(map[string]any); !ok || role != "user" {
					return fmt.Errorf("contents[%d].parts[%d]: a functionResponse needs a response object in a user turn", i, j)
				}
				responses = append(responses, fr["name"].(string))
			}
		}
		if len(responses) > 0 && fmt.Sprint(responses) != fmt.Sprint(prevCalls) {
			return fmt.Errorf("contents[%d]: function responses %v do not answer the calls %v of the turn before", i, responses, prevCalls)
		}
		prevCalls = calls
	}
	tools, _ := req["tools"].([]any)
	for _, tool := range tools {
		decls, _ := dig(tool, "functionDeclarations").([]any)
		for _, d := range decls {
			if dig(d, "parametersJsonSchema", "type") != "object" || dig(d, "parameters") != nil {
				return fmt.Errorf("function declaration %v: parametersJsonSchema must be an object schema", dig(d, "name"))
			}
		}
	}
	if mode := dig(req, "toolConfig", "functionCallingConfig", "mode"); mode == "ANY" && len(tools) == 0 {
		return fmt.Errorf("function calling mode ANY needs function declarations")
	}
	return nil
}

func sign(name string, args any) string {
	b, _ := json.Marshal(args) // maps marshal with sorted keys: a canonical form
	return base64.StdEncoding.EncodeToString([]byte("fake-sig:" + name + ":" + string(b)))
}

func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(v)
}

func geminiError(w http.ResponseWriter, code int, status, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg, "status": status}})
}
