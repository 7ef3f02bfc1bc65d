package httpx

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

// FuzzBody checks the response bound: a body within it is read whole, a
// longer one fails as too large, and nothing past the bound is read.
func FuzzBody(f *testing.F) {
	f.Add([]byte(`{"a":1}`), uint16(7))
	f.Add([]byte(`{"a":1}`), uint16(6))
	f.Add([]byte(""), uint16(0))
	f.Fuzz(func(t *testing.T, body []byte, bound uint16) {
		c := &Caller{Provider: "p", MaxResponse: int64(bound) + 1}
		r := &countingReader{r: iotest.HalfReader(strings.NewReader(string(body)))}
		got, err := io.ReadAll(c.Body(&http.Response{Body: io.NopCloser(r)}))
		if int64(len(body)) <= c.MaxResponse {
			require.NoError(t, err)
			assert.Equal(t, body, got)
			return
		}
		require.ErrorIs(t, err, llm.ErrResponseTooLarge)
		assert.LessOrEqual(t, r.n, c.MaxResponse+1, "read past the bound")
	})
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// FuzzRedact checks that no credential survives redaction, whatever the
// message around it, for keys spelt as services spell them.
func FuzzRedact(f *testing.F) {
	f.Add("bad key sk-0123456789 here", "sk-0123456789")
	f.Add("sk-0123sk-0123456789456789", "sk-0123456789")
	f.Fuzz(func(t *testing.T, msg, key string) {
		if len(key) < minSecret || strings.Trim(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
			return
		}
		for _, h := range []http.Header{{"X-Api-Key": {key}}, {"Authorization": {"Bearer " + key}}} {
			err := Redact(errors.New(msg), h)
			assert.NotContains(t, err.Error(), key)
			if !strings.Contains(msg, key) {
				assert.Equal(t, msg, err.Error(), "a message without the key is kept")
			}
		}
	})
}

// FuzzRetryAfter checks that a delay is never negative, whatever the
// header says.
func FuzzRetryAfter(f *testing.F) {
	f.Add("1e12", "")
	f.Add("", "1e300")
	f.Add("-1", "NaN")
	f.Fuzz(func(t *testing.T, seconds, ms string) {
		h := http.Header{}
		h.Set("Retry-After", seconds)
		h.Set("retry-after-ms", ms)
		assert.GreaterOrEqual(t, RetryAfter(h, time.Now()), time.Duration(0))
	})
}
