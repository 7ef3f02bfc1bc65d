package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Conditions callers branch on with [errors.Is]. An [*APIError] unwraps to
// the one that applies.
var (
	ErrRateLimited    = errors.New("llm: rate limited")
	ErrOverloaded     = errors.New("llm: provider overloaded")
	ErrContextLength  = errors.New("llm: context length exceeded")
	ErrAuth           = errors.New("llm: authentication failed")
	ErrBudgetExceeded = errors.New("llm: budget exceeded")
	// ErrConnection wraps transport failures: refused or reset connections,
	// a body cut short. They are retryable.
	ErrConnection = errors.New("llm: connection failed")
	// ErrMalformedToolCall reports a model that produced a tool call the
	// provider could not parse (Gemini's MALFORMED_FUNCTION_CALL). Sampling
	// again may succeed; [Retry] leaves that to the caller.
	ErrMalformedToolCall = errors.New("llm: model produced a malformed tool call")
	// ErrResponseTooLarge reports a response over the provider client's size
	// bound (its WithMaxResponseSize option), or a streamed event over the
	// event bound. It is not retryable: the same request would get as large
	// an answer.
	ErrResponseTooLarge = errors.New("llm: response too large")
)

// APIError is an error response from a provider.
type APIError struct {
	Provider   string // "anthropic", "openai", "gemini", …
	StatusCode int
	Type       string // the provider's error type or code, e.g. "rate_limit_error"
	Message    string
	RequestID  string
	// RetryAfter is the delay the provider asked for (Retry-After,
	// retry-after-ms), or 0.
	RetryAfter time.Duration
	// ShouldRetry is the provider's explicit retry advice (x-should-retry),
	// when it gave one; it overrides the status code's.
	ShouldRetry *bool
	// Err is the condition the provider's body names (such as
	// ErrContextLength); when nil, Unwrap derives one from StatusCode.
	Err error
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: HTTP %d", e.Provider, e.StatusCode)
	if e.Type != "" {
		b.WriteString(" " + e.Type)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	return b.String()
}

// Unwrap returns the condition the error stands for, or nil.
func (e *APIError) Unwrap() error {
	if e.Err != nil {
		return e.Err
	}
	switch e.StatusCode {
	case http.StatusTooManyRequests:
		return ErrRateLimited
	case http.StatusUnauthorized, http.StatusForbidden:
		return ErrAuth
	case http.StatusServiceUnavailable, 529:
		return ErrOverloaded
	}
	return nil
}

// Retryable reports whether sending the same request again may succeed:
// timeouts (408), conflicts (409), rate limits (429), server errors (5xx)
// and Anthropic's overload (529), unless the provider said otherwise.
func (e *APIError) Retryable() bool {
	if e.ShouldRetry != nil {
		return *e.ShouldRetry
	}
	if errors.Is(e, ErrContextLength) || errors.Is(e, ErrAuth) {
		return false
	}
	switch s := e.StatusCode; {
	case s == http.StatusRequestTimeout, s == http.StatusConflict, s == http.StatusTooManyRequests:
		return true
	case s >= 500:
		return true
	}
	return false
}

// IsRetryable reports whether err is worth retrying: a retryable
// [*APIError] or a connection failure, and never a context error.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Retryable()
	}
	return errors.Is(err, ErrConnection)
}
