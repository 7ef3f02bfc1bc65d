package llm

import (
	"context"
	"iter"
	"log/slog"
	"time"
)

// Log returns middleware that logs each call of the model it wraps to logger: one Info record
// per completed call (model, duration, stop reason, usage) and one Warn
// record per failure. It logs neither message contents nor credentials;
// with Debug enabled it adds the shape of the request (message and tool
// counts). A nil logger means [slog.Default].
func Log(logger *slog.Logger) Middleware {
	if logger == nil {
		logger = slog.Default()
	}
	return func(m Model) Model { return logging(m, logger) }
}

func logging(m Model, logger *slog.Logger) Model {
	return &wrapper{
		generate: func(ctx context.Context, req *Request) (*Response, error) {
			start := time.Now()
			logRequest(ctx, logger, req)
			resp, err := m.Generate(ctx, req)
			logOutcome(ctx, logger, req, resp, err, time.Since(start))
			return resp, err
		},
		stream: func(ctx context.Context, req *Request) iter.Seq2[Event, error] {
			return func(yield func(Event, error) bool) {
				start := time.Now()
				logRequest(ctx, logger, req)
				for ev, err := range Stream(ctx, m, req) {
					switch {
					case err != nil:
						logOutcome(ctx, logger, req, nil, err, time.Since(start))
					case ev.Kind == EventDone:
						logOutcome(ctx, logger, req, ev.Response, nil, time.Since(start))
					}
					if !yield(ev, err) {
						return
					}
				}
			}
		},
	}
}

func logRequest(ctx context.Context, logger *slog.Logger, req *Request) {
	if logger.Enabled(ctx, slog.LevelDebug) {
		logger.DebugContext(ctx, "llm request", "model", req.Model,
			"messages", len(req.Messages), "tools", len(req.Tools), "max_tokens", req.MaxTokens)
	}
}

func logOutcome(ctx context.Context, logger *slog.Logger, req *Request, resp *Response, err error, d time.Duration) {
	if err != nil {
		logger.WarnContext(ctx, "llm call failed", "model", req.Model, "duration", d, "error", err)
		return
	}
	logger.InfoContext(ctx, "llm call", "model", resp.Model, "duration", d,
		"stop", resp.StopReason, "request_id", resp.RequestID,
		slog.Group("usage",
			"input", resp.Usage.InputTokens, "output", resp.Usage.OutputTokens,
			"cache_read", resp.Usage.CacheReadTokens, "cache_write", resp.Usage.CacheWriteTokens,
			"reasoning", resp.Usage.ReasoningTokens))
}
