package llm

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"time"
)

// RetryPolicy configures [Retry]. A nil policy, and any zero field, means the
// default.
type RetryPolicy struct {
	// MaxAttempts bounds the calls per request, the first included
	// (default 4).
	MaxAttempts int
	// BaseDelay is the backoff before the second attempt; it doubles at each
	// attempt up to MaxDelay (defaults 1s and 30s). The delay slept is drawn
	// uniformly from [delay/2, delay] (jitter), so that clients sharing a
	// quota do not retry in step.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxRetryAfter caps a provider-requested delay (Retry-After); a provider
	// asking for longer, however long, ends the retries with its error
	// (default 2m).
	MaxRetryAfter time.Duration
	// Rand returns numbers in [0, 1) for the jitter; nil means math/rand/v2.
	Rand func() float64
}

func (p *RetryPolicy) withDefaults() RetryPolicy {
	var q RetryPolicy
	if p != nil {
		q = *p
	}
	if q.MaxAttempts <= 0 {
		q.MaxAttempts = 4
	}
	if q.BaseDelay <= 0 {
		q.BaseDelay = time.Second
	}
	if q.MaxDelay <= 0 {
		q.MaxDelay = 30 * time.Second
	}
	if q.MaxRetryAfter <= 0 {
		q.MaxRetryAfter = 2 * time.Minute
	}
	if q.Rand == nil {
		q.Rand = rand.Float64
	}
	return q
}

// delay returns how long to wait before attempt n+1 after err, and false
// when the provider asked for more than MaxRetryAfter.
func (p *RetryPolicy) delay(n int, err error) (time.Duration, bool) {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		return apiErr.RetryAfter, apiErr.RetryAfter <= p.MaxRetryAfter
	}
	d := p.BaseDelay << (n - 1)
	if d > p.MaxDelay || d <= 0 {
		d = p.MaxDelay
	}
	return d/2 + time.Duration(p.Rand()*float64(d/2)), true
}

// Retry returns middleware that sends a failed request again while the error
// is retryable by [IsRetryable]: connection failures, 408, 409, 429, 5xx and
// 529. It never retries other 4xx errors. It waits as the provider asks
// (Retry-After, retry-after-ms) or backs off exponentially with jitter, and
// returns as soon as ctx is done. After the last attempt it returns the last
// error, wrapped with the attempt count.
//
// A stream is retried only when it fails before its first event; once events
// have been delivered, an error is passed through.
func Retry(p *RetryPolicy) Middleware {
	pol := p.withDefaults()
	return func(m Model) Model { return retrying(m, &pol) }
}

func retrying(m Model, pol *RetryPolicy) Model {
	return &wrapper{
		generate: func(ctx context.Context, req *Request) (*Response, error) {
			for n := 1; ; n++ {
				resp, err := m.Generate(ctx, req)
				if err == nil {
					return resp, nil
				}
				if stop, err := pol.wait(ctx, n, err); stop {
					return nil, err
				}
			}
		},
		stream: func(ctx context.Context, req *Request) iter.Seq2[Event, error] {
			return func(yield func(Event, error) bool) {
				for n := 1; ; n++ {
					started := false
					var failure error
					for ev, err := range Stream(ctx, m, req) {
						if err != nil {
							failure = err
							break
						}
						started = true
						if !yield(ev, nil) {
							return
						}
					}
					if failure == nil {
						return
					}
					if started {
						yield(Event{}, failure)
						return
					}
					if stop, err := pol.wait(ctx, n, failure); stop {
						yield(Event{}, err)
						return
					}
				}
			}
		},
	}
}

// wait sleeps before attempt n+1 after err. It returns stop=true, with the
// error to report, when the request must not be retried.
func (p *RetryPolicy) wait(ctx context.Context, n int, err error) (stop bool, _ error) {
	if !IsRetryable(err) {
		return true, err
	}
	if n >= p.MaxAttempts {
		return true, fmt.Errorf("llm: giving up after %d attempts: %w", n, err)
	}
	d, ok := p.delay(n, err)
	if !ok {
		asked := d.String()
		if d == math.MaxInt64 {
			asked = "beyond any duration" // a delay that saturated when it was read
		}
		return true, fmt.Errorf("llm: provider asked to wait %s, longer than MaxRetryAfter (%v): %w", asked, p.MaxRetryAfter, err)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return true, fmt.Errorf("llm: retry abandoned: %w (last error: %w)", context.Cause(ctx), err)
	case <-t.C:
		return false, nil
	}
}
