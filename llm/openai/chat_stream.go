package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime"
	"net/http"
	"strings"

	"github.com/conclave-dev/conclave/internal/httpx"
	"github.com/conclave-dev/conclave/internal/sse"
	"github.com/conclave-dev/conclave/llm"
)

// Stream sends req with streaming on and returns its events; see
// [llm.Streamer]. Text, reasoning and argument fragments are yielded as
// they arrive; each tool call is yielded whole once the server moves on to
// the next call or finishes; usage and the assembled response, equal to what
// Generate returns, come last.
//
// A stream that ends before "data: [DONE]", or inside an event, fails with
// an error wrapping [llm.ErrConnection]; an error chunk is an
// [*llm.APIError]. A server that answers with a whole JSON response instead
// of a stream is replayed as events. Stopping the range early closes the
// connection; once ctx is done the stream fails with ctx's cause.
func (c *Client) Stream(ctx context.Context, req *llm.Request) iter.Seq2[llm.Event, error] {
	return func(yield func(llm.Event, error) bool) {
		body, err := c.request(req, true)
		if err != nil {
			yield(llm.Event{}, err)
			return
		}
		resp, err := c.t.post(ctx, body, true)
		if err != nil {
			yield(llm.Event{}, c.t.explain(err, body.Model))
			return
		}
		defer resp.Body.Close()
		requestID := c.t.caller.RequestID(resp.Header)
		if isJSON(resp) {
			// A server that ignored "stream": its answer is whole.
			var cr chatResponse
			if err := c.t.caller.DecodeJSON(ctx, resp, &cr); err != nil {
				yield(llm.Event{}, err)
				return
			}
			turn, err := cr.turn()
			if err != nil {
				yield(llm.Event{}, c.t.caller.Redact(resp, err))
				return
			}
			replay(turn.response(requestID), yield)
			return
		}
		err = decodeChatStream(c.t.caller.Body(resp), requestID, func(ev llm.Event) bool { return yield(ev, nil) })
		if err != nil && err != errStopped {
			yield(llm.Event{}, c.t.caller.Redact(resp, classify(ctx, &c.t.caller, err)))
		}
	}
}

// errStopped reports that the consumer stopped ranging.
var errStopped = errors.New("openai: stream abandoned")

// classify passes API and format errors through and turns everything else
// (the body cut short or over its bound, a read failure) into a connection
// error, a too-large error or ctx's cause.
func classify(ctx context.Context, caller *httpx.Caller, err error) error {
	var apiErr *llm.APIError
	if errors.As(err, &apiErr) || errors.Is(err, errMalformed) {
		return err
	}
	return caller.TransportError(ctx, err)
}

func isJSON(resp *http.Response) bool {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt == "application/json"
}

func replay(resp *llm.Response, yield func(llm.Event, error) bool) {
	for _, ev := range llm.Replay(resp) {
		if !yield(ev, nil) {
			return
		}
	}
}

var doneMarker = []byte("[DONE]")

// decodeChatStream reads a Chat Completions event stream from r and yields
// its events, ending with the done event. It returns errStopped when yield
// returns false, an *llm.APIError for an error the stream reports, an error
// wrapping errMalformed for a chunk that is not JSON, and a read error
// (io.ErrUnexpectedEOF for a stream cut short) otherwise.
func decodeChatStream(r io.Reader, requestID string, yield func(llm.Event) bool) error {
	rd := sse.NewReader(r)
	var a chatAssembler
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			return fmt.Errorf("%w: the stream ended before [DONE]", io.ErrUnexpectedEOF)
		}
		if err != nil {
			return err
		}
		if bytes.Equal(bytes.TrimSpace(ev.Data), doneMarker) {
			return emit(a.finish(requestID), yield)
		}
		var chunk chatResponse
		if err := json.Unmarshal(ev.Data, &chunk); err != nil {
			return fmt.Errorf("%w: stream chunk (%v): %s", errMalformed, err, httpx.Snippet(ev.Data))
		}
		if chunk.Error != nil {
			return streamError(requestID, *chunk.Error)
		}
		if err := emit(a.add(&chunk), yield); err != nil {
			return err
		}
	}
}

func emit(evs []llm.Event, yield func(llm.Event) bool) error {
	for _, ev := range evs {
		if !yield(ev) {
			return errStopped
		}
	}
	return nil
}

// chatAssembler joins the chunks of a stream into a chatTurn, reporting
// events as they come.
type chatAssembler struct {
	turn                        chatTurn
	content, refusal, reasoning strings.Builder
	details                     detailsBuilder
	calls                       []*partialCall
	emitted                     int // calls[:emitted] have been yielded whole
	evs                         []llm.Event
}

// partialCall is a tool call whose fragments are still arriving.
type partialCall struct {
	index int
	id    string
	name  string
	args  []byte
}

func (a *chatAssembler) add(c *chatResponse) []llm.Event {
	a.evs = a.evs[:0]
	if a.turn.id == "" {
		a.turn.id = c.ID
	}
	if a.turn.model == "" {
		a.turn.model = c.Model
	}
	if c.Usage != nil {
		a.turn.usage = c.Usage
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		if ch.Index != 0 {
			continue
		}
		d := &ch.Delta
		if text, field := d.reasoning(); text != "" {
			if a.turn.field == "" {
				a.turn.field = field
			}
			a.reasoning.WriteString(text)
			a.evs = append(a.evs, llm.Event{Kind: llm.EventReasoning, Text: text})
		}
		if len(d.ReasoningDetails) > 0 {
			a.details.add(d.ReasoningDetails)
		}
		if d.Content != nil && *d.Content != "" {
			a.content.WriteString(*d.Content)
			a.evs = append(a.evs, llm.Event{Kind: llm.EventText, Text: *d.Content})
		}
		a.refusal.WriteString(string(d.Refusal))
		for _, f := range d.calls() {
			a.fragment(&f)
		}
		if ch.FinishReason != "" {
			a.turn.finish = string(ch.FinishReason)
		}
	}
	return a.evs
}

// fragment adds a piece of a tool call. Pieces are joined by index; the id
// and name come with the first piece of a call, and servers that repeat
// them, omit the index, or reuse an index with a new id are handled: a new
// id under a known index starts a new call, and a piece without an index
// continues the last call. Starting a call completes the calls before it.
func (a *chatAssembler) fragment(f *chatCallDelta) {
	var cur *partialCall
	for i := len(a.calls) - 1; i >= 0; i-- {
		if f.Index == nil || a.calls[i].index == *f.Index {
			cur = a.calls[i]
			break
		}
	}
	if cur != nil && f.ID != "" && cur.id != "" && f.ID != cur.id {
		cur = nil
	}
	if cur == nil {
		a.flushCalls()
		cur = &partialCall{index: len(a.calls)}
		if f.Index != nil {
			cur.index = *f.Index
		}
		a.calls = append(a.calls, cur)
	}
	if cur.id == "" {
		cur.id = f.ID
	}
	if cur.name == "" {
		cur.name = f.Function.Name
	}
	if f.Function.Arguments != "" {
		cur.args = append(cur.args, f.Function.Arguments...)
		a.evs = append(a.evs, llm.Event{Kind: llm.EventToolCallDelta, Text: string(f.Function.Arguments),
			ToolCall: &llm.ToolCall{ID: cur.id, Name: cur.name}})
	}
}

// flushCalls yields the calls not yet yielded.
func (a *chatAssembler) flushCalls() {
	for ; a.emitted < len(a.calls); a.emitted++ {
		call := a.call(a.emitted)
		a.evs = append(a.evs, llm.Event{Kind: llm.EventToolCall, ToolCall: &call})
	}
}

func (a *chatAssembler) call(i int) llm.ToolCall {
	p := a.calls[i]
	return llm.ToolCall{ID: callID(p.id, a.turn.id, i), Name: p.name, Args: json.RawMessage(bytes.Clone(p.args))}
}

// finish completes the turn at [DONE] and returns the last events.
func (a *chatAssembler) finish(requestID string) []llm.Event {
	a.evs = a.evs[:0]
	a.flushCalls()
	a.turn.content = a.content.String()
	a.turn.refusal = a.refusal.String()
	a.turn.reasoning = a.reasoning.String()
	a.turn.details = a.details.json()
	a.turn.calls = a.turn.calls[:0]
	for i := range a.calls {
		a.turn.calls = append(a.turn.calls, a.call(i))
	}
	resp := a.turn.response(requestID)
	if a.turn.content == "" && a.turn.refusal != "" {
		a.evs = append(a.evs, llm.Event{Kind: llm.EventText, Text: a.turn.refusal})
	}
	u := resp.Usage
	return append(a.evs, llm.Event{Kind: llm.EventUsage, Usage: &u}, llm.Event{Kind: llm.EventDone, Response: resp})
}
