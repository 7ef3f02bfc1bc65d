package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/tools"
)

// Defaults for the zero fields of an [Agent].
const (
	DefaultSteps       = 200
	DefaultNudges      = 3
	DefaultToolTimeout = 15 * time.Minute
)

// DefaultNudge is sent when the model replies without calling a tool.
const DefaultNudge = "You replied without calling a tool. Go on with the task using the tools; when it is complete, call task_done."

// Agent is a model with tools working on a task. It is plain configuration:
// set the fields, then call [Agent.Run]; the zero value of every field but
// Model means a default. An Agent may run several tasks, also concurrently,
// provided its tools may (each run shares the Tools set).
type Agent struct {
	// Name names the agent in events, trajectories and errors; empty is
	// "agent". A subagent's events are named parent/child.
	Name  string
	Model llm.Model
	// ModelName is sent as [llm.Request.Model] ("" lets the client choose)
	// and finds the context window and the price in llm's catalog
	// ([llm.Lookup]) before the first response names the model.
	ModelName string
	// Summarizer condenses the oldest turns when the context window fills
	// up; nil means Model. Its calls count in the run's usage.
	Summarizer llm.Model
	Tools      *tools.Set
	System     string

	// Request settings; zero means the provider's default.
	MaxTokens   int
	Temperature *float64
	Reasoning   llm.Effort

	Limits Limits
	// Window is the model's context window in tokens; 0 looks it up in the
	// catalog, and an unknown window is learnt from the first
	// context-length error.
	Window int
	// Prices add to and override the catalog's prices (by model name, as
	// [llm.Meter.Prices] matches them) for costs and Limits.Dollars.
	Prices map[string]llm.Price

	// ToolTimeout bounds each tool call; 0 means DefaultToolTimeout. A call
	// past it is stopped and answered with an error result.
	ToolTimeout time.Duration
	// MaxNudges is how many replies without a tool call are answered with
	// Nudge before the run stops with StopNoToolCall; 0 means
	// DefaultNudges. A negative MaxNudges turns nudging off: a reply
	// without a tool call ends the run with StopAnswered, for agents that
	// answer in text.
	MaxNudges int
	// Nudge is the text sent; empty means DefaultNudge.
	Nudge string

	Hooks Hooks
	// Observer, if set, receives every event of a run in order, from the
	// goroutine that called Run or from the goroutine of a tool call
	// running a subagent, never two at once. It must not block for long:
	// the run waits for it.
	Observer func(Event)
	// Trajectory, if set, receives every event as one JSON line, written
	// with a single Write as the event happens, secrets redacted. A failed
	// write ends the run with StopError.
	Trajectory io.Writer
	// Secrets are further values to redact from tool results, events and
	// trajectories, beyond the environment's credentials (see the package
	// documentation).
	Secrets []string
}

// Limits bound a run; a zero field is the default (Steps) or no bound.
type Limits struct {
	// Steps is the number of model calls; 0 means DefaultSteps.
	Steps int `json:"steps"`
	// Tokens bounds the tokens of every kind the run's model calls use,
	// a subagent's included.
	Tokens int `json:"tokens,omitempty"`
	// Dollars bounds what the run's model calls cost at the agent's
	// prices. A call is refused once the bound is reached, so a run may
	// overshoot it by the cost of its last call.
	Dollars float64 `json:"dollars,omitempty"`
	// Time bounds the run's wall time, tools included.
	Time time.Duration `json:"time,omitempty"`
}

// Hooks let a caller put policy around each model call and tool call. A
// nil hook does nothing. The tool hooks run on the goroutine of their call,
// concurrently with other calls of the turn, so they must be safe for
// concurrent use.
//
// A hook returning an error wrapping [ErrStop] ends the run with StopHook
// and the error's text as the run's final message; any other error ends it
// with StopError.
type Hooks struct {
	// BeforeModel sees each request before it is sent and may change it:
	// set fields or replace slices (redact a message by replacing it), but
	// not modify the messages in place, which are the run's history.
	BeforeModel func(ctx context.Context, req *llm.Request) error
	// AfterModel sees each response before the run reads it and may
	// change it, such as dropping a tool call.
	AfterModel func(ctx context.Context, req *llm.Request, resp *llm.Response) error
	// BeforeTool sees each tool call before it runs and may rewrite it. A
	// non-nil result answers the call instead of the tool, which does not
	// run: a refusal is a result with IsError, and the model reads it.
	BeforeTool func(ctx context.Context, call *llm.ToolCall) (*tools.Result, error)
	// AfterTool sees each result, secrets already redacted, and may change
	// it before the model reads it.
	AfterTool func(ctx context.Context, call llm.ToolCall, res *tools.Result) error
}

// ErrStop, wrapped in a hook's error, ends the run early with StopHook.
var ErrStop = errors.New("agent: stopped by a hook")

func (a *Agent) name() string {
	if a.Name == "" {
		return "agent"
	}
	return a.Name
}

// validate checks the configuration; prices are the run's merged prices.
func (a *Agent) validate(prices map[string]llm.Price) error {
	switch {
	case a.Model == nil:
		return fmt.Errorf("agent %s: Model is nil; set a model (a provider client, a replay, or llmtest.Script in tests)", a.name())
	case a.Limits.Steps < 0:
		return fmt.Errorf("agent %s: Limits.Steps is %d; give a positive number, or 0 for %d", a.name(), a.Limits.Steps, DefaultSteps)
	case a.Limits.Tokens < 0, a.Limits.Dollars < 0, a.Limits.Time < 0:
		return fmt.Errorf("agent %s: Limits %+v has a negative bound; give a positive bound or 0 for none", a.name(), a.Limits)
	case a.Window < 0:
		return fmt.Errorf("agent %s: Window is %d; give the model's context window in tokens, or 0 to look it up", a.name(), a.Window)
	case a.ToolTimeout < 0:
		return fmt.Errorf("agent %s: ToolTimeout is %v; give a positive duration, or 0 for %v", a.name(), a.ToolTimeout, DefaultToolTimeout)
	case a.MaxTokens < 0:
		return fmt.Errorf("agent %s: MaxTokens is %d; give a positive number, or 0 for the provider's default", a.name(), a.MaxTokens)
	}
	if a.Limits.Dollars > 0 {
		if a.ModelName == "" {
			return fmt.Errorf("agent %s: Limits.Dollars needs ModelName to price the calls before they are made; set ModelName", a.name())
		}
		if _, ok := llm.FindPrice(prices, a.ModelName); !ok {
			return fmt.Errorf("agent %s: Limits.Dollars is set but model %q has no price; add it to Prices", a.name(), a.ModelName)
		}
	}
	return nil
}
