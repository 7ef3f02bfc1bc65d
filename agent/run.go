package agent

import (
	"time"

	"github.com/conclave-dev/conclave/llm"
)

// StopReason says why a run ended.
type StopReason string

const (
	// StopDone: the model called a tool whose result ended the task
	// (task_done, or a subagent's submit).
	StopDone StopReason = "task_done"
	// StopAnswered: the model replied without a tool call and the agent
	// does not nudge (MaxNudges < 0); the reply is the final message.
	StopAnswered StopReason = "answered"
	// StopNoToolCall: the model kept replying without a tool call after
	// MaxNudges nudges.
	StopNoToolCall StopReason = "no_tool_call"
	// StopSteps: the step limit was reached.
	StopSteps StopReason = "step_limit"
	// StopBudget: the token or dollar limit was reached.
	StopBudget StopReason = "budget"
	// StopTime: the time limit was reached.
	StopTime StopReason = "time_limit"
	// StopContext: the conversation no longer fits the context window
	// even after trimming (a task larger than the window).
	StopContext StopReason = "context_exhausted"
	// StopRefusal: the provider refused to answer (a safety refusal or a
	// content filter).
	StopRefusal StopReason = "refusal"
	// StopHook: a hook ended the run with [ErrStop].
	StopHook StopReason = "hook"
	// StopCancelled: the caller's context was cancelled or its deadline
	// passed.
	StopCancelled StopReason = "cancelled"
	// StopError: a model call failed after the model's retries, a tool or
	// hook returned a Go error, or the trajectory could not be written.
	StopError StopReason = "error"
)

// Run is the record of one run: why it stopped, the final message, every
// step, and the usage and cost per model.
type Run struct {
	// Agent is the agent's name (parent/child for a subagent).
	Agent  string     `json:"agent"`
	Task   string     `json:"task"`
	Reason StopReason `json:"reason"`
	// Final is the final message: the summary of the tool call that ended
	// the task (the JSON answer of a subagent), the reply that ended the
	// run, a hook's reason, or else the last text the model wrote.
	Final string `json:"final"`
	// Err is the error of a run stopped with StopError or StopCancelled,
	// the one Run returned; Error is its text.
	Err   error  `json:"-"`
	Error string `json:"error,omitempty"`
	Steps []Step `json:"steps"`
	// Messages is the conversation at the end, trimmed as it was sent.
	Messages []llm.Message `json:"messages"`
	// Usage is the usage and cost per model name of every model call of
	// the run, its subagents' and context summaries included.
	Usage map[string]llm.Totals `json:"usage"`
	Start time.Time             `json:"start"`
	End   time.Time             `json:"end"`
}

// Totals returns the usage and cost summed over every model.
func (r *Run) Totals() llm.Totals {
	var sum llm.Totals
	for _, t := range r.Usage {
		sum.Calls += t.Calls
		sum.Usage = sum.Usage.Add(t.Usage)
		sum.Cost += t.Cost
		sum.Unpriced += t.Unpriced
	}
	return sum
}

// Step is one model call and the tool calls of its reply.
type Step struct {
	N     int       `json:"n"`
	Model ModelCall `json:"model"`
	// Tools are the reply's tool calls with their results, in call order.
	Tools []ToolRun `json:"tools,omitempty"`
	// Trims are the context trims made before the call.
	Trims []Trim `json:"trims,omitempty"`
	// Nudge is the text sent after a reply without a tool call.
	Nudge string `json:"nudge,omitempty"`
}

// ModelCall is one call to the model.
type ModelCall struct {
	Request RequestInfo `json:"request"`
	// Response is the response as the run read it, after the AfterModel
	// hook; nil when the call failed.
	Response *llm.Response `json:"response,omitempty"`
	Error    string        `json:"error,omitempty"`
	Latency  time.Duration `json:"latency"`
	// Cost is the call's cost in dollars at the agent's prices (0 when
	// the model has no price).
	Cost float64 `json:"cost"`
	// Retried says the first attempt failed for context length and the
	// call was retried once after a harder trim.
	Retried bool `json:"retried,omitempty"`
}

// RequestInfo summarises a request: its settings, its size, and the
// messages added since the previous request, so that a trajectory holds
// each message once.
type RequestInfo struct {
	Model       string     `json:"model,omitempty"`
	Messages    int        `json:"messages"`
	Tools       []string   `json:"tools,omitempty"`
	MaxTokens   int        `json:"max_tokens,omitempty"`
	Temperature *float64   `json:"temperature,omitempty"`
	Reasoning   llm.Effort `json:"reasoning,omitempty"`
	// Tokens is the run's estimate of the request's input tokens.
	Tokens int `json:"tokens"`
	// Appended are the messages after the previous response: the task,
	// tool results and nudges. After a trim, the trim's History holds the
	// conversation they follow.
	Appended []llm.Message `json:"appended,omitempty"`
}

// Failure classifies a tool call that did not run normally.
type Failure string

const (
	FailUnknownTool Failure = "unknown_tool" // no tool of that name
	FailBadArgs     Failure = "bad_args"     // arguments that are not JSON
	FailPanic       Failure = "panic"        // the tool panicked
	FailTimeout     Failure = "timeout"      // the tool ran past ToolTimeout
	FailHook        Failure = "hook"         // BeforeTool answered instead of the tool
	FailNotRun      Failure = "not_run"      // the turn ended the task before it
)

// ToolRun is one tool call with its result.
type ToolRun struct {
	// Call is the call as run, after the BeforeTool hook.
	Call llm.ToolCall `json:"call"`
	// Content, IsError and Done are the result as the model reads it,
	// secrets redacted.
	Content  string        `json:"content"`
	IsError  bool          `json:"is_error,omitempty"`
	Done     bool          `json:"done,omitempty"`
	Failure  Failure       `json:"failure,omitempty"`
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration"`
}

// Trim is one change the context manager made to fit the window.
type Trim struct {
	// Stage is "elide" (old tool outputs cut to their head and tail),
	// "summary" (the oldest turns condensed by the model) or "drop" (the
	// oldest turns removed, when the summary call failed).
	Stage string `json:"stage"`
	// Reason is "window" (the next request would not fit) or
	// "context_length" (the provider refused the request as too long).
	Reason string `json:"reason"`
	// Before and After are the estimated input tokens.
	Before int `json:"before"`
	After  int `json:"after"`
	// Messages is the number of tool outputs elided or messages condensed.
	Messages int `json:"messages"`
	// Usage and Cost are the summary call's.
	Usage *llm.Usage `json:"usage,omitempty"`
	Cost  float64    `json:"cost,omitempty"`
	// History is the conversation after the trim; it is set in events and
	// trajectories, and left out of [Run.Steps].
	History []llm.Message `json:"history,omitempty"`
}
