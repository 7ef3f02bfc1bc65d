package anthropic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

const testKey = "sk-ant-test-0123456789"

// newTestClient returns a client of the server at srv; with a nil srv, opts
// must give the HTTP client.
func newTestClient(t testing.TB, srv *httptest.Server, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithAPIKey(testKey), WithBaseURL("http://api.test"), WithModel("claude-test")}
	if srv != nil {
		base = append(base, WithBaseURL(srv.URL), WithHTTPClient(srv.Client()))
	}
	c, err := New(append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// recorder keeps the requests a test server received.
type recorder struct {
	mu      sync.Mutex
	bodies  [][]byte
	headers []http.Header
}

func (r *recorder) record(req *http.Request) []byte {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bodies = append(r.bodies, body)
	r.headers = append(r.headers, req.Header.Clone())
	return body
}

func (r *recorder) last(t testing.TB) (map[string]any, http.Header) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(t, r.bodies, "the server received no request")
	var body map[string]any
	require.NoError(t, json.Unmarshal(r.bodies[len(r.bodies)-1], &body))
	return body, r.headers[len(r.headers)-1]
}

func (r *recorder) lastRaw() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bodies[len(r.bodies)-1]
}

// fixtureServer answers every request with testdata/<name>.json, or with
// testdata/<name>.sse when the request streams, as the API does.
func fixtureServer(t testing.TB, name string) (*httptest.Server, *recorder) {
	t.Helper()
	jsonBody := readFixture(t, name+".json")
	sseBody := readFixture(t, name+".sse")
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Stream bool }
		_ = json.Unmarshal(rec.record(r), &req)
		w.Header().Set("request-id", "req_011CTest")
		if req.Stream {
			w.Header().Set("Content-Type", "text/event-stream")
			w.Write(sseBody)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(jsonBody)
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// fakeMessage is a response of the API, as the fake builds it.
type fakeMessage struct {
	ID           string           `json:"id"`
	Type         string           `json:"type"`
	Role         string           `json:"role"`
	Model        string           `json:"model"`
	Content      []map[string]any `json:"content"`
	StopReason   *string          `json:"stop_reason"`
	StopSequence *string          `json:"stop_sequence"`
	Usage        map[string]int   `json:"usage"`
}

// streamOf returns m as the API streams it, text and arguments cut into
// deltas of at most chunk runes.
func streamOf(m fakeMessage, chunk int) []byte {
	var b bytes.Buffer
	event := func(v map[string]any) {
		data, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", v["type"], data)
	}
	start := m
	start.Content, start.StopReason = []map[string]any{}, nil
	start.Usage = maps.Clone(m.Usage) // the input and cache counts are known from the start
	start.Usage["output_tokens"] = 1
	event(map[string]any{"type": "message_start", "message": start})
	for i, c := range m.Content {
		delta := func(typ, field, s string) {
			for _, piece := range pieces(s, chunk) {
				event(map[string]any{"type": "content_block_delta", "index": i, "delta": map[string]any{"type": typ, field: piece}})
			}
		}
		switch c["type"] {
		case "text":
			event(map[string]any{"type": "content_block_start", "index": i, "content_block": map[string]any{"type": "text", "text": ""}})
			delta("text_delta", "text", c["text"].(string))
		case "thinking":
			event(map[string]any{"type": "content_block_start", "index": i, "content_block": map[string]any{"type": "thinking", "thinking": "", "signature": ""}})
			delta("thinking_delta", "thinking", c["thinking"].(string))
			delta("signature_delta", "signature", c["signature"].(string))
		case "tool_use":
			event(map[string]any{"type": "content_block_start", "index": i, "content_block": map[string]any{"type": "tool_use", "id": c["id"], "name": c["name"], "input": map[string]any{}}})
			args, _ := json.Marshal(c["input"])
			delta("input_json_delta", "partial_json", string(args))
		default:
			event(map[string]any{"type": "content_block_start", "index": i, "content_block": c})
		}
		event(map[string]any{"type": "content_block_stop", "index": i})
	}
	event(map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": m.StopReason, "stop_sequence": nil},
		"usage": map[string]int{"output_tokens": m.Usage["output_tokens"]}})
	event(map[string]any{"type": "message_stop"})
	return b.Bytes()
}

func pieces(s string, n int) []string {
	r := []rune(s)
	var out []string
	for len(r) > n {
		out, r = append(out, string(r[:n])), r[n:]
	}
	return append(out, string(r))
}

// fakeAPI stands in for the Messages API. It checks the headers and the
// body against rules the API enforces, answering a request that breaks one
// with the API's 400, and otherwise answers as the API would, streamed or
// not: with a call to a tool when tool use is forced, and with text
// otherwise.
type fakeAPI struct {
	recorder
	mu    sync.Mutex
	calls int
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body := f.record(r)
	fail := func(status int, typ string, err error) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"type":"error","error":{"type":%q,"message":%q},"request_id":"req_fake"}`, typ, err.Error())
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
		fail(http.StatusNotFound, "not_found_error", fmt.Errorf("no route %s %s", r.Method, r.URL.Path))
		return
	}
	if r.Header.Get("x-api-key") != testKey {
		fail(http.StatusUnauthorized, "authentication_error", errors.New("invalid x-api-key"))
		return
	}
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		fail(http.StatusBadRequest, "invalid_request_error", err)
		return
	}
	if err := checkRequest(r.Header, req); err != nil {
		fail(http.StatusBadRequest, "invalid_request_error", err)
		return
	}
	f.mu.Lock()
	f.calls++
	n := f.calls
	f.mu.Unlock()
	msg := answer(req, n)
	w.Header().Set("request-id", fmt.Sprintf("req_fake_%d", n))
	if req["stream"] == true {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write(streamOf(msg, 3))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(msg)
}

func answer(req map[string]any, n int) fakeMessage {
	msgs := req["messages"].([]any)
	stop := "end_turn"
	m := fakeMessage{
		ID: fmt.Sprintf("msg_fake_%d", n), Type: "message", Role: "assistant", Model: req["model"].(string),
		StopReason: &stop,
		Usage:      map[string]int{"input_tokens": 10 * len(msgs), "output_tokens": 5, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
	}
	if tc, ok := req["tool_choice"].(map[string]any); ok && (tc["type"] == "any" || tc["type"] == "tool") {
		name, _ := tc["name"].(string)
		if name == "" {
			name = req["tools"].([]any)[0].(map[string]any)["name"].(string)
		}
		stop = "tool_use"
		m.Content = []map[string]any{
			{"type": "text", "text": "Checking."},
			{"type": "tool_use", "id": fmt.Sprintf("toolu_fake_%d", n), "name": name, "input": map[string]any{"city": "Paris"}},
		}
		return m
	}
	m.Content = []map[string]any{{"type": "text", "text": "Hello, there."}}
	return m
}

var (
	idPattern   = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
	namePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
)

// checkRequest enforces the API's documented rules on a request.
func checkRequest(h http.Header, req map[string]any) error {
	if h.Get("anthropic-version") != Version {
		return fmt.Errorf("anthropic-version header %q", h.Get("anthropic-version"))
	}
	if !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		return fmt.Errorf("content type %q", h.Get("Content-Type"))
	}
	if m, _ := req["model"].(string); m == "" {
		return errors.New("model: field required")
	}
	maxTokens, _ := req["max_tokens"].(float64)
	if maxTokens < 1 {
		return errors.New("max_tokens: field required")
	}
	breakpoints := 0
	marked := func(b map[string]any) {
		if b["cache_control"] != nil {
			breakpoints++
		}
	}
	toolNames := map[string]bool{}
	tools, _ := req["tools"].([]any)
	for _, tl := range tools {
		t := tl.(map[string]any)
		name, _ := t["name"].(string)
		if !namePattern.MatchString(name) {
			return fmt.Errorf("tools: name %q does not match %s", name, namePattern)
		}
		if s, ok := t["input_schema"].(map[string]any); !ok || s["type"] != "object" {
			return fmt.Errorf("tools.%s.input_schema: type must be object", name)
		}
		toolNames[name] = true
		marked(t)
	}
	if tc, ok := req["tool_choice"].(map[string]any); ok && tc["type"] == "tool" && !toolNames[tc["name"].(string)] {
		return fmt.Errorf("tool_choice names unknown tool %v", tc["name"])
	}
	if sys, ok := req["system"].([]any); ok {
		for _, b := range sys {
			marked(b.(map[string]any))
		}
	}
	if th, ok := req["thinking"].(map[string]any); ok {
		budget := th["budget_tokens"].(float64)
		if budget < 1024 || budget >= maxTokens {
			return fmt.Errorf("thinking.budget_tokens %v: must be >= 1024 and less than max_tokens", budget)
		}
		if t, ok := req["temperature"].(float64); ok && t != 1 {
			return errors.New("temperature may only be set to 1 when thinking is enabled")
		}
		if tc, ok := req["tool_choice"].(map[string]any); ok && (tc["type"] == "any" || tc["type"] == "tool") {
			return errors.New("Thinking may not be enabled when tool_choice forces tool use.")
		}
	}
	msgs, _ := req["messages"].([]any)
	if len(msgs) == 0 {
		return errors.New("messages: at least one message is required")
	}
	var pending []string // tool_use ids the next message must answer
	for i, mv := range msgs {
		m := mv.(map[string]any)
		role := m["role"]
		content, _ := m["content"].([]any)
		if len(content) == 0 {
			return fmt.Errorf("messages.%d: content must be non-empty", i)
		}
		var calls []string
		results := 0
		for j, bv := range content {
			b := bv.(map[string]any)
			marked(b)
			switch b["type"] {
			case "text":
				if strings.TrimSpace(b["text"].(string)) == "" {
					return fmt.Errorf("messages.%d.content.%d: text content blocks must contain non-whitespace text", i, j)
				}
			case "tool_use":
				id, _ := b["id"].(string)
				if role != "assistant" || !idPattern.MatchString(id) {
					return fmt.Errorf("messages.%d.content.%d: bad tool_use (role %v, id %q)", i, j, role, id)
				}
				if _, ok := b["input"].(map[string]any); !ok {
					return fmt.Errorf("messages.%d.content.%d.tool_use.input: Input should be a valid dictionary", i, j)
				}
				calls = append(calls, id)
			case "tool_result":
				if role != "user" || j != results {
					return fmt.Errorf("messages.%d.content.%d: tool_result blocks must come first in a user message", i, j)
				}
				if k := indexOf(pending, b["tool_use_id"]); k < 0 {
					return fmt.Errorf("messages.%d.content.%d: unexpected tool_use_id %v", i, j, b["tool_use_id"])
				} else {
					pending = append(pending[:k], pending[k+1:]...)
				}
				results++
			case "thinking", "redacted_thinking":
				if role != "assistant" || b["cache_control"] != nil {
					return fmt.Errorf("messages.%d.content.%d: misplaced %s block", i, j, b["type"])
				}
				if b["type"] == "thinking" && b["signature"] == nil {
					return fmt.Errorf("messages.%d.content.%d.signature: field required", i, j)
				}
			default:
				return fmt.Errorf("messages.%d.content.%d: unknown block type %v", i, j, b["type"])
			}
		}
		if len(pending) > 0 {
			return fmt.Errorf("messages.%d: tool_use ids %v have no tool_result blocks immediately after", i-1, pending)
		}
		pending = calls
	}
	if breakpoints > 4 {
		return fmt.Errorf("a maximum of 4 blocks with cache_control may be provided, found %d", breakpoints)
	}
	return nil
}

func indexOf(ids []string, v any) int {
	for i, id := range ids {
		if id == v {
			return i
		}
	}
	return -1
}
