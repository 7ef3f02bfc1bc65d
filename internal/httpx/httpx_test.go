package httpx

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		headers map[string]string
		want    time.Duration
	}{
		{nil, 0},
		{map[string]string{"Retry-After": "7"}, 7 * time.Second},
		{map[string]string{"Retry-After": "1.5"}, 1500 * time.Millisecond},
		{map[string]string{"Retry-After": "-3"}, 0},
		{map[string]string{"Retry-After": "soon"}, 0},
		{map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second},
		{map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0},
		{map[string]string{"retry-after-ms": "250", "Retry-After": "9"}, 250 * time.Millisecond},
		{map[string]string{"retry-after-ms": "x", "Retry-After": "9"}, 9 * time.Second},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.headers {
			h.Set(k, v)
		}
		assert.Equal(t, tt.want, RetryAfter(h, now), "%v", tt.headers)
	}
}

func TestShouldRetry(t *testing.T) {
	h := http.Header{}
	assert.Nil(t, ShouldRetry(h))
	h.Set("x-should-retry", "false")
	assert.Equal(t, false, *ShouldRetry(h))
	h.Set("x-should-retry", "true")
	assert.Equal(t, true, *ShouldRetry(h))
}

func TestPostJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		switch body["case"] {
		case "ok":
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			assert.Equal(t, "k", r.Header.Get("X-Key"))
			w.Write([]byte(`{"answer":42}`))
		case "limited":
			w.Header().Set("Retry-After", "3")
			w.Header().Set("Request-Id", "req_9")
			w.WriteHeader(429)
			w.Write([]byte(`{"error":{"type":"rate_limit_error","message":"slow"}}`))
		case "garbage":
			w.Write([]byte(`{"answer":`))
		}
	}))
	defer srv.Close()
	c := &Caller{
		Provider:         "p",
		HTTP:             srv.Client(),
		RequestIDHeaders: []string{"Request-Id"},
		ParseError: func(status int, body []byte, e *llm.APIError) {
			var b struct {
				Error struct{ Type, Message string }
			}
			if json.Unmarshal(body, &b) == nil {
				e.Type, e.Message = b.Error.Type, b.Error.Message
			}
		},
	}
	h := http.Header{"X-Key": {"k"}}

	resp, err := c.PostJSON(t.Context(), srv.URL, h, map[string]string{"case": "ok"})
	require.NoError(t, err)
	var out struct{ Answer int }
	require.NoError(t, c.DecodeJSON(t.Context(), resp, &out))
	assert.Equal(t, 42, out.Answer)

	_, err = c.PostJSON(t.Context(), srv.URL, h, map[string]string{"case": "limited"})
	var apiErr *llm.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, &llm.APIError{Provider: "p", StatusCode: 429, Type: "rate_limit_error", Message: "slow", RequestID: "req_9", RetryAfter: 3 * time.Second}, apiErr)
	assert.ErrorIs(t, err, llm.ErrRateLimited)

	resp, err = c.PostJSON(t.Context(), srv.URL, h, map[string]string{"case": "garbage"})
	require.NoError(t, err)
	err = c.DecodeJSON(t.Context(), resp, &out)
	assert.ErrorContains(t, err, "p: malformed response body")

	srv.Close()
	_, err = c.PostJSON(t.Context(), srv.URL, h, map[string]string{"case": "ok"})
	assert.ErrorIs(t, err, llm.ErrConnection)
	assert.True(t, llm.IsRetryable(err))

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = c.PostJSON(ctx, srv.URL, h, map[string]string{"case": "ok"})
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, llm.ErrConnection)
}
