package gemini

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testKey = "test-key-123"

// fake is an httptest server answering the n-th request with the n-th
// reply and recording every request.
type fake struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	replies []http.HandlerFunc
	reqs    []recorded
}

// recorded is one request the fake received.
type recorded struct {
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// field returns the JSON of one top-level member of the request body.
func (r recorded) field(t *testing.T, name string) string {
	t.Helper()
	var body map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(r.Body, &body), "request body %s", r.Body)
	return string(body[name])
}

func newFake(t *testing.T, replies ...http.HandlerFunc) (*fake, *Client) {
	t.Helper()
	f := &fake{t: t, replies: replies}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	c, err := New(WithAPIKey(testKey), WithBaseURL(f.srv.URL+"/v1beta"), WithHTTPClient(f.srv.Client()), WithModel("gemini-test"))
	require.NoError(t, err)
	return f, c
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	n := len(f.reqs)
	f.reqs = append(f.reqs, recorded{Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	f.mu.Unlock()
	if n >= len(f.replies) {
		http.Error(w, fmt.Sprintf("fake: unexpected request %d", n+1), http.StatusTeapot)
		return
	}
	f.replies[n](w, r)
}

func (f *fake) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// respond answers with a JSON body; headers come in name, value pairs.
func respond(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// respondSSE streams each chunk as one server-sent event, as Gemini does
// for alt=sse, flushing after each.
func respondSSE(chunks ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		for _, c := range chunks {
			io.WriteString(w, sseEvent(c))
			w.(http.Flusher).Flush()
		}
	}
}

// sse frames a chunk as Gemini does: one data line, then a blank line.
func sseEvent(chunk string) string {
	return "data: " + strings.ReplaceAll(chunk, "\n", "") + "\r\n\r\n"
}

func sseBody(chunks ...string) string {
	var b strings.Builder
	for _, c := range chunks {
		b.WriteString(sseEvent(c))
	}
	return b.String()
}

// handlerTransport answers requests by calling a handler in the calling
// goroutine: no sockets, so it works inside a synctest bubble.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}
