package httpx

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

// Every credential header the providers send stays on its host: a 307 or
// 302 to another server is refused and the other server sees nothing, with
// the default client and with a caller's client, which is left as it was.
// Before, net/http followed such redirects and dropped only Authorization.
func TestRedirectToAnotherHostIsRefused(t *testing.T) {
	var leaked atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Add(1)
		w.Write([]byte(`{}`))
	}))
	defer evil.Close()
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusFound} {
		origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, evil.URL+"/steal", status)
		}))
		for _, header := range []string{"x-api-key", "x-goog-api-key", "api-key", "Authorization"} {
			for _, own := range []bool{false, true} {
				t.Run(fmt.Sprintf("%d %s own client %v", status, header, own), func(t *testing.T) {
					c := &Caller{Provider: "p"}
					var policy func(*http.Request, []*http.Request) error
					if own {
						c.HTTP = &http.Client{}
						policy = c.HTTP.CheckRedirect
					}
					h := http.Header{}
					h.Set(header, "Bearer secret-credential-123")
					_, err := c.PostJSON(t.Context(), origin.URL, h, map[string]string{})
					require.Error(t, err)
					assert.ErrorContains(t, err, "refused a redirect")
					assert.ErrorContains(t, err, evil.URL)
					assert.False(t, llm.IsRetryable(err), "a refused redirect is not retried")
					assert.Zero(t, leaked.Load(), "the other host was reached")
					if own {
						assert.Nil(t, c.HTTP.CheckRedirect, "the caller's client was modified")
						assert.Nil(t, policy)
					}
				})
			}
		}
		origin.Close()
	}
}

// A redirect within the host is followed, under the caller's own policy.
func TestRedirectWithinTheHost(t *testing.T) {
	var consulted atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusTemporaryRedirect)
			return
		}
		assert.Equal(t, "k-0123456789", r.Header.Get("x-api-key"))
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		consulted.Add(1)
		return nil
	}}
	c := &Caller{Provider: "p", HTTP: hc}
	resp, err := c.PostJSON(t.Context(), srv.URL+"/old", http.Header{"X-Api-Key": {"k-0123456789"}}, map[string]string{})
	require.NoError(t, err)
	var out struct{ OK bool }
	require.NoError(t, c.DecodeJSON(t.Context(), resp, &out))
	assert.True(t, out.OK)
	assert.Equal(t, int32(1), consulted.Load(), "the caller's redirect policy applies within the host")
}

// A server that quotes the request's credentials back in an error body
// does not get them into the error. Before, a 401 that echoed the headers
// put the key into the returned error.
func TestCredentialsAreRedactedFromErrors(t *testing.T) {
	const key = "sk-live-SECRET-0123456789"
	const token = "ya29.SECRET-token-abcdef"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		echo := r.Header.Get("x-api-key") + " " + r.Header.Get("Authorization")
		switch r.URL.Path {
		case "/401":
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":{"type":"authentication_error","message":"bad key %s"}}`, echo)
		case "/garbage":
			fmt.Fprintf(w, `not json, but the headers: %s`, echo)
		}
	}))
	defer srv.Close()
	c := &Caller{Provider: "p", ParseError: func(_ int, body []byte, e *llm.APIError) {
		e.Message = string(body)
	}}
	h := http.Header{"X-Api-Key": {key}, "Authorization": {"Bearer " + token}}

	_, err := c.PostJSON(t.Context(), srv.URL+"/401", h, map[string]string{})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), key)
	assert.NotContains(t, err.Error(), token)
	assert.Contains(t, err.Error(), "bad key [redacted] Bearer [redacted]")
	assert.ErrorIs(t, err, llm.ErrAuth)
	var apiErr *llm.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.NotContains(t, apiErr.Message, key)

	resp, err := c.PostJSON(t.Context(), srv.URL+"/garbage", h, map[string]string{})
	require.NoError(t, err)
	err = c.DecodeJSON(t.Context(), resp, &struct{}{})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), key)
	assert.Contains(t, err.Error(), "malformed response body")
}

func TestRedactKeepsTheChain(t *testing.T) {
	h := http.Header{"X-Goog-Api-Key": {"AIza-secret-key"}}
	inner := &llm.APIError{Provider: "p", StatusCode: 429, Message: "quota for AIza-secret-key"}
	err := fmt.Errorf("p: stream: %w (key AIza-secret-key)", errors.Join(inner, llm.ErrConnection))
	got := Redact(err, h)
	assert.Equal(t, "p: stream: p: HTTP 429: quota for [redacted]\nllm: connection failed (key [redacted])", got.Error())
	assert.ErrorIs(t, got, llm.ErrRateLimited)
	assert.ErrorIs(t, got, llm.ErrConnection)
	var apiErr *llm.APIError
	require.ErrorAs(t, got, &apiErr)
	assert.Same(t, inner, apiErr)
	for e := errors.Unwrap(got); e != nil; e = errors.Unwrap(e) {
		assert.NotContains(t, e.Error(), "AIza-secret-key")
	}

	clean := errors.New("nothing to hide")
	assert.Same(t, clean, Redact(clean, h), "an error without credentials is returned as is")
	assert.Nil(t, Redact(nil, h))
	short := errors.New("key abc")
	assert.Same(t, short, Redact(short, http.Header{"Api-Key": {"abc"}}), "too short to be a credential")
}

// A body over the bound is reported as too large, naming the bound, and is
// not read further; a body of exactly the bound is whole.
func TestBodyBound(t *testing.T) {
	c := &Caller{Provider: "p", MaxResponse: 16}
	resp := &http.Response{Body: io.NopCloser(strings.NewReader(`{"a":"0123456789"}`))}
	err := c.DecodeJSON(t.Context(), resp, &struct{}{})
	require.ErrorIs(t, err, llm.ErrResponseTooLarge)
	assert.ErrorContains(t, err, "larger than 16 bytes")
	assert.ErrorContains(t, err, "WithMaxResponseSize")
	assert.NotErrorIs(t, err, llm.ErrConnection)
	assert.False(t, llm.IsRetryable(err))

	resp = &http.Response{Body: io.NopCloser(strings.NewReader(`{"a":"01234567"}`))}
	var out struct{ A string }
	require.NoError(t, c.DecodeJSON(t.Context(), resp, &out))
	assert.Equal(t, "01234567", out.A)
}

// Delays too long for a time.Duration saturate instead of wrapping to a
// negative number, which read as "no delay asked" and led to quick retries.
func TestRetryAfterSaturates(t *testing.T) {
	now := time.Now()
	for _, h := range []http.Header{
		{"Retry-After": {"1e12"}},
		{"Retry-After": {"+Inf"}},
		{"Retry-After-Ms": {"1e300"}},
		{"Retry-After-Ms": {"9223372036854775807"}},
	} {
		assert.Equal(t, time.Duration(math.MaxInt64), RetryAfter(h, now), "%v", h)
	}
	assert.Zero(t, RetryAfter(http.Header{"Retry-After": {"NaN"}}, now))
	assert.Equal(t, 3*time.Second, Duration(3, time.Second))
}
