// Package httpx is the HTTP plumbing the provider packages share: sending a
// JSON request, turning transport failures into [llm.ErrConnection] and
// error responses into [*llm.APIError], and reading the retry headers.
//
// It also holds the guarantees every provider gives about untrusted
// servers: a request never follows a redirect to another host (so its
// credentials stay where they were sent), the credentials a request carried
// never appear in the errors made from its response, and no response body
// is read past a size bound.
package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/conclave-dev/conclave/internal/sse"
	"github.com/conclave-dev/conclave/llm"
)

// Caller sends requests for one provider.
type Caller struct {
	// Provider names the provider in errors ("anthropic").
	Provider string
	// HTTP is the client to use; nil means http.DefaultClient. It is never
	// modified: requests go through a copy that refuses redirects to other
	// hosts.
	HTTP *http.Client
	// RequestIDHeaders are the response headers holding the request id, in
	// order of preference.
	RequestIDHeaders []string
	// ParseError reads the provider's error body into e's Type, Message and
	// Err; it is called for every response with a status outside 2xx.
	ParseError func(status int, body []byte, e *llm.APIError)
	// MaxResponse bounds the bytes read from one response body, whole or
	// streamed; 0 means DefaultMaxResponse.
	MaxResponse int64
}

// PostJSON sends body as JSON to url with the given headers and returns the
// response if its status is 2xx; the caller closes its body. Any other status
// becomes an [*llm.APIError], from which the credentials in header are
// redacted.
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

// Do sends req, classifying failures as PostJSON does. The response's
// Request is set, so that [Caller.Redact] knows what credentials it carried.
func (c *Caller) Do(ctx context.Context, req *http.Request) (*http.Response, error) {
	resp, err := sameHost(c.HTTP).Do(req)
	if err != nil {
		var refused *redirectError
		if errors.As(err, &refused) {
			return nil, fmt.Errorf("%s: %w", c.Provider, refused)
		}
		return nil, Redact(c.TransportError(ctx, err), req.Header)
	}
	if resp.Request == nil {
		resp.Request = req
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, Redact(c.TransportError(ctx, err), req.Header)
	}
	return nil, Redact(c.APIError(resp, body), req.Header)
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
// response body: the context's cause when ctx is done, an error wrapping
// [llm.ErrResponseTooLarge] when a size bound was reached, otherwise a
// connection failure wrapping [llm.ErrConnection].
func (c *Caller) TransportError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", c.Provider, context.Cause(ctx))
	}
	return ReadError(c.Provider, err)
}

// ReadError classifies an error from reading a response body as
// TransportError does when the context is not done: a size bound reached
// (the body's, or an event's of a stream) wraps [llm.ErrResponseTooLarge],
// anything else is a connection failure wrapping [llm.ErrConnection].
func ReadError(provider string, err error) error {
	switch {
	case errors.Is(err, llm.ErrResponseTooLarge), errors.Is(err, llm.ErrConnection):
		return err
	case errors.Is(err, sse.ErrEventTooLarge):
		return fmt.Errorf("%s: %w: %w", provider, llm.ErrResponseTooLarge, err)
	}
	return fmt.Errorf("%s: %w: %w", provider, llm.ErrConnection, err)
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

// DecodeJSON reads resp's body (at most MaxResponse bytes) into v and
// closes it. A body cut short is a connection failure, a body over the
// bound wraps [llm.ErrResponseTooLarge], and a body that is not the JSON
// expected is a plain error naming the provider.
func (c *Caller) DecodeJSON(ctx context.Context, resp *http.Response, v any) error {
	defer resp.Body.Close()
	body, err := io.ReadAll(c.Body(resp))
	if err != nil {
		return c.Redact(resp, c.TransportError(ctx, err))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return c.Redact(resp, fmt.Errorf("%s: malformed response body (%w): %s", c.Provider, err, Snippet(body)))
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
