package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
)

func reasoning(text, signature string) llm.Part {
	return llm.Part{Kind: llm.KindReasoning, Text: text, Opaque: &llm.Opaque{Provider: "anthropic", Signature: signature}}
}

// fixtures are the recorded-format exchanges under testdata, each served
// whole (.json) and streamed (.sse), with the response both must give.
var fixtures = []struct {
	name string
	want llm.Response
}{
	{"text", llm.Response{
		Message:    llm.AssistantText("Hello! How can I help?"),
		StopReason: llm.StopEnd, ProviderStopReason: "end_turn",
		Usage: llm.Usage{InputTokens: 12, OutputTokens: 9},
		Model: "claude-sonnet-4-5-20250929", ID: "msg_01XFDUDYJgAACzvnptvVoYEL",
	}},
	{"tool", llm.Response{
		Message: llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{
			llm.TextPart("Let me look."),
			llm.ToolCallPart("toolu_01A09q90qw90lq917835lq9", "bash", json.RawMessage(`{"command":"ls -la"}`)),
		}},
		StopReason: llm.StopToolUse, ProviderStopReason: "tool_use",
		Usage: llm.Usage{InputTokens: 120, OutputTokens: 30, CacheReadTokens: 1800},
		Model: "claude-sonnet-4-5-20250929", ID: "msg_01Aq9w938a90dw8q",
	}},
	{"parallel", llm.Response{
		Message: llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{
			llm.ToolCallPart("toolu_01Paris", "get_weather", json.RawMessage(`{"city":"Paris","unit":"celsius"}`)),
			llm.ToolCallPart("toolu_02London", "get_weather", json.RawMessage(`{"city":"London"}`)),
		}},
		StopReason: llm.StopToolUse, ProviderStopReason: "tool_use",
		Usage: llm.Usage{InputTokens: 410, OutputTokens: 88},
		Model: "claude-sonnet-4-5-20250929", ID: "msg_01Parallel7Qe",
	}},
	{"thinking", llm.Response{
		Message: llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{
			reasoning("The user wants the tests run. I should call the tool.", "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"),
			llm.TextPart("Running the tests."),
			llm.ToolCallPart("toolu_01RunTests", "run_tests", json.RawMessage(`{}`)),
		}},
		StopReason: llm.StopToolUse, ProviderStopReason: "tool_use",
		Usage: llm.Usage{InputTokens: 35, OutputTokens: 161, CacheWriteTokens: 2048},
		Model: "claude-sonnet-4-5-20250929", ID: "msg_01ThinkTool",
	}},
	{"redacted", llm.Response{
		Message: llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{
			{Kind: llm.KindReasoning, Opaque: &llm.Opaque{Provider: "anthropic",
				Data: json.RawMessage(`{"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"}`)}},
			reasoning("", "ErUBCkYIBRgCIkB0sig"),
			llm.TextPart("Done."),
		}},
		StopReason: llm.StopEnd, ProviderStopReason: "end_turn",
		Usage: llm.Usage{InputTokens: 50, OutputTokens: 240},
		Model: "claude-3-7-sonnet-20250219", ID: "msg_01Redacted",
	}},
}

func TestGenerate(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			srv, _ := fixtureServer(t, f.name)
			resp, err := newTestClient(t, srv).Generate(t.Context(), &llm.Request{Messages: []llm.Message{llm.UserText("hi")}})
			require.NoError(t, err)
			want := f.want
			want.RequestID = "req_011CTest"
			assert.Equal(t, &want, resp)
		})
	}
}

func TestNew(t *testing.T) {
	t.Run("NoKey", func(t *testing.T) {
		t.Setenv("ANTHROPIC_API_KEY", "")
		_, err := New()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "ANTHROPIC_API_KEY")
		assert.Contains(t, err.Error(), "WithAPIKey")
	})
	t.Run("Environment", func(t *testing.T) {
		api := &fakeAPI{}
		srv := httptest.NewServer(api)
		defer srv.Close()
		t.Setenv("ANTHROPIC_API_KEY", testKey)
		t.Setenv("ANTHROPIC_BASE_URL", srv.URL+"/")
		c, err := New(WithModel("claude-env"))
		require.NoError(t, err)
		resp, err := c.Generate(t.Context(), &llm.Request{Messages: []llm.Message{llm.UserText("hi")}})
		require.NoError(t, err)
		assert.Equal(t, "claude-env", resp.Model)
	})
	t.Run("OptionsOverrideEnvironment", func(t *testing.T) {
		api := &fakeAPI{}
		srv := httptest.NewServer(api)
		defer srv.Close()
		t.Setenv("ANTHROPIC_API_KEY", "sk-ant-wrong")
		t.Setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:1")
		c := newTestClient(t, srv)
		_, err := c.Generate(t.Context(), &llm.Request{Messages: []llm.Message{llm.UserText("hi")}})
		require.NoError(t, err)
	})
	for _, tt := range []struct {
		name string
		opts []Option
		want string
	}{
		{"BadBaseURL", []Option{WithBaseURL("api.anthropic.com")}, "not an http(s) URL"},
		{"BadMaxTokens", []Option{WithMaxTokens(0)}, "WithMaxTokens(0)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(append([]Option{WithAPIKey(testKey)}, tt.opts...)...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestHeaders(t *testing.T) {
	srv, rec := fixtureServer(t, "text")
	c := newTestClient(t, srv,
		WithHeader("anthropic-beta", "interleaved-thinking-2025-05-14"),
		WithHeader("x-api-key", "sk-ant-smuggled"))
	_, err := c.Generate(t.Context(), &llm.Request{Messages: []llm.Message{llm.UserText("hi")}})
	require.NoError(t, err)
	_, h := rec.last(t)
	assert.Equal(t, []string{testKey}, h.Values("x-api-key"), "WithHeader must not replace the key")
	assert.Equal(t, "2023-06-01", h.Get("anthropic-version"))
	assert.Equal(t, "interleaved-thinking-2025-05-14", h.Get("anthropic-beta"))
	assert.Equal(t, "application/json", h.Get("Content-Type"))
}

func TestModelChoice(t *testing.T) {
	srv, rec := fixtureServer(t, "text")
	msgs := []llm.Message{llm.UserText("hi")}

	_, err := newTestClient(t, srv).Generate(t.Context(), &llm.Request{Model: "claude-override", Messages: msgs})
	require.NoError(t, err)
	body, _ := rec.last(t)
	assert.Equal(t, "claude-override", body["model"])

	c, err := New(WithAPIKey(testKey), WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = c.Generate(t.Context(), &llm.Request{Messages: msgs})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no model")
	assert.Contains(t, err.Error(), "WithModel")
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		want      error // the condition, or nil
		retryable bool
		typ       string
		after     time.Duration
		requestID string
	}{
		{name: "Unauthorized", status: 401,
			body: `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},"request_id":"req_011Auth"}`,
			want: llm.ErrAuth, typ: "authentication_error", requestID: "req_011Auth"},
		{name: "Forbidden", status: 403,
			body: `{"type":"error","error":{"type":"permission_error","message":"Your API key does not have permission to use the specified resource."}}`,
			want: llm.ErrAuth, typ: "permission_error"},
		{name: "PromptTooLong", status: 400,
			body: `{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 208656 tokens > 200000 maximum"},"request_id":"req_011Long"}`,
			want: llm.ErrContextLength, typ: "invalid_request_error", requestID: "req_011Long"},
		{name: "InputAndMaxTokensTooLong", status: 400,
			body: `{"type":"error","error":{"type":"invalid_request_error","message":"input length and ` + "`max_tokens`" + ` exceed context limit: 188240 + 21333 > 200000, decrease input length or ` + "`max_tokens`" + ` and try again"}}`,
			want: llm.ErrContextLength, typ: "invalid_request_error"},
		{name: "InvalidRequest", status: 400,
			body: `{"type":"error","error":{"type":"invalid_request_error","message":"messages: roles must alternate"}}`,
			typ:  "invalid_request_error"},
		{name: "RequestTooLarge", status: 413,
			body: `{"type":"error","error":{"type":"request_too_large","message":"Request exceeds the maximum allowed number of bytes."}}`,
			want: llm.ErrContextLength, typ: "request_too_large"},
		{name: "RateLimited", status: 429, header: map[string]string{"retry-after": "7", "request-id": "req_011Rate"},
			body: `{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}`,
			want: llm.ErrRateLimited, retryable: true, typ: "rate_limit_error", after: 7 * time.Second, requestID: "req_011Rate"},
		{name: "Overloaded", status: 529,
			body: `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`,
			want: llm.ErrOverloaded, retryable: true, typ: "overloaded_error"},
		{name: "ServerError", status: 500,
			body:      `{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`,
			retryable: true, typ: "api_error"},
		{name: "ProxyPage", status: 502, body: `<html>Bad Gateway</html>`, retryable: true},
		{name: "ShouldNotRetry", status: 500, header: map[string]string{"x-should-retry": "false"},
			body: `{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`, typ: "api_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c := newTestClient(t, srv)
			req := &llm.Request{Messages: []llm.Message{llm.UserText("hi")}}
			_, genErr := c.Generate(t.Context(), req)
			_, streamErr := llm.Collect(c.Stream(t.Context(), req))
			for _, err := range []error{genErr, streamErr} {
				var apiErr *llm.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, "anthropic", apiErr.Provider)
				assert.Equal(t, tt.status, apiErr.StatusCode)
				assert.Equal(t, tt.typ, apiErr.Type)
				assert.NotEmpty(t, apiErr.Message)
				assert.Equal(t, tt.after, apiErr.RetryAfter)
				assert.Equal(t, tt.requestID, apiErr.RequestID)
				if tt.want != nil {
					assert.ErrorIs(t, err, tt.want)
				}
				assert.Equal(t, tt.retryable, llm.IsRetryable(err))
				assert.NotContains(t, err.Error(), testKey)
			}
		})
	}
}

func TestMalformedBody(t *testing.T) {
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		connection bool // the failure is a connection failure
	}{
		{"NotJSON", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"id":"msg_1","content":[{"type":"text","text":"Hel`))
		}, false},
		{"WrongShape", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"id":"msg_1","content":{"type":"text"}}`))
		}, false},
		{"MalformedBlock", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"id":"msg_1","content":[{"type":"text","text":42}]}`))
		}, false},
		{"CutShort", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "500")
			w.Write([]byte(`{"id":"msg_1","content":[`))
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			_, err := newTestClient(t, srv).Generate(t.Context(), &llm.Request{Messages: []llm.Message{llm.UserText("hi")}})
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "anthropic: "), err.Error())
			assert.Equal(t, tt.connection, errors.Is(err, llm.ErrConnection), err.Error())
			if !tt.connection {
				assert.Contains(t, err.Error(), "malformed")
			}
		})
	}
}

// handlerTransport serves requests in memory, so that a test inside a
// synctest bubble sends them without a network.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

func TestRetry(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header map[string]string
		body   string
		wait   time.Duration // the time Retry waits before the second attempt
	}{
		{"ServerError", 500, nil, `{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`, 500 * time.Millisecond},
		{"Overloaded", 529, nil, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, 500 * time.Millisecond},
		{"RetryAfter", 429, map[string]string{"retry-after": "3"}, `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				api := &fakeAPI{}
				calls := 0
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					calls++
					if calls == 1 {
						for k, v := range tt.header {
							w.Header().Set(k, v)
						}
						w.WriteHeader(tt.status)
						w.Write([]byte(tt.body))
						return
					}
					api.ServeHTTP(w, r)
				})
				c, err := New(WithAPIKey(testKey), WithBaseURL("http://api.test"), WithModel("claude-test"),
					WithHTTPClient(&http.Client{Transport: handlerTransport{h}}))
				require.NoError(t, err)
				m := llm.Retry(&llm.RetryPolicy{BaseDelay: time.Second, Rand: func() float64 { return 0 }})(c)
				start := time.Now()
				resp, err := m.Generate(t.Context(), &llm.Request{Messages: []llm.Message{llm.UserText("hi")}})
				require.NoError(t, err)
				assert.Equal(t, "Hello, there.", resp.Message.Text())
				assert.Equal(t, 2, calls)
				assert.Equal(t, tt.wait, time.Since(start))
			})
		})
	}
}

func TestConformance(t *testing.T) {
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	llmtest.TestModel(t, newTestClient(t, srv))
}

// TestFakeAPIRejects checks that the fake enforces the rules the other
// tests rely on it to enforce.
func TestFakeAPIRejects(t *testing.T) {
	good := func() map[string]any {
		return map[string]any{
			"model": "m", "max_tokens": 10.0,
			"messages": []any{
				map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "text": "hi"}}},
				map[string]any{"role": "assistant", "content": []any{map[string]any{"type": "tool_use", "id": "t1", "name": "x", "input": map[string]any{}}}},
				map[string]any{"role": "user", "content": []any{map[string]any{"type": "tool_result", "tool_use_id": "t1"}}},
			},
		}
	}
	h := http.Header{"Anthropic-Version": {Version}, "Content-Type": {"application/json"}}
	require.NoError(t, checkRequest(h, good()))
	msgs := func(r map[string]any, i int) map[string]any { return r["messages"].([]any)[i].(map[string]any) }
	for name, breakIt := range map[string]func(map[string]any){
		"NoModel":       func(r map[string]any) { delete(r, "model") },
		"BlankText":     func(r map[string]any) { msgs(r, 0)["content"] = []any{map[string]any{"type": "text", "text": " "}} },
		"MissingResult": func(r map[string]any) { msgs(r, 2)["content"] = []any{map[string]any{"type": "text", "text": "x"}} },
		"ArrayInput":    func(r map[string]any) { msgs(r, 1)["content"].([]any)[0].(map[string]any)["input"] = []any{} },
		"BadID":         func(r map[string]any) { msgs(r, 1)["content"].([]any)[0].(map[string]any)["id"] = "a.b" },
		"ResultNotFirst": func(r map[string]any) {
			msgs(r, 2)["content"] = append([]any{map[string]any{"type": "text", "text": "x"}}, msgs(r, 2)["content"].([]any)...)
		},
		"FiveBreakpoints": func(r map[string]any) {
			var sys []any
			for range 5 {
				sys = append(sys, map[string]any{"type": "text", "text": "s", "cache_control": map[string]any{"type": "ephemeral"}})
			}
			r["system"] = sys
		},
		"SmallBudget": func(r map[string]any) { r["thinking"] = map[string]any{"type": "enabled", "budget_tokens": 100.0} },
	} {
		t.Run(name, func(t *testing.T) {
			r := good()
			breakIt(r)
			assert.Error(t, checkRequest(h, r))
		})
	}
}

func Test529IsOverloadedInStreamToo(t *testing.T) {
	// An overload reported as an error event after a 200 must read the same
	// as a 529 before the stream: overloaded and retryable.
	for _, status := range []int{529, 200} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body := `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`
				if status == 200 {
					w.Header().Set("Content-Type", "text/event-stream")
					body = "event: error\ndata: " + body + "\n\n"
				}
				w.WriteHeader(status)
				w.Write([]byte(body))
			}))
			defer srv.Close()
			_, err := llm.Collect(newTestClient(t, srv).Stream(t.Context(), &llm.Request{Messages: []llm.Message{llm.UserText("hi")}}))
			assert.ErrorIs(t, err, llm.ErrOverloaded)
			assert.True(t, llm.IsRetryable(err))
			var apiErr *llm.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 529, apiErr.StatusCode)
		})
	}
}

func TestCancelledBeforeSending(t *testing.T) {
	srv, rec := fixtureServer(t, "text")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := newTestClient(t, srv).Generate(ctx, &llm.Request{Messages: []llm.Message{llm.UserText("hi")}})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, rec.bodies)
}

func TestStopReason(t *testing.T) {
	for raw, want := range map[string]llm.StopReason{
		"end_turn":                      llm.StopEnd,
		"tool_use":                      llm.StopToolUse,
		"max_tokens":                    llm.StopMaxTokens,
		"model_context_window_exceeded": llm.StopMaxTokens,
		"stop_sequence":                 llm.StopSequence,
		"refusal":                       llm.StopRefusal,
		"pause_turn":                    llm.StopOther,
		"":                              llm.StopOther,
		"something_new":                 llm.StopOther,
	} {
		assert.Equal(t, want, stopReason(raw), raw)
	}
}
