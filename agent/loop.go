package agent

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/tools"
)

var (
	errTimeLimit        = errors.New("agent: the time limit was reached")
	errToolTimeout      = errors.New("agent: the tool call timed out")
	errContextExhausted = errors.New("agent: the conversation does not fit the context window even after trimming")
)

// scope is what a run hands to the tool calls it makes, so that a subagent
// run inside one nests under it: its name, the call's id, the meters that
// count its usage and the emitter its events go to.
type scope struct {
	path   string
	call   string
	meters []*llm.Meter // outermost (the top run's) first
	emit   *emitter
}

type scopeKey struct{}

// runner is the state of one run.
type runner struct {
	a      *Agent
	name   string
	parent *scope
	prices map[string]llm.Price
	meters []*llm.Meter
	meter  *llm.Meter
	model  llm.Model
	summ   llm.Model
	tools  *tools.Set
	specs  []llm.ToolSpec
	emit   *emitter
	redact *redactor
	win    *window

	history   []llm.Message
	taskParts int // the parts of history[0] that are the task, kept verbatim
	nudges    int // consecutive replies without a tool call
	run       *Run
}

// Run runs the agent on task until the model ends it or a limit is reached.
//
// It always returns a *Run holding every step so far. A stop for a limit,
// a refusal or a hook is a result (the Run's Reason), not an error: the
// returned error is non-nil only for StopError (a model call that failed
// after the model's own retries, a Go error from a tool or hook, a
// trajectory that could not be written, an invalid configuration) and for
// StopCancelled (ctx was cancelled), and is also the Run's Err. Run returns
// once every tool call and goroutine it started has ended.
//
// Run inside a tool call of another run (see [AsTool]) nests under it: its
// usage counts in the parent's, and its events go to the parent's observer
// and trajectory as well.
func (a *Agent) Run(ctx context.Context, task string) (*Run, error) {
	parent, _ := ctx.Value(scopeKey{}).(*scope)
	r := a.newRunner(task, parent)
	if err := a.validate(r.prices); err != nil {
		return r.finish(StopError, "", err)
	}
	if a.Limits.Time > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, a.Limits.Time, errTimeLimit)
		defer cancel()
	}
	r.emit.emit(Event{Kind: EventStart, Agent: r.name, Parent: r.parentCall(), Start: &Start{
		Task: r.redact.redact(task), System: r.redact.redact(a.System), Model: a.ModelName,
		Tools: r.tools.Names(), Limits: a.Limits, Window: r.win.size,
	}})
	return r.loop(ctx)
}

func (a *Agent) newRunner(task string, parent *scope) *runner {
	prices := llm.DefaultPrices()
	maps.Copy(prices, a.Prices)
	r := &runner{
		a:       a,
		name:    a.name(),
		parent:  parent,
		prices:  prices,
		tools:   a.Tools,
		redact:  envRedactor(a.Secrets),
		history: []llm.Message{llm.UserText(task)},
		run:     &Run{Task: task, Start: time.Now()},
	}
	if r.tools == nil {
		r.tools = &tools.Set{}
	}
	r.specs = r.tools.Specs()
	r.meter = &llm.Meter{Prices: prices, Budget: llm.Budget{Tokens: a.Limits.Tokens, Dollars: a.Limits.Dollars}}
	r.emit = &emitter{observer: a.Observer, traj: a.Trajectory, redact: r.redact}
	if parent != nil {
		r.name = parent.path + "/" + r.name
		r.meters = append(r.meters, parent.meters...)
		r.emit.parent = parent.emit
	}
	r.meters = append(r.meters, r.meter)
	r.run.Agent = r.name
	r.taskParts = 1
	wrap := func(m llm.Model) llm.Model {
		if m == nil {
			return nil
		}
		for i := len(r.meters) - 1; i >= 0; i-- {
			m = r.meters[i].Wrap(m)
		}
		return m
	}
	r.model = wrap(a.Model)
	r.summ = r.model
	if a.Summarizer != nil {
		r.summ = wrap(a.Summarizer)
	}
	size := a.Window
	if size == 0 {
		info, _ := llm.Lookup(a.ModelName)
		size = info.Window
	}
	r.win = newWindow(size, a.MaxTokens, a.System, r.specs)
	return r
}

func (r *runner) parentCall() string {
	if r.parent == nil {
		return ""
	}
	return r.parent.call
}

func (r *runner) event(ev Event) {
	ev.Agent, ev.Parent = r.name, r.parentCall()
	r.emit.emit(ev)
}

func (r *runner) loop(ctx context.Context) (*Run, error) {
	a := r.a
	maxSteps := a.Limits.Steps
	if maxSteps == 0 {
		maxSteps = DefaultSteps
	}
	maxNudges := a.MaxNudges
	if maxNudges == 0 {
		maxNudges = DefaultNudges
	}
	for {
		if err := r.emit.failed(); err != nil {
			return r.finish(StopError, r.lastText(), err)
		}
		if ctx.Err() != nil {
			return r.stopFor(ctx, nil)
		}
		if len(r.run.Steps) >= maxSteps {
			return r.finish(StopSteps, r.lastText(), nil)
		}
		step := Step{N: len(r.run.Steps) + 1}
		r.event(Event{Kind: EventStep, Step: step.N, Tokens: r.win.tokens(r.history)})
		trims, err := r.fit(ctx, step.N, "window", false)
		step.Trims = trims
		if err != nil {
			r.run.Steps = append(r.run.Steps, step)
			return r.stopFor(ctx, err)
		}

		resp, err := r.call(ctx, &step)
		if err != nil {
			r.run.Steps = append(r.run.Steps, step)
			return r.stopFor(ctx, err)
		}
		msg := assistant(resp.Message, step.N)
		r.history = append(r.history, msg)
		if resp.StopReason == llm.StopRefusal {
			r.run.Steps = append(r.run.Steps, step)
			return r.finish(StopRefusal, msg.Text(), nil)
		}

		calls := msg.ToolCalls()
		if len(calls) == 0 {
			r.run.Steps = append(r.run.Steps, step)
			if maxNudges < 0 {
				return r.finish(StopAnswered, msg.Text(), nil)
			}
			if r.nudges >= maxNudges {
				return r.finish(StopNoToolCall, r.lastText(), nil)
			}
			r.nudges++
			nudge := a.Nudge
			if nudge == "" {
				nudge = DefaultNudge
			}
			if resp.StopReason == llm.StopMaxTokens {
				nudge = "Your reply was cut off at the output limit; keep replies shorter. " + nudge
			}
			r.history = append(r.history, llm.UserText(nudge))
			r.run.Steps[len(r.run.Steps)-1].Nudge = nudge
			r.event(Event{Kind: EventNudge, Step: step.N, Text: nudge})
			continue
		}
		r.nudges = 0

		runs, err := r.runCalls(ctx, step.N, calls)
		step.Tools = runs
		r.run.Steps = append(r.run.Steps, step)
		results := llm.Message{Role: llm.RoleUser, Parts: make([]llm.Part, len(runs))}
		for i, tr := range runs {
			results.Parts[i] = llm.ToolResultPart(calls[i], tr.Content, tr.IsError)
		}
		r.history = append(r.history, results)
		if err != nil {
			return r.stopFor(ctx, err)
		}
		for _, tr := range runs {
			if tr.Done {
				return r.finish(StopDone, tr.Content, nil)
			}
		}
	}
}

// call sends the next request, trimming harder and retrying once when the
// provider answers that it is too long, and records the call in step.
func (r *runner) call(ctx context.Context, step *Step) (*llm.Response, error) {
	req := r.request()
	mc := ModelCall{Request: r.info(req)}
	resp, latency, cost, err := r.generate(ctx, req)
	if errors.Is(err, llm.ErrContextLength) && ctx.Err() == nil {
		trims, ferr := r.fit(ctx, step.N, "context_length", true)
		step.Trims = append(step.Trims, trims...)
		if ferr != nil {
			err = ferr
		} else {
			req = r.request()
			mc.Request, mc.Retried = r.info(req), true
			var l time.Duration
			var c float64
			resp, l, c, err = r.generate(ctx, req)
			latency, cost = latency+l, cost+c
		}
	}
	mc.Latency, mc.Cost = latency, cost
	if err == nil {
		r.win.calibrate(req.Messages, resp.Usage)
		if h := r.a.Hooks.AfterModel; h != nil {
			err = h(ctx, req, resp)
		}
	}
	if err != nil {
		mc.Error = r.redact.redact(err.Error())
	} else {
		mc.Response = resp
	}
	step.Model = mc
	r.event(Event{Kind: EventModelCall, Step: step.N, Model: &mc})
	return resp, err
}

// generate sends req through the BeforeModel hook to the model and measures
// the call.
func (r *runner) generate(ctx context.Context, req *llm.Request) (*llm.Response, time.Duration, float64, error) {
	if h := r.a.Hooks.BeforeModel; h != nil {
		if err := h(ctx, req); err != nil {
			return nil, 0, 0, err
		}
	}
	spent := r.meter.Spent().Cost
	start := time.Now()
	resp, err := r.model.Generate(ctx, req)
	latency := time.Since(start)
	cost := r.meter.Spent().Cost - spent
	if err == nil && resp == nil {
		err = fmt.Errorf("agent %s: the model returned no response and no error", r.name)
	}
	if err != nil {
		return nil, latency, cost, fmt.Errorf("agent %s: model call: %w", r.name, err)
	}
	return resp, latency, cost, nil
}

// request returns the next request. Its Messages are the history itself:
// hooks and models do not modify them, and trims replace the history
// rather than change it.
func (r *runner) request() *llm.Request {
	a := r.a
	return &llm.Request{
		Model:       a.ModelName,
		System:      a.System,
		Messages:    r.history,
		Tools:       r.specs,
		MaxTokens:   a.MaxTokens,
		Temperature: a.Temperature,
		Reasoning:   a.Reasoning,
	}
}

func (r *runner) info(req *llm.Request) RequestInfo {
	last := 0
	for i, m := range req.Messages {
		if m.Role == llm.RoleAssistant {
			last = i + 1
		}
	}
	names := make([]string, len(req.Tools))
	for i, t := range req.Tools {
		names[i] = t.Name
	}
	return RequestInfo{
		Model: req.Model, Messages: len(req.Messages), Tools: names,
		MaxTokens: req.MaxTokens, Temperature: req.Temperature, Reasoning: req.Reasoning,
		Tokens: r.win.tokens(req.Messages), Appended: req.Messages[last:len(req.Messages):len(req.Messages)],
	}
}

// assistant returns the response's message as the history keeps it: with
// the assistant role and an id on every tool call (some models leave them
// out, and results must name the call they answer).
func assistant(m llm.Message, step int) llm.Message {
	m.Role = llm.RoleAssistant
	m.Parts = append([]llm.Part(nil), m.Parts...)
	for i, p := range m.Parts {
		if p.Kind == llm.KindToolCall && p.ToolCall != nil && p.ToolCall.ID == "" {
			c := *p.ToolCall
			c.ID = fmt.Sprintf("call_%d_%d", step, i+1)
			m.Parts[i].ToolCall = &c
		}
	}
	return m
}

// lastText returns the last non-empty text the model wrote.
func (r *runner) lastText() string {
	for i := len(r.history) - 1; i >= 0; i-- {
		if m := r.history[i]; m.Role == llm.RoleAssistant {
			if t := strings.TrimSpace(m.Text()); t != "" {
				return m.Text()
			}
		}
	}
	return ""
}

// stopFor ends the run after err (possibly nil when ctx is done), choosing
// the reason.
func (r *runner) stopFor(ctx context.Context, err error) (*Run, error) {
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, errTimeLimit):
		return r.finish(StopTime, r.lastText(), nil)
	case ctx.Err() != nil:
		return r.finish(StopCancelled, r.lastText(), fmt.Errorf("agent %s: %w", r.name, cause))
	case errors.Is(err, ErrStop):
		return r.finish(StopHook, err.Error(), nil)
	case errors.Is(err, llm.ErrBudgetExceeded):
		return r.finish(StopBudget, r.lastText(), nil)
	case errors.Is(err, errContextExhausted), errors.Is(err, llm.ErrContextLength):
		return r.finish(StopContext, r.lastText(), nil)
	}
	return r.finish(StopError, r.lastText(), err)
}

// finish records the end of the run and emits the stop event.
func (r *runner) finish(reason StopReason, final string, err error) (*Run, error) {
	run := r.run
	run.Reason, run.Final, run.Err = reason, final, err
	if err != nil {
		run.Error = r.redact.redact(err.Error())
	}
	run.Messages = r.history
	run.Usage = r.meter.Totals()
	run.End = time.Now()
	r.event(Event{Kind: EventStop, Stop: &Stop{
		Reason: reason, Final: r.redact.redact(final), Error: run.Error, Steps: len(run.Steps), Usage: run.Totals(),
	}})
	if err == nil && reason != StopError {
		if werr := r.emit.failed(); werr != nil {
			run.Reason, run.Err, run.Error = StopError, werr, werr.Error()
			err = werr
		}
	}
	return run, err
}
