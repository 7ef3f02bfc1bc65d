package openai

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

// api describes one of the two clients for tests that run against both.
type apiCase struct {
	name string
	// plain is a successful whole response; chunks a successful stream
	// cut into pieces at event boundaries; the last piece completes it.
	plain  string
	chunks []string
	client func(t *testing.T, srv *fakeServer, opts ...Option) llm.Streamer
}

var apis = []apiCase{
	{
		name:  "chat",
		plain: chatPlain,
		chunks: []string{
			"data: " + compact(chatTextChunks[0]) + "\n\n",
			"data: " + compact(chatTextChunks[1]) + "\n\n",
			"data: " + compact(chatTextChunks[3]) + "\n\ndata: [DONE]\n\n",
		},
		client: func(t *testing.T, srv *fakeServer, opts ...Option) llm.Streamer { return newChat(t, srv, opts...) },
	},
	{
		name:  "responses",
		plain: respPlain,
		chunks: []string{
			respSSE(`{"type":"response.created","response":{"id":"resp_1","status":"in_progress","model":"m","output":[]}}`),
			respSSE(`{"type":"response.output_text.delta","output_index":0,"delta":"Hel"}`),
			respSSE(`{"type":"response.completed","response":` + respPlain + `}`),
		},
		client: func(t *testing.T, srv *fakeServer, opts ...Option) llm.Streamer { return newResponses(t, srv, opts...) },
	},
}

func TestErrorResponses(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		header []string
		is     error
		typ    string
		retry  bool
		after  time.Duration
		msg    string
	}{
		{
			name: "401 invalid key", status: 401,
			body: `{"error":{"message":"Incorrect API key provided: sk-te***st.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`,
			is:   llm.ErrAuth, typ: "invalid_api_key", msg: "Incorrect API key provided",
		},
		{
			name: "400 context length", status: 400,
			body: `{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`,
			is:   llm.ErrContextLength, typ: "context_length_exceeded",
		},
		{
			name: "400 context length from vLLM, code null", status: 400,
			body: `{"object":"error","message":"This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.","type":"BadRequestError","param":null,"code":400}`,
			is:   llm.ErrContextLength, typ: "400",
		},
		{
			name: "429 with Retry-After", status: 429, header: []string{"Retry-After", "7"},
			body: `{"error":{"message":"Rate limit reached for requests.","type":"requests","param":null,"code":"rate_limit_exceeded"}}`,
			is:   llm.ErrRateLimited, typ: "rate_limit_exceeded", retry: true, after: 7 * time.Second,
		},
		{
			name: "429 with retry-after-ms", status: 429, header: []string{"retry-after-ms", "250", "Retry-After", "1"},
			body: `{"error":{"message":"Rate limit reached for tokens.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}`,
			is:   llm.ErrRateLimited, retry: true, after: 250 * time.Millisecond, typ: "rate_limit_exceeded",
		},
		{
			name: "429 insufficient quota is not retryable", status: 429,
			body: `{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`,
			is:   llm.ErrRateLimited, typ: "insufficient_quota",
		},
		{
			name: "Ollama model without tools", status: 400,
			body: `{"error":{"message":"registry.ollama.ai/library/gemma3:1b does not support tools","type":"api_error","param":null,"code":null}}`,
			is:   ErrToolsUnsupported, typ: "api_error", msg: `model "gpt-test" does not support tools: use a model with tool support`,
		},
		{
			name: "OpenRouter numeric code", status: 402,
			body: `{"error":{"code":402,"message":"Insufficient credits.","metadata":{}}}`,
			typ:  "402", msg: "Insufficient credits.",
		},
		{
			name: "error as a string", status: 404,
			body: `{"error":"model \"llama9\" not found, try pulling it first"}`,
			msg:  `model "llama9" not found`,
		},
		{
			name: "not JSON", status: 502, body: `<html>Bad gateway</html>`,
			retry: true, msg: "<html>Bad gateway</html>",
		},
	}
	for _, api := range apis {
		for _, tt := range tests {
			t.Run(api.name+"/"+tt.name, func(t *testing.T) {
				srv := serve(t, reply(tt.status, tt.body, append([]string{"x-request-id", "req_err"}, tt.header...)...))
				c := api.client(t, srv)
				for mode, call := range map[string]func() error{
					"Generate": func() error { _, err := c.Generate(t.Context(), weatherReq()); return err },
					"Stream":   func() error { _, err := collect(c.Stream(t.Context(), weatherReq())); return err },
				} {
					err := call()
					var apiErr *llm.APIError
					require.ErrorAs(t, err, &apiErr, mode)
					assert.Equal(t, "openai", apiErr.Provider)
					assert.Equal(t, tt.status, apiErr.StatusCode)
					assert.Equal(t, "req_err", apiErr.RequestID)
					assert.Equal(t, tt.typ, apiErr.Type, mode)
					assert.Equal(t, tt.retry, llm.IsRetryable(err), mode)
					assert.Equal(t, tt.after, apiErr.RetryAfter, mode)
					if tt.is != nil {
						assert.ErrorIs(t, err, tt.is, mode)
					}
					assert.Contains(t, apiErr.Message, tt.msg, mode)
					assert.NotContains(t, err.Error(), "sk-test", "the key never appears in errors")
				}
			})
		}
	}
}

func TestMalformedBody(t *testing.T) {
	for _, api := range apis {
		t.Run(api.name, func(t *testing.T) {
			srv := serve(t, ok(`{"id":"x","choices":[{"index":0,`))
			_, err := api.client(t, srv).Generate(t.Context(), weatherReq())
			require.ErrorContains(t, err, "openai: malformed response body")
			assert.False(t, llm.IsRetryable(err))
		})
	}
}

// A 500 followed by a success goes through llm.Retry; time is synthetic, so
// the test does not sleep.
func TestRetryAfterServerError(t *testing.T) {
	for _, api := range apis {
		t.Run(api.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fake := newFake(t,
					reply(500, `{"error":{"message":"The server had an error.","type":"server_error","param":null,"code":null}}`, "Retry-After", "3"),
					ok(api.plain))
				c := api.client(t, fake)
				start := time.Now()
				resp, err := llm.Retry(nil)(c).Generate(t.Context(), weatherReq())
				require.NoError(t, err)
				assert.Equal(t, "Hello!", resp.Message.Text())
				assert.Len(t, fake.requests(), 2)
				assert.Equal(t, 3*time.Second, time.Since(start), "waited as Retry-After asked")
			})
		})
	}
}

func TestInsufficientQuotaNotRetried(t *testing.T) {
	for _, api := range apis {
		t.Run(api.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fake := newFake(t,
					reply(429, `{"error":{"message":"You exceeded your current quota.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`),
					ok(api.plain))
				c := api.client(t, fake)
				_, err := llm.Retry(nil)(c).Generate(t.Context(), weatherReq())
				require.Error(t, err)
				assert.ErrorIs(t, err, llm.ErrRateLimited)
				assert.Len(t, fake.requests(), 1)
			})
		})
	}
}

func TestStreamCut(t *testing.T) {
	for _, api := range apis {
		tests := []struct {
			name   string
			pieces []string
		}{
			{"mid-event", []string{api.chunks[0], api.chunks[1][:len(api.chunks[1])/2]}},
			{"between events, before the end", api.chunks[:2]},
			{"nothing at all", []string{""}},
		}
		for _, tt := range tests {
			t.Run(api.name+"/"+tt.name, func(t *testing.T) {
				srv := serve(t, stream(tt.pieces...))
				_, err := collect(api.client(t, srv).Stream(t.Context(), weatherReq()))
				require.Error(t, err)
				assert.ErrorIs(t, err, llm.ErrConnection)
				assert.True(t, llm.IsRetryable(err))
			})
		}
		t.Run(api.name+"/whole", func(t *testing.T) {
			srv := serve(t, stream(api.chunks...))
			_, err := collect(api.client(t, srv).Stream(t.Context(), weatherReq()))
			require.NoError(t, err, "the pieces make a complete stream")
		})
	}
}

// hang streams the first piece, then holds the connection open until the
// client goes away, and reports that on gone.
func hang(first string, gone chan<- struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer close(gone)
		stream(first)(w, r)
		<-r.Context().Done()
	}
}

func TestStreamCancelled(t *testing.T) {
	for _, api := range apis {
		t.Run(api.name, func(t *testing.T) {
			gone := make(chan struct{})
			srv := serve(t, hang(api.chunks[0]+api.chunks[1], gone))
			ctx, cancel := context.WithCancelCause(t.Context())
			defer cancel(nil)
			cause := errors.New("user pressed stop")
			var got error
			n := 0
			for _, err := range api.client(t, srv).Stream(ctx, weatherReq()) {
				if err != nil {
					got = err
					break
				}
				n++
				cancel(cause)
			}
			require.Error(t, got)
			assert.ErrorIs(t, got, cause)
			assert.NotErrorIs(t, got, llm.ErrConnection)
			assert.Positive(t, n)
			<-gone
		})
	}
}

func TestStreamAbandonedClosesConnection(t *testing.T) {
	for _, api := range apis {
		t.Run(api.name, func(t *testing.T) {
			gone := make(chan struct{})
			srv := serve(t, hang(api.chunks[0]+api.chunks[1], gone))
			for _, err := range api.client(t, srv).Stream(t.Context(), weatherReq()) {
				require.NoError(t, err)
				break
			}
			<-gone // the server saw the connection close
		})
	}
}
