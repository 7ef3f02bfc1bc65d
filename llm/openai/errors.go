package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/conclave-dev/conclave/llm"
)

// ErrToolsUnsupported is the condition of an [*llm.APIError] from a server
// whose model cannot call tools (Ollama answers such requests with 400
// "does not support tools"). Choose a model with tool support, or send the
// request without tools.
var ErrToolsUnsupported = errors.New("openai: model does not support tools")

// errorBody is an error as OpenAI and the compatible servers write it:
// {"error":{"message","type","param","code"}}. vLLM has written the fields at
// the top level, Ollama's native endpoints write "error" as a string, and
// OpenRouter's code is a number; all are read.
type errorBody struct {
	Error   json.RawMessage `json:"error"`
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

type errorDetail struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

// parseError reads an error response body into e; it is the httpx.Caller's
// ParseError.
func parseError(status int, body []byte, e *llm.APIError) {
	var b errorBody
	if json.Unmarshal(body, &b) != nil {
		return
	}
	d := errorDetail{Message: b.Message, Type: b.Type, Code: b.Code}
	if len(b.Error) > 0 && b.Error[0] == '"' {
		_ = json.Unmarshal(b.Error, &d.Message)
	} else if len(b.Error) > 0 {
		_ = json.Unmarshal(b.Error, &d)
	}
	describe(status, d, e)
}

// describe fills e from an error detail, from an HTTP error body or from an
// error event in a stream.
func describe(status int, d errorDetail, e *llm.APIError) {
	code := codeString(d.Code)
	e.Message = d.Message
	e.Type = code
	if e.Type == "" {
		e.Type = d.Type
	}
	msg := strings.ToLower(d.Message)
	switch {
	case code == "context_length_exceeded" || strings.Contains(msg, "maximum context length") ||
		strings.Contains(msg, "context window") || strings.Contains(msg, "context length"):
		e.Err = llm.ErrContextLength
	case code == "invalid_api_key":
		e.Err = llm.ErrAuth
	case code == "insufficient_quota":
		// Out of credit: waiting does not help, whatever the status says.
		no := false
		e.ShouldRetry = &no
	case code == "rate_limit_exceeded":
		e.Err = llm.ErrRateLimited
	case status == http.StatusBadRequest && strings.Contains(msg, "does not support tools"):
		e.Err = ErrToolsUnsupported
	}
}

// codeString returns an error code that may be a JSON string or number.
func codeString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// streamError is an error reported inside a stream whose HTTP status was
// 200. The code decides whether sending again may help.
func streamError(requestID string, d errorDetail) *llm.APIError {
	e := &llm.APIError{Provider: "openai", StatusCode: http.StatusOK, RequestID: requestID}
	describe(http.StatusOK, d, e)
	if e.Message == "" {
		e.Message = "the stream reported an error without a message"
	}
	if e.ShouldRetry == nil {
		retry := e.Err == llm.ErrRateLimited || e.Type == "server_error" || e.Type == "api_error"
		e.ShouldRetry = &retry
	}
	return e
}

// errMalformed marks a body or event that is not the JSON the API
// documents; it is not retried.
var errMalformed = errors.New("openai: malformed response")

// lenientString decodes a JSON string and treats anything else (null, or an
// object some server puts in an optional field) as empty.
type lenientString string

func (s *lenientString) UnmarshalJSON(b []byte) error {
	if str, ok := plainString(b); ok {
		*s = lenientString(str)
		return nil
	}
	var v string
	if json.Unmarshal(b, &v) == nil {
		*s = lenientString(v)
	}
	return nil
}

// plainString returns the content of a JSON string without escapes, the
// common case in a stream, without a second pass of the decoder.
func plainString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	in := b[1 : len(b)-1]
	if bytes.IndexByte(in, '\\') >= 0 || !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}

// argText is a tool call's arguments: a JSON string holding the text the
// model wrote, as the API documents, or (from some compatible servers) the
// arguments object itself, kept as its JSON.
type argText string

func (a *argText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*a = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		if s, ok := plainString(b); ok {
			*a = argText(s)
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = argText(s)
		return nil
	}
	*a = argText(b)
	return nil
}
