package httpx

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// RetryAfter returns the delay the response headers ask for: retry-after-ms
// (milliseconds), else Retry-After in seconds or as an HTTP date; 0 when
// absent or unreadable. A delay too long for a time.Duration saturates at
// the longest one, so that it is refused as too long rather than read as
// absent.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return Duration(ms, time.Millisecond)
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s > 0 {
			return Duration(s, time.Second)
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Duration returns v units as a time.Duration, saturating at the longest
// duration instead of overflowing (a plain conversion of 1e300 ms is
// negative). v must not be negative or NaN.
func Duration(v float64, unit time.Duration) time.Duration {
	d := v * float64(unit)
	if d >= math.MaxInt64 { // +Inf included
		return math.MaxInt64
	}
	return time.Duration(d)
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
