package llm

import (
	"context"
	"fmt"
	"iter"
)

// A Limiter bounds the calls in flight across every model it wraps, so that
// an ensemble of agents on one provider stays within the provider's
// concurrency quota. It is safe for concurrent use.
type Limiter struct {
	slots chan struct{}
}

// NewLimiter returns a Limiter allowing n calls at once. It panics if n < 1,
// a programming error.
func NewLimiter(n int) *Limiter {
	if n < 1 {
		panic(fmt.Sprintf("llm: NewLimiter(%d): the limit must be at least 1", n))
	}
	return &Limiter{slots: make(chan struct{}, n)}
}

// Wrap returns a Model whose calls wait for a free slot of l before calling
// m. A caller waiting for a slot returns when ctx is done. A stream holds its
// slot until it ends.
func (l *Limiter) Wrap(m Model) Model {
	return &wrapper{
		generate: func(ctx context.Context, req *Request) (*Response, error) {
			if err := l.acquire(ctx); err != nil {
				return nil, err
			}
			defer l.release()
			return m.Generate(ctx, req)
		},
		stream: func(ctx context.Context, req *Request) iter.Seq2[Event, error] {
			return func(yield func(Event, error) bool) {
				if err := l.acquire(ctx); err != nil {
					yield(Event{}, err)
					return
				}
				defer l.release()
				for ev, err := range Stream(ctx, m, req) {
					if !yield(ev, err) {
						return
					}
				}
			}
		},
	}
}

// InFlight returns the number of calls holding a slot now.
func (l *Limiter) InFlight() int { return len(l.slots) }

func (l *Limiter) acquire(ctx context.Context) error {
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("llm: waiting for a call slot: %w", context.Cause(ctx))
	}
}

func (l *Limiter) release() { <-l.slots }
