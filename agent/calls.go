package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/tools"
)

// runCalls runs the tool calls of one turn and returns their runs in call
// order. Calls run concurrently, each waiting for the earlier calls its
// order key says it must follow (see [tools.Ordered]); results are emitted
// in call order, each once it and those before it have ended. The error is
// the first Go error a tool or hook returned.
func (r *runner) runCalls(ctx context.Context, step int, calls []llm.ToolCall) ([]ToolRun, error) {
	for i := range calls {
		c := calls[i]
		r.event(Event{Kind: EventToolCall, Step: step, Call: &c})
	}
	keys := make([]string, len(calls))
	for i, c := range calls {
		if t, ok := r.tools.Get(c.Name); ok {
			keys[i] = orderKey(t, c.Args)
		}
	}
	var (
		runs = make([]ToolRun, len(calls))
		errs = make([]error, len(calls))
		done = make([]chan struct{}, len(calls))
		wg   sync.WaitGroup
		mu   sync.Mutex
		end  = len(calls) // index of the first call that ended the task
	)
	for i := range calls {
		done[i] = make(chan struct{})
	}
	for i := range calls {
		wg.Go(func() {
			defer close(done[i])
			defer func() {
				if p := recover(); p != nil {
					errs[i] = fmt.Errorf("agent %s: panic in a hook around tool %s: %v\n%s", r.name, calls[i].Name, p, debug.Stack())
				}
			}()
			for j := range i {
				if mustFollow(keys[i], keys[j]) {
					select {
					case <-done[j]:
					case <-ctx.Done():
					}
				}
			}
			mu.Lock()
			ended := end < i
			mu.Unlock()
			switch {
			case ctx.Err() != nil:
				runs[i] = notRun(calls[i], "the run was stopped before this call could run")
			case ended:
				runs[i] = notRun(calls[i], "not run: an earlier call of this turn ended the task")
			default:
				runs[i], errs[i] = r.runCall(ctx, calls[i])
				if runs[i].Done {
					mu.Lock()
					end = min(end, i)
					mu.Unlock()
				}
			}
		})
	}
	for i := range calls {
		<-done[i]
		tr := runs[i]
		r.event(Event{Kind: EventToolResult, Step: step, Tool: &tr})
	}
	wg.Wait()
	return runs, errors.Join(errs...)
}

// mustFollow reports whether a call keyed ki waits for an earlier call keyed
// kj.
func mustFollow(ki, kj string) bool {
	return ki == tools.Exclusive || kj == tools.Exclusive || (ki != "" && ki == kj)
}

// orderKey returns t's order key for args; a tool whose OrderKey panics
// runs alone.
func orderKey(t tools.Tool, args json.RawMessage) (key string) {
	defer func() {
		if recover() != nil {
			key = tools.Exclusive
		}
	}()
	return tools.OrderKey(t, args)
}

func notRun(call llm.ToolCall, why string) ToolRun {
	return ToolRun{Call: call, Content: why, IsError: true, Failure: FailNotRun, Start: time.Now()}
}

// runCall runs one call through the hooks, the tool, redaction and its
// timeout. Everything the model should read about a failed call is the
// result; the error is a Go error from a tool or hook, which ends the run.
func (r *runner) runCall(ctx context.Context, call llm.ToolCall) (ToolRun, error) {
	tr := ToolRun{Call: call, Start: time.Now()}
	res, failure, err := r.answer(ctx, &call)
	tr.Call = call
	if err != nil {
		tr.Content, tr.IsError, tr.Duration = r.redact.redact(err.Error()), true, time.Since(tr.Start)
		return tr, err
	}
	res.Content = r.redact.redact(res.Content)
	if h := r.a.Hooks.AfterTool; h != nil {
		if err := h(ctx, call, &res); err != nil {
			tr.Content, tr.IsError, tr.Duration = res.Content, res.IsError, time.Since(tr.Start)
			return tr, err
		}
	}
	tr.Content, tr.IsError, tr.Done, tr.Failure = res.Content, res.IsError, res.Done, failure
	tr.Duration = time.Since(tr.Start)
	return tr, nil
}

// answer returns the result of call: the BeforeTool hook's, or an error
// result for an unknown tool or arguments that are not JSON, or the tool's.
func (r *runner) answer(ctx context.Context, call *llm.ToolCall) (tools.Result, Failure, error) {
	if h := r.a.Hooks.BeforeTool; h != nil {
		res, err := h(ctx, call)
		if err != nil {
			return tools.Result{}, "", err
		}
		if res != nil {
			return *res, FailHook, nil
		}
	}
	t, ok := r.tools.Get(call.Name)
	if !ok {
		return tools.Errorf("There is no tool named %q. The tools are: %s.", call.Name, strings.Join(r.tools.Names(), ", ")), FailUnknownTool, nil
	}
	if args := strings.TrimSpace(string(call.Args)); args != "" {
		var v any
		if err := json.Unmarshal([]byte(args), &v); err != nil {
			return tools.Errorf("The arguments of %s are not valid JSON (%v). Send one JSON object matching the tool's schema.", call.Name, err), FailBadArgs, nil
		}
	}
	return r.invoke(ctx, t, *call)
}

// invoke runs t within the tool timeout, turning a panic and a timeout
// into error results.
func (r *runner) invoke(ctx context.Context, t tools.Tool, call llm.ToolCall) (res tools.Result, f Failure, err error) {
	timeout := r.a.ToolTimeout
	if timeout == 0 {
		timeout = DefaultToolTimeout
	}
	tctx, cancel := context.WithTimeoutCause(ctx, timeout, errToolTimeout)
	defer cancel()
	tctx = context.WithValue(tctx, scopeKey{}, &scope{path: r.name, call: call.ID, meters: r.meters, emit: r.emit})
	defer func() {
		if p := recover(); p != nil {
			res, f, err = tools.Errorf("The tool %s failed unexpectedly (panic: %v). This is a fault in the tool; try other arguments or another way.", call.Name, p), FailPanic, nil
		}
	}()
	res, err = t.Run(tctx, call.Args)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return tools.Result{}, "", context.Cause(ctx)
		case errors.Is(context.Cause(tctx), errToolTimeout):
			return tools.Errorf("The tool %s did not finish within %v and was stopped. Try a smaller or quicker call.", call.Name, timeout), FailTimeout, nil
		}
		return tools.Result{}, "", fmt.Errorf("agent %s: tool %s: %w", r.name, call.Name, err)
	}
	return res, "", nil
}
