// Package httpx is the HTTP plumbing the provider packages share: sending a
// JSON request, turning transport failures into [llm.ErrConnection] and
// error responses into [*llm.APIError], and reading the retry headers.
package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/conclave-dev/conclave/llm"
)

// MaxBody bounds a non-streamed response body.
const MaxBody = 64 << 20

// Caller sends requests for one provider.
type Caller struct {
	// Provider names the provider in errors ("anthropic").
	Provider string
	// HTTP is the client to use; nil means http.DefaultClient.
	HTTP *http.Client
	// RequestIDHeaders are the response headers holding the request id, in
	// order of preference.
	RequestIDHeaders []string
	// ParseError reads the provider's error body into e's Type, Message and
	// Err; it is called for every response with a status outside 2xx.
	ParseError func(status int, body []byte, e *llm.APIError)
}

// PostJSON sends body as JSON to url with the given headers and returns the
// response if its status is 2xx; the caller closes its body. Any other status
// becomes an [*llm.APIError].
func (c *Caller) PostJSON(ctx context.Context, url string, header http.Header, body any) (*http.Response, error) {
	buf, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("%s: encoding request: %w", c.Provider, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(buf))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Provider, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	return c.Do(ctx, req)
}

// Do sends req, classifying failures as PostJSON does.
func (c *Caller) Do(ctx context.Context, req *http.Request) (*http.Response, error) {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, c.TransportError(ctx, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, c.TransportError(ctx, err)
	}
	return nil, c.APIError(resp, body)
}

// APIError builds the error for a response with a failing status and the
// given body.
func (c *Caller) APIError(resp *http.Response, body []byte) *llm.APIError {
	e := &llm.APIError{
		Provider:    c.Provider,
		StatusCode:  resp.StatusCode,
		RequestID:   c.RequestID(resp.Header),
		RetryAfter:  RetryAfter(resp.Header, time.Now()),
		ShouldRetry: ShouldRetry(resp.Header),
	}
	if c.ParseError != nil {
		c.ParseError(resp.StatusCode, body, e)
	}
	if e.Message == "" {
		e.Message = Snippet(body)
	}
	return e
}

// TransportError classifies an error from sending a request or reading a
// response body: the context's cause when ctx is done, otherwise a
// connection failure wrapping [llm.ErrConnection].
func (c *Caller) TransportError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", c.Provider, context.Cause(ctx))
	}
	if errors.Is(err, llm.ErrConnection) {
		return err
	}
	return fmt.Errorf("%s: %w: %w", c.Provider, llm.ErrConnection, err)
}

// RequestID returns the first request id header present in h.
func (c *Caller) RequestID(h http.Header) string {
	for _, name := range c.RequestIDHeaders {
		if v := h.Get(name); v != "" {
			return v
		}
	}
	return ""
}

// DecodeJSON reads resp's body (at most MaxBody bytes) into v. A body cut
// short is a connection failure; a body that is not the JSON expected is a
// plain error naming the provider.
func (c *Caller) DecodeJSON(ctx context.Context, resp *http.Response, v any) error {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		return c.TransportError(ctx, err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s: malformed response body (%w): %s", c.Provider, err, Snippet(body))
	}
	return nil
}

// RetryAfter returns the delay the response headers ask for: retry-after-ms
// (milliseconds), else Retry-After in seconds or as an HTTP date; 0 when
// absent or unreadable.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s > 0 {
			return time.Duration(s * float64(time.Second))
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// ShouldRetry reads the x-should-retry header: nil when absent.
func ShouldRetry(h http.Header) *bool {
	switch h.Get("x-should-retry") {
	case "true":
		t := true
		return &t
	case "false":
		f := false
		return &f
	}
	return nil
}

// Snippet returns the start of body for an error message.
func Snippet(body []byte) string {
	const max = 300
	s := string(bytes.TrimSpace(body))
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
