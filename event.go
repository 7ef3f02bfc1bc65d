package conclave

import "time"

// Event is a step of a run's progress, for a display or a log. Kind says
// which fields are set.
type Event struct {
	Time  time.Time `json:"time"`
	Kind  EventKind `json:"kind"`
	Round int       `json:"round,omitempty"`
	State State     `json:"state,omitempty"`
	// Coder is the Coder of an EventCoder; Steps, Tool, Tokens and Cost
	// are its run so far: model calls, the last tool called, tokens of
	// every kind and dollars.
	Coder  string  `json:"coder,omitempty"`
	Steps  int     `json:"steps,omitempty"`
	Tool   string  `json:"tool,omitempty"`
	Tokens int     `json:"tokens,omitempty"`
	Cost   float64 `json:"cost,omitempty"`
	// Stage is the selection stage of an EventStage, or the stage in
	// which an EventJudge's judge was asked when known.
	Stage string `json:"stage,omitempty"`
	// Judge is the judge of an EventJudge, Candidate the candidate
	// tested (EventTests) or verified.
	Judge     string `json:"judge,omitempty"`
	Candidate string `json:"candidate,omitempty"`
	// Text says what happened in words.
	Text string `json:"text,omitempty"`
}

// EventKind says what an Event is about.
type EventKind string

const (
	EventCoder EventKind = "coder" // a Coder's run
	EventTests EventKind = "tests" // the Tester's plan or a candidate's test run
	EventStage EventKind = "stage" // a selection stage
	EventJudge EventKind = "judge" // a judge's answer
	EventRound EventKind = "round" // a round's decision, or a refinement beginning
)

// State is where the thing an Event is about stands.
type State string

const (
	StateRunning State = "running"
	StateDone    State = "done"
	StateFailed  State = "failed"
	// StateResumed: the record was already in the run directory.
	StateResumed State = "resumed"
)
