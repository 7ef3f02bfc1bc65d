package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// sameHost returns a copy of hc (http.DefaultClient when nil) that refuses
// to follow a redirect to another scheme or host. net/http drops only the
// Authorization header on such a redirect, and would send x-api-key,
// x-goog-api-key or api-key to wherever the server points; a redirect to the
// same host is left to hc's own policy. hc itself is not modified.
func sameHost(hc *http.Client) *http.Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	cp := *hc
	next := hc.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		from := via[0].URL
		if req.URL.Scheme != from.Scheme || !strings.EqualFold(req.URL.Host, from.Host) {
			return &redirectError{from: from.Redacted(), to: req.URL.Redacted()}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &cp
}

// redirectError reports a refused cross-host redirect. It is not a
// connection failure: sending again would be redirected again.
type redirectError struct{ from, to string }

func (e *redirectError) Error() string {
	return fmt.Sprintf("refused a redirect from %s to %s: following it would send the credentials to another host; "+
		"point the base URL at the final address", e.from, e.to)
}
