package anthropic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

var hi = &llm.Request{Messages: []llm.Message{llm.UserText("hi")}}

// collect ranges over a stream, returning its events and its error.
func collect(stream func(yield func(llm.Event, error) bool)) ([]llm.Event, error) {
	var evs []llm.Event
	for ev, err := range stream {
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

// checkEvents checks that the events add up to the final response they end
// with, and returns it.
func checkEvents(t *testing.T, evs []llm.Event) *llm.Response {
	t.Helper()
	require.NotEmpty(t, evs)
	done := evs[len(evs)-1]
	require.Equal(t, llm.EventDone, done.Kind, "the last event")
	resp := done.Response
	var text, thought strings.Builder
	var calls []llm.ToolCall
	fragments := map[string]string{}
	var usage *llm.Usage
	for _, ev := range evs[:len(evs)-1] {
		switch ev.Kind {
		case llm.EventText:
			text.WriteString(ev.Text)
		case llm.EventReasoning:
			thought.WriteString(ev.Text)
		case llm.EventToolCallDelta:
			fragments[ev.ToolCall.ID] += ev.Text
		case llm.EventToolCall:
			calls = append(calls, *ev.ToolCall)
		case llm.EventUsage:
			usage = ev.Usage
		default:
			t.Fatalf("unexpected %s event before the end", ev.Kind)
		}
	}
	var wantThought strings.Builder
	for _, p := range resp.Message.Parts {
		if p.Kind == llm.KindReasoning {
			wantThought.WriteString(p.Text)
		}
	}
	assert.Equal(t, resp.Message.Text(), text.String())
	assert.Equal(t, wantThought.String(), thought.String())
	assert.Equal(t, resp.Message.ToolCalls(), calls)
	for _, c := range calls {
		if f, ok := fragments[c.ID]; ok {
			assert.Equal(t, string(compact([]byte(f), "{}")), string(c.Args), "fragments of %s", c.ID)
		}
	}
	require.NotNil(t, usage, "no usage event")
	assert.Equal(t, resp.Usage, *usage, "the last usage event")
	return resp
}

func TestStream(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			srv, _ := fixtureServer(t, f.name)
			c := newTestClient(t, srv)
			evs, err := collect(c.Stream(t.Context(), hi))
			require.NoError(t, err)
			want := f.want
			want.RequestID = "req_011CTest"
			assert.Equal(t, &want, checkEvents(t, evs))

			generated, err := c.Generate(t.Context(), hi)
			require.NoError(t, err)
			assert.Equal(t, generated, evs[len(evs)-1].Response, "Stream and Generate disagree")
		})
	}
}

// TestStreamEvents checks the event sequence of a text streamed before a
// tool call, with usage carried over from message_start.
func TestStreamEvents(t *testing.T) {
	srv, _ := fixtureServer(t, "tool")
	evs, err := collect(newTestClient(t, srv).Stream(t.Context(), hi))
	require.NoError(t, err)
	ref := &llm.ToolCall{ID: "toolu_01A09q90qw90lq917835lq9", Name: "bash"}
	want := []llm.Event{
		{Kind: llm.EventUsage, Usage: &llm.Usage{InputTokens: 120, OutputTokens: 2, CacheReadTokens: 1800}},
		{Kind: llm.EventText, Text: "Let me"},
		{Kind: llm.EventText, Text: " look."},
		{Kind: llm.EventToolCallDelta, Text: `{"comm`, ToolCall: ref},
		{Kind: llm.EventToolCallDelta, Text: `and": "ls`, ToolCall: ref},
		{Kind: llm.EventToolCallDelta, Text: ` -la"}`, ToolCall: ref},
		{Kind: llm.EventToolCall, ToolCall: &llm.ToolCall{ID: ref.ID, Name: "bash", Args: json.RawMessage(`{"command":"ls -la"}`)}},
		{Kind: llm.EventUsage, Usage: &llm.Usage{InputTokens: 120, OutputTokens: 30, CacheReadTokens: 1800}},
	}
	require.Len(t, evs, len(want)+1)
	assert.Equal(t, want, evs[:len(want)])
}

func TestStreamThinking(t *testing.T) {
	srv, _ := fixtureServer(t, "thinking")
	evs, err := collect(newTestClient(t, srv).Stream(t.Context(), hi))
	require.NoError(t, err)
	var kinds []llm.EventKind
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind)
	}
	assert.Equal(t, []llm.EventKind{
		llm.EventUsage, llm.EventReasoning, llm.EventReasoning, llm.EventText, llm.EventToolCall, llm.EventUsage, llm.EventDone,
	}, kinds)
	assert.Equal(t, " I should call the tool.", evs[2].Text)
	assert.Equal(t, `{}`, string(evs[4].ToolCall.Args), "a call without fragments")
	resp := evs[len(evs)-1].Response
	assert.Equal(t, "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds", resp.Message.Parts[0].Opaque.Signature)
	assert.Equal(t, llm.Usage{InputTokens: 35, OutputTokens: 161, CacheWriteTokens: 2048}, resp.Usage)
}

// sseServer serves body as an event stream.
func sseServer(t *testing.T, body string) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("request-id", "req_011Stream")
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return newTestClient(t, srv)
}

const streamHead = "event: message_start\n" +
	`data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"usage":{"input_tokens":5,"output_tokens":1}}}` + "\n\n" +
	"event: content_block_start\n" +
	`data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}` + "\n\n" +
	"event: content_block_delta\n" +
	`data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}` + "\n\n"

func TestStreamErrorEvent(t *testing.T) {
	c := sseServer(t, streamHead+"event: error\n"+
		`data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`+"\n\n")
	evs, err := collect(c.Stream(t.Context(), hi))
	require.Error(t, err)
	assert.Equal(t, []llm.EventKind{llm.EventUsage, llm.EventText}, []llm.EventKind{evs[0].Kind, evs[1].Kind}, "events before the error are delivered")
	var apiErr *llm.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "overloaded_error", apiErr.Type)
	assert.Equal(t, "Overloaded", apiErr.Message)
	assert.Equal(t, "req_011Stream", apiErr.RequestID)
	assert.ErrorIs(t, err, llm.ErrOverloaded)
}

func TestStreamFailures(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		connection bool
		msg        string
	}{
		{"CutMidEvent", streamHead + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"del", true, "unexpected EOF"},
		{"CutMidLine", streamHead + "event: content_blo", true, "unexpected EOF"},
		{"NoMessageStop", streamHead + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n", true, "before message_stop"},
		{"Empty", "", true, "before message_stop"},
		{"MalformedJSON", streamHead + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":42}}\n\n", false, "malformed content_block_delta event"},
		{"NotJSON", streamHead + "event: content_block_delta\ndata: Hello\n\n", false, "malformed"},
		{"UnknownIndex", streamHead + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":7,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n", false, "content block 7, which never started"},
		{"WrongDelta", streamHead + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}\n\n", false, "input_json_delta for content block 0, a text block"},
		{"StartedTwice", streamHead + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n", false, "started twice"},
		{"StoppedTwice", streamHead + strings.Repeat("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n", 2), false, "stopped twice"},
		{"UnstoppedBlock", streamHead + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", false, "before content block 0 stopped"},
		{"NoMessage", "event: message_start\ndata: {\"type\":\"message_start\"}\n\n", false, "without a message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := collect(sseServer(t, tt.body).Stream(t.Context(), hi))
			require.Error(t, err)
			assert.Equal(t, tt.connection, errors.Is(err, llm.ErrConnection), err.Error())
			assert.Equal(t, tt.connection, llm.IsRetryable(err))
			assert.Contains(t, err.Error(), tt.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "anthropic: "), err.Error())
		})
	}
}

func TestStreamConnectionAborted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, streamHead)
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // drops the connection
	}))
	defer srv.Close()
	evs, err := collect(newTestClient(t, srv).Stream(t.Context(), hi))
	assert.Len(t, evs, 2)
	assert.ErrorIs(t, err, llm.ErrConnection)
}

// blockingServer streams streamHead and then waits until the client goes
// away; gone is closed when it does.
func blockingServer(t *testing.T) (srv *httptest.Server, gone chan struct{}) {
	gone = make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, streamHead)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		close(gone)
	}))
	t.Cleanup(srv.Close)
	return srv, gone
}

func TestStreamCancelled(t *testing.T) {
	srv, gone := blockingServer(t)
	cause := errors.New("the agent was stopped")
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	var evs []llm.Event
	var err error
	for ev, e := range newTestClient(t, srv).Stream(ctx, hi) {
		if e != nil {
			err = e
			break
		}
		evs = append(evs, ev)
		if ev.Kind == llm.EventText {
			cancel(cause) // the server sends nothing more: only the cancellation ends the read
		}
	}
	assert.Len(t, evs, 2)
	assert.ErrorIs(t, err, cause)
	assert.NotErrorIs(t, err, llm.ErrConnection)
	<-gone
}

// closeRecorder wraps a transport, recording whether each response body
// was closed.
type closeRecorder struct {
	http.RoundTripper
	closed atomic.Bool
}

func (c *closeRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.RoundTripper.RoundTrip(r)
	if err == nil {
		resp.Body = &recordedBody{resp.Body, &c.closed}
	}
	return resp, err
}

type recordedBody struct {
	io.ReadCloser
	closed *atomic.Bool
}

func (b *recordedBody) Close() error {
	b.closed.Store(true)
	return b.ReadCloser.Close()
}

func TestStreamBreakClosesBody(t *testing.T) {
	srv, gone := blockingServer(t)
	rt := &closeRecorder{RoundTripper: srv.Client().Transport}
	c := newTestClient(t, srv, WithHTTPClient(&http.Client{Transport: rt}))
	n := 0
	for _, err := range c.Stream(t.Context(), hi) {
		require.NoError(t, err)
		n++
		break
	}
	assert.Equal(t, 1, n)
	assert.True(t, rt.closed.Load(), "the body was still open after the range statement ended")
	<-gone
}

func TestStreamStopsAtMessageStop(t *testing.T) {
	srv, _ := fixtureServer(t, "text")
	body := readFixture(t, "text.sse")
	c := sseServer(t, string(body)+"event: content_block_delta\ndata: not even JSON\n\n")
	resp, err := llm.Collect(c.Stream(t.Context(), hi))
	require.NoError(t, err, "what follows message_stop is not read")
	want, err := newTestClient(t, srv).Generate(t.Context(), hi)
	require.NoError(t, err)
	want.RequestID = resp.RequestID
	assert.Equal(t, want, resp)
}

func TestStreamLineEndings(t *testing.T) {
	body := readFixture(t, "tool.sse")
	for name, b := range map[string][]byte{
		"CRLF": bytes.ReplaceAll(body, []byte("\n"), []byte("\r\n")),
		"CR":   bytes.ReplaceAll(body, []byte("\n"), []byte("\r")),
	} {
		t.Run(name, func(t *testing.T) {
			evs, err := collect(sseServer(t, string(b)).Stream(t.Context(), hi))
			require.NoError(t, err)
			require.Equal(t, "tool", fixtures[1].name)
			assert.Equal(t, fixtures[1].want.Message, checkEvents(t, evs).Message)
		})
	}
}

// TestStreamCancelledBetweenEvents cancels while the rest of the stream is
// already buffered: the stream must still end with ctx's cause.
func TestStreamCancelledBetweenEvents(t *testing.T) {
	srv, _ := fixtureServer(t, "text")
	cause := errors.New("enough")
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	n := 0
	var err error
	for _, e := range newTestClient(t, srv).Stream(ctx, hi) {
		if e != nil {
			err = e
			break
		}
		n++
		cancel(cause)
	}
	assert.Equal(t, 1, n)
	assert.ErrorIs(t, err, cause)
}

// TestStreamMalformedArguments checks that arguments streamed as invalid
// JSON are kept as written, for the tool runner to report.
func TestStreamMalformedArguments(t *testing.T) {
	body := "event: message_start\n" +
		`data: {"type":"message_start","message":{"id":"msg_1","model":"claude-test","usage":{"input_tokens":5,"output_tokens":1}}}` + "\n\n" +
		`data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"bash","input":{}}}` + "\n\n" +
		`data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"command\": "}}` + "\n\n" +
		`data: {"type":"content_block_stop","index":0}` + "\n\n" +
		`data: {"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":4096}}` + "\n\n" +
		`data: {"type":"message_stop"}` + "\n\n"
	evs, err := collect(sseServer(t, body).Stream(t.Context(), hi))
	require.NoError(t, err, "events named only in their data are read too")
	resp := checkEvents(t, evs)
	assert.Equal(t, []llm.ToolCall{{ID: "toolu_1", Name: "bash", Args: json.RawMessage(`{"command": `)}}, resp.Message.ToolCalls())
	assert.Equal(t, llm.StopMaxTokens, resp.StopReason)
}

func TestStreamWithoutStopReason(t *testing.T) {
	body := strings.Replace(string(readFixture(t, "text.sse")), `"stop_reason":"end_turn"`, `"stop_reason":null`, 1)
	resp, err := llm.Collect(sseServer(t, body).Stream(t.Context(), hi))
	require.NoError(t, err)
	assert.Equal(t, llm.StopOther, resp.StopReason)
	assert.Empty(t, resp.ProviderStopReason)
}
