package llm_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
)

func apiErr(status int) *llm.APIError {
	return &llm.APIError{Provider: "test", StatusCode: status, Message: http.StatusText(status)}
}

func TestRetry(t *testing.T) {
	ok := llmtest.Say("done")
	tests := []struct {
		name      string
		replies   []llmtest.Reply
		wantCalls int
		wantErr   error // nil: success
		wantWait  time.Duration
	}{
		{"success needs one call", []llmtest.Reply{ok}, 1, nil, 0},
		{"429 then success", []llmtest.Reply{llmtest.Fail(apiErr(429)), ok}, 2, nil, -1},
		{"500 then success", []llmtest.Reply{llmtest.Fail(apiErr(500)), ok}, 2, nil, -1},
		{"529 overloaded then success", []llmtest.Reply{llmtest.Fail(apiErr(529)), ok}, 2, nil, -1},
		{"408 then success", []llmtest.Reply{llmtest.Fail(apiErr(408)), ok}, 2, nil, -1},
		{"409 then success", []llmtest.Reply{llmtest.Fail(apiErr(409)), ok}, 2, nil, -1},
		{"connection reset then success", []llmtest.Reply{llmtest.Fail(fmt.Errorf("x: %w: reset", llm.ErrConnection)), ok}, 2, nil, -1},
		{"400 is never retried", []llmtest.Reply{llmtest.Fail(apiErr(400)), ok}, 1, apiErr(400), 0},
		{"401 is never retried", []llmtest.Reply{llmtest.Fail(apiErr(401)), ok}, 1, llm.ErrAuth, 0},
		{"context length is never retried", []llmtest.Reply{llmtest.Fail(&llm.APIError{StatusCode: 400, Err: llm.ErrContextLength}), ok}, 1, llm.ErrContextLength, 0},
		{"x-should-retry false wins", []llmtest.Reply{llmtest.Fail(&llm.APIError{StatusCode: 500, ShouldRetry: ptr(false)}), ok}, 1, &llm.APIError{}, 0},
		{"x-should-retry true wins", []llmtest.Reply{llmtest.Fail(&llm.APIError{StatusCode: 400, ShouldRetry: ptr(true)}), ok}, 2, nil, -1},
		{"Retry-After is honoured", []llmtest.Reply{llmtest.Fail(&llm.APIError{StatusCode: 429, RetryAfter: 7 * time.Second}), ok}, 2, nil, 7 * time.Second},
		{"bounded attempts", []llmtest.Reply{llmtest.Fail(apiErr(503)), llmtest.Fail(apiErr(503)), llmtest.Fail(apiErr(503)), ok}, 3, llm.ErrOverloaded, -1},
		{"a Retry-After beyond the cap gives up", []llmtest.Reply{llmtest.Fail(&llm.APIError{StatusCode: 429, RetryAfter: time.Hour}), ok}, 1, llm.ErrRateLimited, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				script := llmtest.NewScript(tt.replies...)
				m := llm.Retry(&llm.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Second, Rand: func() float64 { return 0.5 }})(script)
				start := time.Now()
				resp, err := m.Generate(t.Context(), &llm.Request{Messages: []llm.Message{llm.UserText("hi")}})
				waited := time.Since(start)
				assert.Len(t, script.Requests(), tt.wantCalls)
				if tt.wantErr == nil {
					require.NoError(t, err)
					assert.Equal(t, "done", resp.Message.Text())
				} else {
					require.Error(t, err)
					var target *llm.APIError
					if errors.As(tt.wantErr, &target) {
						assert.ErrorAs(t, err, &target)
					} else {
						assert.ErrorIs(t, err, tt.wantErr)
					}
				}
				switch {
				case tt.wantWait > 0:
					assert.Equal(t, tt.wantWait, waited)
				case tt.wantWait == 0:
					assert.Zero(t, waited, "no wait before giving up")
				default:
					assert.Positive(t, waited, "backed off before retrying")
				}
			})
		})
	}
}

// A provider asking for longer than MaxRetryAfter, even for a delay that
// saturated when read, ends the retries with a message saying so.
func TestRetryRefusesLongDelays(t *testing.T) {
	for asked, want := range map[time.Duration]string{
		time.Hour:     "provider asked to wait 1h0m0s, longer than MaxRetryAfter (2m0s)",
		math.MaxInt64: "provider asked to wait beyond any duration, longer than MaxRetryAfter (2m0s)",
	} {
		script := llmtest.NewScript(llmtest.Fail(&llm.APIError{StatusCode: 429, RetryAfter: asked}), llmtest.Say("done"))
		_, err := llm.Retry(nil)(script).Generate(t.Context(), &llm.Request{Messages: []llm.Message{llm.UserText("hi")}})
		assert.ErrorContains(t, err, want)
		assert.ErrorIs(t, err, llm.ErrRateLimited)
		assert.Len(t, script.Requests(), 1)
	}
}

func TestRetryBackoffGrowsWithJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls []time.Time
		start := time.Now()
		m := llm.Retry(

			&llm.RetryPolicy{MaxAttempts: 5, BaseDelay: time.Second, MaxDelay: 4 * time.Second, Rand: func() float64 { return 0 }})(llm.ModelFunc(func(ctx context.Context, req *llm.Request) (*llm.Response, error) {
			calls = append(calls, time.Now())
			return nil, apiErr(503)
		}))

		_, err := m.Generate(t.Context(), &llm.Request{})
		require.ErrorIs(t, err, llm.ErrOverloaded)
		require.Len(t, calls, 5)
		// Rand 0 picks the bottom of each jitter window [d/2, d]: 0.5s, 1s,
		// 2s, then 2s again because MaxDelay caps d at 4s.
		want := []time.Duration{0, 500 * time.Millisecond, 1500 * time.Millisecond, 3500 * time.Millisecond, 5500 * time.Millisecond}
		for i, c := range calls {
			assert.Equal(t, want[i], c.Sub(start), "call %d", i+1)
		}
	})
}

func TestRetryStopsWhenContextDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(t.Context())
		calls := 0
		m := llm.Retry(

			nil)(llm.ModelFunc(func(ctx context.Context, req *llm.Request) (*llm.Response, error) {
			calls++
			return nil, &llm.APIError{StatusCode: 429, RetryAfter: time.Minute}
		}))

		stop := errors.New("user gave up")
		time.AfterFunc(time.Second, func() { cancel(stop) })
		start := time.Now()
		_, err := m.Generate(ctx, &llm.Request{})
		assert.ErrorIs(t, err, stop, "the cancel cause is reported")
		assert.ErrorIs(t, err, llm.ErrRateLimited, "and so is the last error")
		assert.Equal(t, time.Second, time.Since(start), "returned as soon as ctx was done")
		assert.Equal(t, 1, calls)
	})
}

func TestRetryStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		script := llmtest.NewScript(llmtest.Fail(apiErr(429)), llmtest.Say("streamed"))
		m := llm.Retry(&llm.RetryPolicy{Rand: func() float64 { return 0 }})(script)
		resp, err := llm.Collect(llm.Stream(t.Context(), m, &llm.Request{}))
		require.NoError(t, err)
		assert.Equal(t, "streamed", resp.Message.Text())
		assert.Len(t, script.Requests(), 2)
	})
}

func TestRetryStreamAfterFirstEventIsNotRetried(t *testing.T) {
	calls := 0
	inner := &failingStream{events: []llm.Event{{Kind: llm.EventText, Text: "par"}}, err: apiErr(503), calls: &calls}
	var got []string
	var gotErr error
	for ev, err := range llm.Stream(t.Context(), llm.Retry(nil)(inner), &llm.Request{}) {
		if err != nil {
			gotErr = err
			break
		}
		got = append(got, ev.Text)
	}
	assert.Equal(t, []string{"par"}, got)
	assert.ErrorIs(t, gotErr, llm.ErrOverloaded)
	assert.Equal(t, 1, calls, "a stream that delivered events is not restarted")
}

func TestIsRetryable(t *testing.T) {
	assert.False(t, llm.IsRetryable(nil))
	assert.False(t, llm.IsRetryable(context.Canceled))
	assert.False(t, llm.IsRetryable(fmt.Errorf("x: %w", context.DeadlineExceeded)))
	assert.False(t, llm.IsRetryable(errors.New("some bug")))
	assert.True(t, llm.IsRetryable(fmt.Errorf("wrapped: %w", apiErr(502))))
	assert.True(t, llm.IsRetryable(fmt.Errorf("x: %w: eof", llm.ErrConnection)))
}
