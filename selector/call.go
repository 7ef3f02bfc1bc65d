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

// errTimeout is the cause of a call's context ending at its timeout.
var errTimeout = errors.New("selector: call timed out")

// callAll calls f(ctx, i) for each i in [0, n), at most limit at a time
// (0: all at once), each under its own timeout when timeout > 0, and
// returns the outcomes by index. A panic in f becomes a failed outcome. It
// returns once every call has returned; a call that ignores its context
// is waited for. If ctx ends, the calls not yet started are not made and
// callAll returns ctx's cause.
func callAll[T any](ctx context.Context, n, limit int, timeout time.Duration, f func(ctx context.Context, i int) (T, error)) ([]outcome[T], error) {
	out := make([]outcome[T], n)
	wp := pool.New()
	if limit > 0 {
		wp = wp.WithMaxGoroutines(limit)
	}
	for i := range n {
		wp.Go(func() {
			out[i] = callOne(ctx, timeout, func(ctx context.Context) (T, error) { return f(ctx, i) })
		})
	}
	wp.Wait()
	if ctx.Err() != nil {
		return out, context.Cause(ctx)
	}
	return out, nil
}

// callOne makes one call under timeout, turning an error, a timeout or a
// panic into a failed outcome.
func callOne[T any](ctx context.Context, timeout time.Duration, f func(context.Context) (T, error)) (o outcome[T]) {
	if ctx.Err() != nil {
		return outcome[T]{kind: FailError, detail: "not called: " + context.Cause(ctx).Error()}
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, errTimeout)
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
	case errors.Is(context.Cause(ctx), errTimeout):
		return outcome[T]{kind: FailTimeout, detail: fmt.Sprintf("no answer within %v: %v", timeout, err)}
	}
	return outcome[T]{kind: FailError, detail: err.Error()}
}
