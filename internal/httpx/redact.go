package httpx

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/conclave-dev/conclave/llm"
)

// credentialHeaders are the request headers that carry credentials, as
// the providers send them.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "X-Api-Key", "X-Goog-Api-Key", "Api-Key"}

// minSecret is the length under which a header value is not taken for a
// credential: no service issues keys that short, and replacing a few
// common characters would garble messages.
const minSecret = 8

// redactedText replaces a credential in an error.
const redactedText = "[redacted]"

// secrets returns the credentials h carries: the values of the credential
// headers, and the token of an Authorization value ("Bearer <token>"),
// which a server may quote on its own.
func secrets(h http.Header) []string {
	var out []string
	for _, name := range credentialHeaders {
		for _, v := range h.Values(name) {
			if _, tok, ok := strings.Cut(v, " "); ok && (name == "Authorization" || name == "Proxy-Authorization") {
				v = strings.TrimSpace(tok)
			}
			if len(v) >= minSecret {
				out = append(out, v)
			}
		}
	}
	// The longest first, so that a key holding another is replaced whole.
	slices.SortFunc(out, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return out
}

// Redact returns the error resp's request led to with the request's
// credentials removed; see [Redact].
func (c *Caller) Redact(resp *http.Response, err error) error {
	if err == nil || resp == nil || resp.Request == nil {
		return err
	}
	return Redact(err, resp.Request.Header)
}

// Redact returns err with every credential that h carries replaced by
// "[redacted]", for errors made from what a server sent back: a server that
// echoes the request's headers must not put the key into an error, a log
// or a trajectory. An err that holds no credential is returned as is.
// Otherwise an [*llm.APIError] in the chain is redacted in place, and each
// error whose message holds a credential is replaced by one with the
// redacted message that unwraps to the (redacted) errors it wrapped, so
// that errors.Is and errors.As still find the conditions.
func Redact(err error, h http.Header) error {
	if err == nil {
		return nil
	}
	keys := secrets(h)
	if !containsAny(err.Error(), keys) {
		return err
	}
	return redact(err, keys)
}

func redact(err error, keys []string) error {
	if !containsAny(err.Error(), keys) {
		return err
	}
	if e, ok := err.(*llm.APIError); ok {
		e.Type = replaceAll(e.Type, keys)
		e.Message = replaceAll(e.Message, keys)
		e.RequestID = replaceAll(e.RequestID, keys)
		if e.Err != nil {
			e.Err = redact(e.Err, keys)
		}
		return e
	}
	out := &redactedError{msg: replaceAll(err.Error(), keys)}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if inner := u.Unwrap(); inner != nil {
			out.errs = []error{redact(inner, keys)}
		}
	case interface{ Unwrap() []error }:
		for _, inner := range u.Unwrap() {
			out.errs = append(out.errs, redact(inner, keys))
		}
	}
	return out
}

// redactedError is an error whose message had credentials removed.
type redactedError struct {
	msg  string
	errs []error
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Unwrap() []error { return e.errs }

func containsAny(s string, keys []string) bool {
	for _, k := range keys {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}

func replaceAll(s string, keys []string) string {
	for _, k := range keys {
		s = strings.ReplaceAll(s, k, redactedText)
	}
	return s
}
