// Package httpxtest holds what the provider packages' tests share to check
// the guarantees of internal/httpx against hostile servers: bodies that
// never end, and a count of the bytes a call allocates.
package httpxtest

import (
	"io"
	"net/http"
	"runtime"
)

// Endless is a response body that yields Head, then Body repeated, until
// Limit bytes in all (then io.EOF). It allocates nothing as it is read and
// counts in N the bytes read, so a test can tell how far a client went.
type Endless struct {
	Head, Body []byte
	Limit, N   int64
}

func (e *Endless) Read(p []byte) (int, error) {
	if e.N >= e.Limit {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), e.Limit-e.N)]
	for w := 0; w < len(p); {
		var src []byte
		if e.N < int64(len(e.Head)) {
			src = e.Head[e.N:]
		} else {
			src = e.Body[(e.N-int64(len(e.Head)))%int64(len(e.Body)):]
		}
		c := copy(p[w:], src)
		w += c
		e.N += int64(c)
	}
	return len(p), nil
}

// Close does nothing.
func (e *Endless) Close() error { return nil }

// Client returns an HTTP client that answers every request, in memory,
// with status 200, the given Content-Type and body.
func Client(contentType string, body io.ReadCloser) *http.Client {
	return &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {contentType}},
			Body: body, Request: r}, nil
	})}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Allocated returns the bytes allocated while f ran, by every goroutine:
// run it where nothing else allocates much.
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
