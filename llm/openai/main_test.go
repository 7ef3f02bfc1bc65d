package openai

import (
	"bytes"
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

	"github.com/conclave-dev/conclave/llm"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// recorded is a request the fake server received.
type recorded struct {
	Path, Query string
	Header      http.Header
	Body        map[string]json.RawMessage
}

// field returns a top-level field of the request body as JSON text.
func (r recorded) field(name string) string { return string(r.Body[name]) }

// fakeServer answers the n-th request with the n-th handler (the last one
// answers any further requests) and records every request.
type fakeServer struct {
	*httptest.Server // nil for a fake used through memTransport
	handlers         []http.HandlerFunc
	mu               sync.Mutex
	reqs             []recorded
}

func newFake(t *testing.T, handlers ...http.HandlerFunc) *fakeServer {
	t.Helper()
	require.NotEmpty(t, handlers)
	return &fakeServer{handlers: handlers}
}

// serve starts a fake server on the loopback interface.
func serve(t *testing.T, handlers ...http.HandlerFunc) *fakeServer {
	t.Helper()
	f := newFake(t, handlers...)
	f.Server = httptest.NewServer(f)
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	rec := recorded{Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone()}
	if err := json.Unmarshal(raw, &rec.Body); err != nil {
		http.Error(w, "test server: request body is not a JSON object: "+err.Error(), http.StatusTeapot)
		return
	}
	f.mu.Lock()
	n := len(f.reqs)
	f.reqs = append(f.reqs, rec)
	f.mu.Unlock()
	f.handlers[min(n, len(f.handlers)-1)](w, r)
}

// memTransport serves requests with a handler in the calling goroutine, with
// no network, for tests inside a synctest bubble.
type memTransport struct{ h http.Handler }

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// redirect returns an HTTP client that sends every request to srv, so that
// a client configured for api.openai.com can be tested offline.
func redirect(srv *fakeServer) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = "http", srv.Listener.Addr().String()
		return srv.Client().Transport.RoundTrip(r)
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (f *fakeServer) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// last returns the last request received.
func (f *fakeServer) last(t *testing.T) recorded {
	t.Helper()
	reqs := f.requests()
	require.NotEmpty(t, reqs, "the server received no request")
	return reqs[len(reqs)-1]
}

// reply answers with a status, a body and header pairs.
func reply(status int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// ok answers 200 with a JSON body and a request id.
func ok(body string) http.HandlerFunc { return reply(200, body, "x-request-id", "req_123") }

// stream answers 200 with a raw event stream, flushing after each piece.
func stream(pieces ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("x-request-id", "req_123")
		w.WriteHeader(200)
		for _, p := range pieces {
			io.WriteString(w, p)
			w.(http.Flusher).Flush()
		}
	}
}

// chatSSE writes Chat Completions chunks as "data:" events, ending with
// [DONE].
func chatSSE(chunks ...string) string {
	var b strings.Builder
	for _, c := range chunks {
		fmt.Fprintf(&b, "data: %s\n\n", compact(c))
	}
	b.WriteString("data: [DONE]\n\n")
	return b.String()
}

// respSSE writes Responses events, each named by its "type".
func respSSE(events ...string) string {
	var b strings.Builder
	for _, e := range events {
		var head struct{ Type string }
		if err := json.Unmarshal([]byte(e), &head); err != nil {
			panic(fmt.Sprintf("respSSE: %v in %s", err, e))
		}
		fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", head.Type, compact(e))
	}
	return b.String()
}

// compact puts a JSON fixture on one line, as servers write event data.
func compact(s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		panic(fmt.Sprintf("compact: %v in %s", err, s))
	}
	return b.String()
}

// testOptions point a client at srv: over the loopback interface when it
// listens, in memory otherwise.
func testOptions(srv *fakeServer, opts []Option) []Option {
	base := []Option{WithAPIKey("sk-test"), WithModel("gpt-test")}
	if srv.Server != nil {
		base = append(base, WithBaseURL(srv.URL), WithHTTPClient(srv.Client()))
	} else {
		base = append(base, WithBaseURL("http://fake.test/v1"), WithHTTPClient(&http.Client{Transport: memTransport{srv}}))
	}
	return append(base, opts...)
}

func newChat(t *testing.T, srv *fakeServer, opts ...Option) *Client {
	t.Helper()
	c, err := New(testOptions(srv, opts)...)
	require.NoError(t, err)
	return c
}

func newResponses(t *testing.T, srv *fakeServer, opts ...Option) *ResponsesClient {
	t.Helper()
	c, err := NewResponses(testOptions(srv, opts)...)
	require.NoError(t, err)
	return c
}

// collect ranges over a stream, returning its events and error.
func collect(s func(yield func(llm.Event, error) bool)) ([]llm.Event, error) {
	var evs []llm.Event
	for ev, err := range s {
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

// done returns the response of a stream's done event.
func done(t *testing.T, evs []llm.Event) *llm.Response {
	t.Helper()
	require.NotEmpty(t, evs)
	last := evs[len(evs)-1]
	require.Equal(t, llm.EventDone, last.Kind)
	return last.Response
}

// kinds lists the kinds of events.
func kinds(evs []llm.Event) []llm.EventKind {
	out := make([]llm.EventKind, len(evs))
	for i, ev := range evs {
		out[i] = ev.Kind
	}
	return out
}

// textOf joins the text of the events of one kind.
func textOf(evs []llm.Event, kind llm.EventKind) string {
	var b strings.Builder
	for _, ev := range evs {
		if ev.Kind == kind {
			b.WriteString(ev.Text)
		}
	}
	return b.String()
}

func calls(evs []llm.Event) []llm.ToolCall {
	var out []llm.ToolCall
	for _, ev := range evs {
		if ev.Kind == llm.EventToolCall {
			out = append(out, *ev.ToolCall)
		}
	}
	return out
}

func weatherReq() *llm.Request {
	return &llm.Request{
		System:   "Be brief.",
		Messages: []llm.Message{llm.UserText("Weather in Paris and Rome?")},
		Tools: []llm.ToolSpec{{
			Name:        "get_weather",
			Description: "Weather for a city.",
			Schema:      json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["c","f"]}},"required":["city"]}`),
		}},
		MaxTokens: 100,
	}
}
