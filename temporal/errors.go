package temporal

import (
	"context"
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent/judge"
	"github.com/conclave-dev/conclave/llm"
)

// classify returns an activity's error as Temporal should treat it,
// following llm.Retry's split: a provider that is down or rate-limits, a
// connection that failed, a worker stopping (ctx), a disk or git failure
// are worth another attempt, perhaps on another worker; a request the
// provider refused (a 400, a context too long, bad credentials), a budget
// spent, a judge that ran out of steps or answered nothing, a round
// without candidates are not, and are recorded as they are.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, conclave.ErrNoCandidate):
		return temporal.NewNonRetryableApplicationError(err.Error(), "NoCandidate", nil)
	case llm.IsRetryable(err):
		return err
	}
	var api *llm.APIError
	var none *judge.NoAnswerError
	if errors.As(err, &api) || errors.As(err, &none) || errors.Is(err, llm.ErrBudgetExceeded) ||
		errors.Is(err, llm.ErrContextLength) || errors.Is(err, llm.ErrAuth) || errors.Is(err, llm.ErrResponseTooLarge) {
		return nonRetryable(err)
	}
	return err
}

// Retryable reports whether the workflow's engine retries an activity
// that failed with err: the split [classify] makes.
func Retryable(err error) bool {
	var app *temporal.ApplicationError
	if errors.As(classify(err), &app) {
		return !app.NonRetryable()
	}
	return true
}
