package gemini

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/internal/httpx/httpxtest"
	"github.com/conclave-dev/conclave/llm"
)

var hello = &llm.Request{Messages: []llm.Message{llm.UserText("hi")}}

// The x-goog-api-key header stays on its host: a redirect elsewhere is
// refused, with the default client and the caller's own. net/http would
// have followed it with the header.
func TestRedirectKeepsTheKey(t *testing.T) {
	var leaked atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { leaked.Add(1) }))
	defer evil.Close()
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusFound} {
		origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, evil.URL+r.URL.Path, status)
		}))
		for _, hc := range []*http.Client{nil, {}} {
			c, err := New(WithAPIKey(testKey), WithBaseURL(origin.URL), WithModel("gemini-test"), WithHTTPClient(hc))
			require.NoError(t, err)
			_, err = c.Generate(t.Context(), hello)
			assert.ErrorContains(t, err, "refused a redirect", "status %d", status)
			_, err = llm.Collect(c.Stream(t.Context(), hello))
			assert.ErrorContains(t, err, "refused a redirect", "status %d", status)
		}
		origin.Close()
	}
	assert.Zero(t, leaked.Load(), "the key reached another host")
}

// A server quoting the key back keeps it out of errors and logs, in an
// error response and in an error chunk of a stream.
func TestEchoedKeyIsRedacted(t *testing.T) {
	const key = "AIza-secret-0123456789"
	f, _ := newFake(t,
		func(w http.ResponseWriter, r *http.Request) {
			respond(400, fmt.Sprintf(`{"error":{"code":400,"message":"API key not valid: %s","status":"INVALID_ARGUMENT",
				"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}`, r.Header.Get("x-goog-api-key")))(w, r)
		},
		func(w http.ResponseWriter, r *http.Request) {
			respondSSE(fmt.Sprintf(`{"error":{"code":503,"message":"overloaded, key %s","status":"UNAVAILABLE"}}`, r.Header.Get("x-goog-api-key")))(w, r)
		},
	)
	c, err := New(WithAPIKey(key), WithBaseURL(f.srv.URL+"/v1beta"), WithHTTPClient(f.srv.Client()), WithModel("gemini-test"))
	require.NoError(t, err)
	var logs bytes.Buffer
	m := llm.Log(slog.New(slog.NewJSONHandler(&logs, nil)))(c)

	_, err = m.Generate(t.Context(), hello)
	require.ErrorIs(t, err, llm.ErrAuth)
	assert.Contains(t, err.Error(), "API key not valid: [redacted]")
	_, err = llm.Collect(llm.Stream(t.Context(), m, hello))
	require.ErrorIs(t, err, llm.ErrOverloaded)
	assert.Contains(t, err.Error(), "overloaded, key [redacted]")

	assert.NotContains(t, logs.String(), key)
	assert.Contains(t, logs.String(), "[redacted]")
}

// Streams and whole bodies are read up to the response bound and no
// further. Before, endless chunks were assembled whole, and a 1 GiB line
// was gathered whole.
func TestResponsesAreBounded(t *testing.T) {
	const bound = 256 << 10
	chunk := `{"candidates":[{"content":{"role":"model","parts":[{"text":"0123456789abcdef"}]}}]}`
	for name, body := range map[string]*httpxtest.Endless{
		"chunks":               {Body: []byte("data: " + chunk + "\r\n\r\n")},
		"a line without end":   {Head: []byte("data: "), Body: []byte("x")},
		"comments ended by CR": {Body: []byte(": keep-alive\r")},
	} {
		t.Run(name, func(t *testing.T) {
			body.Limit = 64 << 20
			c, err := New(WithAPIKey(testKey), WithModel("gemini-test"),
				WithHTTPClient(httpxtest.Client("text/event-stream", body)), WithMaxResponseSize(bound))
			require.NoError(t, err)
			alloc := httpxtest.Allocated(func() { _, err = llm.Collect(c.Stream(t.Context(), hello)) })
			require.ErrorIs(t, err, llm.ErrResponseTooLarge)
			assert.ErrorContains(t, err, fmt.Sprintf("larger than %d bytes", bound))
			assert.False(t, llm.IsRetryable(err))
			assert.LessOrEqual(t, body.N, int64(bound+1), "read past the bound")
			// Allocation counts the garbage of decoding each chunk too: what
			// matters is that it follows the bound, not the 64 MiB offered.
			assert.Less(t, alloc, uint64(16*bound), "allocated %d bytes under a %d-byte bound", alloc, bound)
		})
	}

	body := &httpxtest.Endless{Head: []byte(`{"candidates":[{"content":{"parts":[{"text":"`), Body: []byte("x"), Limit: 8 << 20}
	c, err := New(WithAPIKey(testKey), WithModel("gemini-test"),
		WithHTTPClient(httpxtest.Client("application/json", body)), WithMaxResponseSize(1<<20))
	require.NoError(t, err)
	_, err = c.Generate(t.Context(), hello)
	require.ErrorIs(t, err, llm.ErrResponseTooLarge)
	assert.LessOrEqual(t, body.N, int64(1<<20+1))

	_, err = New(WithAPIKey(testKey), WithMaxResponseSize(-1))
	assert.ErrorContains(t, err, "WithMaxResponseSize(-1)")
}

// Delays too long for a time.Duration, in a header or in RetryInfo, are
// refused after one attempt. Before, the header wrapped to a negative delay
// and RetryInfo failed to parse; both read as "no delay asked".
func TestHugeRetryDelayIsRefused(t *testing.T) {
	for name, reply := range map[string]http.HandlerFunc{
		"Retry-After":    respond(429, `{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}`, "Retry-After", "1e12"),
		"retry-after-ms": respond(429, `{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}`, "retry-after-ms", "1e300"),
		"RetryInfo": respond(429, `{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED",
			"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"99999999999999s"}]}}`),
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				calls := 0
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++; reply(w, r) })
				c, err := New(WithAPIKey(testKey), WithModel("gemini-test"), WithBaseURL("http://gemini.test"),
					WithHTTPClient(&http.Client{Transport: handlerTransport{h}}))
				require.NoError(t, err)
				_, err = llm.Retry(nil)(c).Generate(t.Context(), hello)
				require.ErrorIs(t, err, llm.ErrRateLimited)
				assert.ErrorContains(t, err, "longer than MaxRetryAfter")
				assert.Equal(t, 1, calls)
			})
		})
	}
	assert.Equal(t, 1500*time.Millisecond, retryDelay("1.5s"))
	assert.Zero(t, retryDelay("soon"))
	assert.Zero(t, retryDelay("-3s"))
}
