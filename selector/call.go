package selector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sourcegraph/conc/pool"
)

// outcome is the result of one call to a judge, verifier or test runner:
// a value, or why there is none.
type outcome[T any] struct {
	val    T
	kind   FailureKind // "" when the call answered
	detail string
}

// failure records o, a failed call, as a Failure by who.
func (o outcome[T]) failure(by, candidate string, round int) Failure {
	return Failure{By: by, Candidate: candidate, Round: round, Kind: o.kind, Detail: o.detail}
}

// ErrTimeout is the cause of a call's context ending at its timeout. A
// [Calls] hook that enforces timeouts itself reports a call that ran out
// of time by an error wrapping ErrTimeout, and the stage records a
// timeout.
var ErrTimeout = errors.New("selector: call timed out")

// Calls makes a stage's calls to judges, verifiers, test runners and the
// parser: it must call call(ctx, i) once for each i in [0, n), with ctx
// or a context derived from it, and return once every call has returned.
// limit is how many calls the stage allows at once (0: all), timeout the
// stage's bound on each call (0: none), which the hook enforces: an
// answer that came too late is an error wrapping [ErrTimeout].
//
// The default (a nil Pool.Calls) runs the calls on goroutines, each
// under a context with the timeout. A durable workflow engine, which
// must not start goroutines or read the clock in workflow code, sets its
// own: see Pool.Calls.
type Calls func(ctx context.Context, n, limit int, timeout time.Duration, call func(ctx context.Context, i int))

// callAll calls f(ctx, i) for each i in [0, n), at most limit at a time
// (0: all at once), each under its own timeout when timeout > 0, and
// returns the outcomes by index; calls, when set, makes the calls instead
// (see [Calls]). A panic in f becomes a failed outcome. It returns once
// every call has returned; a call that ignores its context is waited for.
// If ctx ends, the calls not yet started are not made and callAll returns
// ctx's cause.
func callAll[T any](ctx context.Context, calls Calls, n, limit int, timeout time.Duration, f func(ctx context.Context, i int) (T, error)) ([]outcome[T], error) {
	out := make([]outcome[T], n)
	if calls != nil {
		calls(ctx, n, limit, timeout, func(ctx context.Context, i int) {
			out[i] = callOne(ctx, timeout, false, func(ctx context.Context) (T, error) { return f(ctx, i) })
		})
		if ctx.Err() != nil {
			return out, context.Cause(ctx)
		}
		return out, nil
	}
	wp := pool.New()
	if limit > 0 {
		wp = wp.WithMaxGoroutines(limit)
	}
	for i := range n {
		wp.Go(func() {
			out[i] = callOne(ctx, timeout, true, func(ctx context.Context) (T, error) { return f(ctx, i) })
		})
	}
	wp.Wait()
	if ctx.Err() != nil {
		return out, context.Cause(ctx)
	}
	return out, nil
}

// callOne makes one call, under timeout when apply is set, turning an
// error, a timeout or a panic into a failed outcome.
func callOne[T any](ctx context.Context, timeout time.Duration, apply bool, f func(context.Context) (T, error)) (o outcome[T]) {
	if ctx.Err() != nil {
		return outcome[T]{kind: FailError, detail: "not called: " + context.Cause(ctx).Error()}
	}
	if apply && timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, ErrTimeout)
		defer cancel()
	}
	defer func() {
		if r := recover(); r != nil {
			o = outcome[T]{kind: FailPanic, detail: fmt.Sprintf("panic: %v", r)}
		}
	}()
	v, err := f(ctx)
	switch {
	case err == nil:
		return outcome[T]{val: v}
	case errors.Is(context.Cause(ctx), ErrTimeout), errors.Is(err, ErrTimeout):
		return outcome[T]{kind: FailTimeout, detail: fmt.Sprintf("no answer within %v: %v", timeout, err)}
	}
	return outcome[T]{kind: FailError, detail: err.Error()}
}
