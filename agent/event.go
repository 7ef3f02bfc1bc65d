package agent

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/conclave-dev/conclave/llm"
)

// EventKind tells what an [Event] reports.
type EventKind string

const (
	EventStart      EventKind = "start"       // Start: the run begins
	EventStep       EventKind = "step"        // a step begins; Tokens estimates the context
	EventTrim       EventKind = "trim"        // Trim: the context was trimmed
	EventModelCall  EventKind = "model_call"  // Model: a model call ended
	EventToolCall   EventKind = "tool_call"   // Call: a tool call the model asked for
	EventToolResult EventKind = "tool_result" // Tool: a tool call ended
	EventNudge      EventKind = "nudge"       // Text: the nudge sent
	EventStop       EventKind = "stop"        // Stop: the run ended
)

// Event is one thing that happened in a run; Kind says which field is set.
// Events of one agent arrive in this order: start; then per step: step,
// trims, model_call, the tool_call of every call in call order, the
// tool_result of every call in call order (each as soon as it and those
// before it have ended), or a nudge; and stop. A subagent's events arrive
// between the tool_call and the tool_result of the call that runs it,
// named parent/child in Agent and carrying that call's id in Parent.
type Event struct {
	Kind   EventKind `json:"kind"`
	Time   time.Time `json:"time"`
	Agent  string    `json:"agent"`
	Parent string    `json:"parent,omitempty"`
	Step   int       `json:"step,omitempty"`

	Start  *Start        `json:"start,omitempty"`
	Tokens int           `json:"tokens,omitempty"`
	Trim   *Trim         `json:"trim,omitempty"`
	Model  *ModelCall    `json:"model,omitempty"`
	Call   *llm.ToolCall `json:"call,omitempty"`
	Tool   *ToolRun      `json:"tool,omitempty"`
	Text   string        `json:"text,omitempty"`
	Stop   *Stop         `json:"stop,omitempty"`
}

// Start describes a run as it begins.
type Start struct {
	Task   string   `json:"task"`
	System string   `json:"system,omitempty"`
	Model  string   `json:"model,omitempty"`
	Tools  []string `json:"tools,omitempty"`
	Limits Limits   `json:"limits"`
	// Window is the context window in tokens, 0 when unknown.
	Window int `json:"window,omitempty"`
}

// Stop describes how a run ended.
type Stop struct {
	Reason StopReason `json:"reason"`
	Final  string     `json:"final,omitempty"`
	Error  string     `json:"error,omitempty"`
	Steps  int        `json:"steps"`
	// Usage is the run's usage and cost summed over every model.
	Usage llm.Totals `json:"usage"`
}

// emitter delivers a run's events to its observer and trajectory, one at a
// time, then to the parent run's emitter for a subagent.
type emitter struct {
	observer func(Event)
	traj     io.Writer
	redact   *redactor
	parent   *emitter

	mu  sync.Mutex
	err error // the first trajectory write error
}

func (e *emitter) emit(ev Event) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	e.mu.Lock()
	if e.observer != nil {
		e.observer(ev)
	}
	if e.traj != nil && e.err == nil {
		if err := writeEvent(e.traj, ev, e.redact); err != nil {
			e.err = fmt.Errorf("agent: writing the trajectory: %w", err)
		}
	}
	e.mu.Unlock()
	if e.parent != nil {
		e.parent.emit(ev)
	}
}

// failed returns the first trajectory write error.
func (e *emitter) failed() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// writeEvent writes ev as one JSON line with a single Write, so that a crash
// loses at most the line being written.
func writeEvent(w io.Writer, ev Event, r *redactor) error {
	line, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	line = append([]byte(r.redact(string(line))), '\n')
	_, err = w.Write(line)
	return err
}
