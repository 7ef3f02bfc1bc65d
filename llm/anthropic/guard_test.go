package anthropic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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

// The key stays on its host: a redirect elsewhere is refused, for Generate
// and Stream, with the default client and with the caller's own.
func TestRedirectKeepsTheKey(t *testing.T) {
	var leaked atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Add(1)
	}))
	defer evil.Close()
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusFound} {
		origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, evil.URL+"/v1/messages", status)
		}))
		for _, hc := range []*http.Client{nil, {}} {
			c, err := New(WithAPIKey(testKey), WithBaseURL(origin.URL), WithModel("claude-test"), WithHTTPClient(hc))
			require.NoError(t, err)
			_, err = c.Generate(t.Context(), hi)
			assert.ErrorContains(t, err, "refused a redirect", "status %d", status)
			_, err = llm.Collect(c.Stream(t.Context(), hi))
			assert.ErrorContains(t, err, "refused a redirect", "status %d", status)
		}
		origin.Close()
	}
	assert.Zero(t, leaked.Load(), "the key reached another host")
}

// A server quoting the key back keeps it out of the error and out of
// llm.Log's records, for an error response and an error event alike.
func TestEchoedKeyIsRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("x-api-key")
		var req struct{ Stream bool }
		_ = jsonDecode(r.Body, &req)
		if req.Stream {
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprintf(w, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"no capacity for %s\"}}\n\n", key)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key: %s"}}`, key)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	m := llm.Log(slog.New(slog.NewJSONHandler(&logs, nil)))(newTestClient(t, srv))

	_, err := m.Generate(t.Context(), hi)
	require.ErrorIs(t, err, llm.ErrAuth)
	assert.Contains(t, err.Error(), "invalid x-api-key: [redacted]")
	_, err = llm.Collect(llm.Stream(t.Context(), m, hi))
	require.ErrorIs(t, err, llm.ErrOverloaded)
	assert.Contains(t, err.Error(), "no capacity for [redacted]")

	assert.NotContains(t, logs.String(), testKey)
	assert.Contains(t, logs.String(), "[redacted]", "the failures were logged")
}

// A stream is read up to the response bound and no further, whatever it
// holds: endless text deltas, or one data line without an end. Before,
// 1 GiB of deltas was assembled whole (4 GB) and a 1 GiB line was
// gathered whole (3 GB). The streams here offer 64 MiB; the bound is 256 KiB.
func TestStreamIsBounded(t *testing.T) {
	const bound = 256 << 10
	start := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"claude-test\",\"content\":[],\"usage\":{\"input_tokens\":1}}}\n\n" +
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
	for name, body := range map[string]*httpxtest.Endless{
		"text deltas":          {Head: []byte(start), Body: []byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"0123456789abcdef\"}}\n\n")},
		"a line without end":   {Head: []byte(start + "data: "), Body: []byte("x")},
		"comments ended by CR": {Head: []byte(start), Body: []byte(": keep-alive\r")},
	} {
		t.Run(name, func(t *testing.T) {
			body.Limit = 64 << 20
			c := newTestClient(t, nil, WithHTTPClient(httpxtest.Client("text/event-stream", body)), WithMaxResponseSize(bound))
			var err error
			alloc := httpxtest.Allocated(func() { _, err = llm.Collect(c.Stream(t.Context(), hi)) })
			require.ErrorIs(t, err, llm.ErrResponseTooLarge)
			assert.ErrorContains(t, err, fmt.Sprintf("larger than %d bytes", bound))
			assert.False(t, llm.IsRetryable(err))
			assert.LessOrEqual(t, body.N, int64(bound+1), "read past the bound")
			// Allocation counts the garbage of decoding each event too: what
			// matters is that it follows the bound, not the 64 MiB offered.
			assert.Less(t, alloc, uint64(16*bound), "allocated %d bytes under a %d-byte bound", alloc, bound)
		})
	}
}

// A whole response over the bound says so, instead of "malformed".
func TestGenerateIsBounded(t *testing.T) {
	body := &httpxtest.Endless{Head: []byte(`{"id":"m","content":[{"type":"text","text":"`), Body: []byte("x"), Limit: 8 << 20}
	c := newTestClient(t, nil, WithHTTPClient(httpxtest.Client("application/json", body)), WithMaxResponseSize(1<<20))
	_, err := c.Generate(t.Context(), hi)
	require.ErrorIs(t, err, llm.ErrResponseTooLarge)
	assert.NotContains(t, err.Error(), "malformed")
	assert.LessOrEqual(t, body.N, int64(1<<20+1))

	_, err = New(WithAPIKey(testKey), WithMaxResponseSize(-1))
	assert.ErrorContains(t, err, "WithMaxResponseSize(-1)")
}

// A Retry-After too long for a time.Duration is refused as too long,
// after one attempt. Before, it wrapped to a negative delay, read as
// "none asked", and Retry tried four times.
func TestHugeRetryAfterIsRefused(t *testing.T) {
	for _, header := range [][2]string{{"Retry-After", "1e12"}, {"retry-after-ms", "1e300"}} {
		t.Run(header[0], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				calls := 0
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					calls++
					w.Header().Set(header[0], header[1])
					w.WriteHeader(http.StatusTooManyRequests)
					w.Write([]byte(`{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`))
				})
				c, err := New(WithAPIKey(testKey), WithBaseURL("http://api.test"), WithModel("claude-test"),
					WithHTTPClient(&http.Client{Transport: handlerTransport{h}}))
				require.NoError(t, err)
				_, err = llm.Retry(nil)(c).Generate(t.Context(), hi)
				require.ErrorIs(t, err, llm.ErrRateLimited)
				assert.ErrorContains(t, err, "longer than MaxRetryAfter")
				assert.Equal(t, 1, calls)
			})
		})
	}
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
