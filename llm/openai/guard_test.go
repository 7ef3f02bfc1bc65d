package openai

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/internal/httpx/httpxtest"
	"github.com/conclave-dev/conclave/llm"
)

var hello = &llm.Request{Messages: []llm.Message{llm.UserText("hi")}}

// A redirect to another host is refused for the Bearer key and for
// Azure's api-key header, with Chat Completions and the Responses API.
func TestRedirectKeepsTheKey(t *testing.T) {
	var leaked atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { leaked.Add(1) }))
	defer evil.Close()
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusFound} {
		origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, evil.URL+r.URL.Path, status)
		}))
		for name, opts := range map[string][]Option{
			"bearer": {WithBaseURL(origin.URL + "/v1")},
			"azure":  {WithAzure(origin.URL, "dep", "2024-10-21")},
		} {
			opts = append(opts, WithAPIKey("sk-secret-0123456789"), WithModel("m"), WithHTTPClient(&http.Client{}))
			chat, err := New(opts...)
			require.NoError(t, err)
			resps, err := NewResponses(opts...)
			require.NoError(t, err)
			for _, m := range []llm.Streamer{chat, resps} {
				_, err = m.Generate(t.Context(), hello)
				assert.ErrorContains(t, err, "refused a redirect", "%s %d", name, status)
				_, err = llm.Collect(m.Stream(t.Context(), hello))
				assert.ErrorContains(t, err, "refused a redirect", "%s %d", name, status)
			}
		}
		origin.Close()
	}
	assert.Zero(t, leaked.Load(), "the key reached another host")
}

// A server quoting the key back keeps it out of errors and logs: in an
// error response, in an error chunk of a stream, and in an error event of
// the Responses API.
func TestEchoedKeyIsRedacted(t *testing.T) {
	const key = "sk-secret-0123456789"
	echo := func(r *http.Request) string { return r.Header.Get("Authorization") + r.Header.Get("api-key") }
	srv := serve(t,
		func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s","code":"invalid_api_key"}}`, echo(r))
		},
		func(w http.ResponseWriter, r *http.Request) {
			stream(fmt.Sprintf("data: {\"error\":{\"message\":\"overloaded for %s\",\"code\":\"server_error\"}}\n\n", echo(r)))(w, r)
		},
		func(w http.ResponseWriter, r *http.Request) {
			stream(fmt.Sprintf("event: error\ndata: {\"type\":\"error\",\"message\":\"bad %s\",\"code\":\"server_error\"}\n\n", echo(r)))(w, r)
		},
	)
	var logs bytes.Buffer
	log := llm.Log(slog.New(slog.NewJSONHandler(&logs, nil)))
	chat := log(newChat(t, srv, WithAPIKey(key)))
	resps := log(newResponses(t, srv, WithAPIKey(key)))

	_, err := chat.Generate(t.Context(), hello)
	require.ErrorIs(t, err, llm.ErrAuth)
	assert.Contains(t, err.Error(), "Incorrect API key provided: Bearer [redacted]")
	_, err = llm.Collect(llm.Stream(t.Context(), chat, hello))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "overloaded for Bearer [redacted]")
	_, err = llm.Collect(llm.Stream(t.Context(), resps, hello))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad Bearer [redacted]")

	assert.NotContains(t, logs.String(), key)
	assert.Contains(t, logs.String(), "[redacted]")
}

// Streams and whole bodies are read up to the response bound and no
// further. Before, endless deltas were assembled whole.
func TestResponsesAreBounded(t *testing.T) {
	const bound = 256 << 10
	chunk := `{"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"0123456789abcdef"}}]}`
	for name, body := range map[string]*httpxtest.Endless{
		"chat deltas": {Body: []byte("data: " + chunk + "\n\n")},
		"chat line":   {Head: []byte("data: "), Body: []byte("x")},
		"responses deltas": {Body: []byte(
			"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"0123456789abcdef\"}\n\n")},
		"chat comments ended by CR": {Body: []byte(": keep-alive\r")},
	} {
		t.Run(name, func(t *testing.T) {
			body.Limit = 64 << 20
			opts := []Option{WithAPIKey("sk-test"), WithModel("m"), WithBaseURL("http://fake.test/v1"),
				WithHTTPClient(httpxtest.Client("text/event-stream", body)), WithMaxResponseSize(bound)}
			var m llm.Streamer
			var err error
			if name[0] == 'r' {
				m, err = NewResponses(opts...)
			} else {
				m, err = New(opts...)
			}
			require.NoError(t, err)
			alloc := httpxtest.Allocated(func() { _, err = llm.Collect(m.Stream(t.Context(), hello)) })
			require.ErrorIs(t, err, llm.ErrResponseTooLarge)
			assert.ErrorContains(t, err, fmt.Sprintf("larger than %d bytes", bound))
			assert.False(t, llm.IsRetryable(err))
			assert.LessOrEqual(t, body.N, int64(bound+1), "read past the bound")
			// Allocation counts the garbage of decoding each event too: what
			// matters is that it follows the bound, not the 64 MiB offered.
			assert.Less(t, alloc, uint64(16*bound), "allocated %d bytes under a %d-byte bound", alloc, bound)
		})
	}

	body := &httpxtest.Endless{Head: []byte(`{"choices":[{"message":{"content":"`), Body: []byte("x"), Limit: 8 << 20}
	c, err := New(WithAPIKey("sk-test"), WithModel("m"), WithBaseURL("http://fake.test/v1"),
		WithHTTPClient(httpxtest.Client("application/json", body)), WithMaxResponseSize(1<<20))
	require.NoError(t, err)
	_, err = c.Generate(t.Context(), hello)
	require.ErrorIs(t, err, llm.ErrResponseTooLarge)
	assert.LessOrEqual(t, body.N, int64(1<<20+1))

	_, err = New(WithMaxResponseSize(-1))
	assert.ErrorContains(t, err, "WithMaxResponseSize(-1)")
}

// A Retry-After too long for a time.Duration is refused after one
// attempt, instead of wrapping to a negative delay read as none.
func TestHugeRetryAfterIsRefused(t *testing.T) {
	for _, header := range [][2]string{{"Retry-After", "1e12"}, {"retry-after-ms", "1e300"}} {
		t.Run(header[0], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := newFake(t, reply(http.StatusTooManyRequests, `{"error":{"message":"slow down","code":"rate_limit_exceeded"}}`, header[0], header[1]))
				_, err := llm.Retry(nil)(newChat(t, srv)).Generate(t.Context(), hello)
				require.ErrorIs(t, err, llm.ErrRateLimited)
				assert.ErrorContains(t, err, "longer than MaxRetryAfter")
				assert.Len(t, srv.requests(), 1)
			})
		})
	}
}
