package gemini

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/conclave-dev/conclave/internal/httpx"
	"github.com/conclave-dev/conclave/llm"
)

// parseError reads a Google API error body,
//
//	{"error": {"code": 429, "message": "…", "status": "RESOURCE_EXHAUSTED", "details": […]}}
//
// (or a one-element array of it, as some Google front ends send) into e.
func parseError(_ int, body []byte, e *llm.APIError) {
	body = bytes.TrimSpace(body)
	var env struct {
		Error *errorBody `json:"error"`
	}
	if len(body) > 0 && body[0] == '[' {
		var list []json.RawMessage
		if json.Unmarshal(body, &list) != nil || len(list) == 0 {
			return
		}
		body = list[0]
	}
	if json.Unmarshal(body, &env) != nil || env.Error == nil {
		return
	}
	applyErrorBody(env.Error, e)
}

// applyErrorBody sets e's Type, Message, Err and, when no header asked for
// a delay, RetryAfter from the body's RetryInfo.
func applyErrorBody(b *errorBody, e *llm.APIError) {
	e.Type = b.Status
	e.Message = b.Message
	var reason string
	for _, raw := range b.Details {
		var d struct {
			Type       string `json:"@type"`
			Reason     string `json:"reason"`
			RetryDelay string `json:"retryDelay"`
		}
		if json.Unmarshal(raw, &d) != nil {
			continue
		}
		switch {
		case strings.HasSuffix(d.Type, "google.rpc.ErrorInfo"):
			reason = d.Reason
		case strings.HasSuffix(d.Type, "google.rpc.RetryInfo"):
			if delay := retryDelay(d.RetryDelay); delay > 0 && e.RetryAfter == 0 {
				e.RetryAfter = delay
			}
		}
	}
	switch {
	case b.Status == "RESOURCE_EXHAUSTED":
		e.Err = llm.ErrRateLimited
	case b.Status == "UNAVAILABLE":
		e.Err = llm.ErrOverloaded
	case b.Status == "UNAUTHENTICATED", b.Status == "PERMISSION_DENIED",
		reason == "API_KEY_INVALID", reason == "API_KEY_EXPIRED":
		e.Err = llm.ErrAuth
	case b.Status == "INVALID_ARGUMENT" && isContextLength(b.Message):
		e.Err = llm.ErrContextLength
	}
}

// retryDelay reads a protobuf Duration in JSON, seconds with an "s" suffix
// ("1.5s"), saturating a delay too long for a time.Duration so that Retry
// refuses it as too long; 0 when unreadable.
func retryDelay(s string) time.Duration {
	num, ok := strings.CutSuffix(s, "s")
	if !ok {
		return 0
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || !(v > 0) {
		return 0
	}
	return httpx.Duration(v, time.Second)
}

// isContextLength recognises "The input token count (1200293) exceeds the
// maximum number of tokens allowed (1048576)."
func isContextLength(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "token count") && strings.Contains(m, "exceeds the maximum")
}
