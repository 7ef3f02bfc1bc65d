package httpx

import (
	"fmt"
	"io"
	"net/http"

	"github.com/conclave-dev/conclave/llm"
)

// DefaultMaxResponse bounds the bytes read from one response body, whole
// or streamed, unless a provider client is told otherwise. A streamed
// answer of 128k output tokens takes about 30 MB of events.
const DefaultMaxResponse = 64 << 20

// Body returns resp's body bounded by MaxResponse: reading past the bound
// fails with an error wrapping [llm.ErrResponseTooLarge] that names the
// bound. The caller still closes resp.Body.
func (c *Caller) Body(resp *http.Response) io.Reader {
	max := c.MaxResponse
	if max <= 0 {
		max = DefaultMaxResponse
	}
	return &limitReader{r: resp.Body, left: max, max: max, provider: c.Provider}
}

// limitReader is io.LimitReader that reports the bound instead of a quiet
// end of file, so that a cut-off body is not mistaken for a whole one.
type limitReader struct {
	r        io.Reader
	left     int64
	max      int64
	provider string
}

func (l *limitReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if l.left <= 0 {
		// At the bound: the body is too large only if anything follows.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%s: %w: the response is larger than %d bytes; raise the bound with WithMaxResponseSize",
				l.provider, llm.ErrResponseTooLarge, l.max)
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
