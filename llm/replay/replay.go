// Package replay records the traffic of any [llm.Model] and serves a
// recording back as a model, so that an agent's run can be replayed
// offline, in a test, an example or a bug report.
//
// # Format
//
// A recording is JSONL: one line per model call, in call order,
//
//	{"request": <llm.Request>, "response": <llm.Response>}
//
// in their own snake_case JSON encoding. A failed call is recorded with
// "error" instead of "response": {"message": "...", "kind": "context_length"},
// where kind names the llm sentinel it wrapped (rate_limited, overloaded,
// context_length, auth, budget_exceeded, connection, malformed_tool_call),
// and a replay returns an error wrapping that sentinel. Lines may be written
// by hand: a line with only "response" is served without checking the
// request, so a scripted run is a file of responses:
//
//	{"response":{"message":{"role":"assistant","parts":[{"kind":"tool_call","tool_call":{"id":"c1","name":"bash","args":{"command":"ls"}}}]},"stop_reason":"tool_use"}}
//	{"response":{"message":{"role":"assistant","parts":[{"kind":"text","text":"Done."}]},"stop_reason":"end"}}
//
// # Recording
//
// [Record] is middleware: it wraps any model, streaming or not, provider or
// middleware stack, and appends a line for each call once it ends.
//
//	m := llm.Chain(client, replay.Record(file))
//
// # Replaying
//
// [Player] serves a recording's responses in order. With Check set it
// also compares each request with the recorded one in what decides the
// course of a run (the tool names offered, the number and roles of the
// messages, and the call ids the tool results answer) and fails with a
// [*MismatchError] naming the first difference, so a test sees at once
// where a changed agent left the recorded path.
package replay

import (
	"encoding/json"
	"errors"

	"github.com/conclave-dev/conclave/llm"
)

// Call is one line of a recording.
type Call struct {
	Request  *llm.Request  `json:"request,omitempty"`
	Response *llm.Response `json:"response,omitempty"`
	Error    *Error        `json:"error,omitempty"`
}

// Error is a recorded failure.
type Error struct {
	Message string `json:"message"`
	// Kind names the llm sentinel the error wrapped; empty for others.
	Kind string `json:"kind,omitempty"`
}

var kinds = []struct {
	name string
	err  error
}{
	{"rate_limited", llm.ErrRateLimited},
	{"overloaded", llm.ErrOverloaded},
	{"context_length", llm.ErrContextLength},
	{"auth", llm.ErrAuth},
	{"budget_exceeded", llm.ErrBudgetExceeded},
	{"connection", llm.ErrConnection},
	{"malformed_tool_call", llm.ErrMalformedToolCall},
}

func newError(err error) *Error {
	e := &Error{Message: err.Error()}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			e.Kind = k.name
			break
		}
	}
	return e
}

// recorded is the error a replay returns for e: its message, wrapping the
// sentinel its kind names.
type recorded struct {
	msg string
	err error
}

func (r *recorded) Error() string { return r.msg }
func (r *recorded) Unwrap() error { return r.err }

func (e *Error) err() error {
	for _, k := range kinds {
		if k.name == e.Kind {
			return &recorded{msg: "replay: recorded error: " + e.Message, err: k.err}
		}
	}
	return &recorded{msg: "replay: recorded error: " + e.Message}
}

func marshalLine(c Call) ([]byte, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
