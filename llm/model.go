package llm

import (
	"context"
	"errors"
	"iter"
)

// Model is a language model. Generate sends one request and returns the
// whole response.
//
// Implementations are safe for concurrent use, do not modify req, return
// promptly with an error wrapping ctx's cause once ctx is done, and report
// provider failures as [*APIError].
type Model interface {
	Generate(ctx context.Context, req *Request) (*Response, error)
}

// ModelFunc adapts a function to [Model].
type ModelFunc func(ctx context.Context, req *Request) (*Response, error)

// Generate calls f.
func (f ModelFunc) Generate(ctx context.Context, req *Request) (*Response, error) {
	return f(ctx, req)
}

// Streamer is a [Model] that can also stream its response.
//
// Stream returns a single-use sequence of events. On success the last event
// is [EventDone], carrying the same Response that Generate would have
// returned; on failure the sequence yields one non-nil error and ends. A
// caller that stops ranging early ends the request: the connection is closed
// before the range statement finishes.
type Streamer interface {
	Model
	Stream(ctx context.Context, req *Request) iter.Seq2[Event, error]
}

// EventKind tells what an [Event] carries.
type EventKind string

const (
	// EventText carries a fragment of the answer in Text.
	EventText EventKind = "text"
	// EventReasoning carries a fragment of the model's thinking in Text.
	EventReasoning EventKind = "reasoning"
	// EventToolCallDelta carries a fragment of a tool call's arguments in
	// Text; ToolCall holds the call's ID and Name as far as they are known.
	EventToolCallDelta EventKind = "tool_call_delta"
	// EventToolCall carries a whole tool call, its arguments complete.
	EventToolCall EventKind = "tool_call"
	// EventUsage carries token counts (cumulative for the call so far).
	EventUsage EventKind = "usage"
	// EventDone is the last event; Response holds the assembled response.
	EventDone EventKind = "done"
)

// Event is one step of a streamed response; Kind says which fields are set.
type Event struct {
	Kind     EventKind `json:"kind"`
	Text     string    `json:"text,omitempty"`
	ToolCall *ToolCall `json:"tool_call,omitempty"`
	Usage    *Usage    `json:"usage,omitempty"`
	Response *Response `json:"response,omitempty"`
}

// Stream streams req from m: through m's own Stream method when m is a
// [Streamer], otherwise by calling Generate and replaying the response as
// events.
func Stream(ctx context.Context, m Model, req *Request) iter.Seq2[Event, error] {
	if s, ok := m.(Streamer); ok {
		return s.Stream(ctx, req)
	}
	return func(yield func(Event, error) bool) {
		resp, err := m.Generate(ctx, req)
		if err != nil {
			yield(Event{}, err)
			return
		}
		for _, ev := range Replay(resp) {
			if !yield(ev, nil) {
				return
			}
		}
	}
}

// Replay returns the events a stream of resp would have produced, ending
// with [EventDone].
func Replay(resp *Response) []Event {
	var evs []Event
	for _, p := range resp.Message.Parts {
		switch p.Kind {
		case KindText:
			evs = append(evs, Event{Kind: EventText, Text: p.Text})
		case KindReasoning:
			if p.Text != "" {
				evs = append(evs, Event{Kind: EventReasoning, Text: p.Text})
			}
		case KindToolCall:
			call := *p.ToolCall
			evs = append(evs, Event{Kind: EventToolCall, ToolCall: &call})
		}
	}
	u := resp.Usage
	evs = append(evs, Event{Kind: EventUsage, Usage: &u}, Event{Kind: EventDone, Response: resp})
	return evs
}

// Collect ranges over a stream and returns its final response.
func Collect(stream iter.Seq2[Event, error]) (*Response, error) {
	for ev, err := range stream {
		if err != nil {
			return nil, err
		}
		if ev.Kind == EventDone {
			return ev.Response, nil
		}
	}
	return nil, errors.New("llm: stream ended without a done event")
}

// Middleware adds behaviour around a Model and returns the wrapped Model,
// as net/http handlers wrap handlers. [Retry] and [Log] build middleware
// from their settings; the Wrap methods of a [Limiter] and a [Meter] are
// middleware bound to the state they share across models. Every middleware
// of this package keeps streaming: the wrapped Model is a [Streamer], which
// streams through the inner model's Stream when it has one.
type Middleware func(Model) Model

// Chain returns m wrapped by mw, the first outermost: Chain(m, a, b) is
// a(b(m)), so a call passes through a, then b, then m.
func Chain(m Model, mw ...Middleware) Model {
	for i := len(mw) - 1; i >= 0; i-- {
		m = mw[i](m)
	}
	return m
}

// wrapper is a middleware model: it keeps streaming available when the
// wrapped model streams, and falls back to [Stream]'s replay otherwise.
type wrapper struct {
	generate func(ctx context.Context, req *Request) (*Response, error)
	stream   func(ctx context.Context, req *Request) iter.Seq2[Event, error]
}

func (w *wrapper) Generate(ctx context.Context, req *Request) (*Response, error) {
	return w.generate(ctx, req)
}

func (w *wrapper) Stream(ctx context.Context, req *Request) iter.Seq2[Event, error] {
	return w.stream(ctx, req)
}
