// Package llm is Conclave's provider-neutral vocabulary for language models
// and the contract every model implements.
//
// # Messages
//
// A conversation is a slice of [Message], each a [Role] and a list of [Part].
// A part is text, a [ToolCall] the model asks for, a [ToolResult] answering
// one, or reasoning (the model's thinking). Parts may carry [Opaque] provider
// data, such as Anthropic thinking signatures, Gemini thought signatures and
// OpenAI reasoning items, that must be sent back unchanged: append the
// assistant's [Response.Message] to the conversation as it came and the
// providers echo what they need.
//
// # Models
//
// [Model] has one method, Generate. A [Streamer] can also stream its answer
// as an iterator of [Event]; [Stream] streams from any Model, replaying the
// whole response when the model does not stream. [ModelFunc] adapts a
// function. The providers live in subpackages (anthropic, openai, gemini)
// and speak each API's wire format over net/http; llmtest has a scripted
// fake and a conformance suite.
//
// # Middleware
//
// A [Middleware] is a func(Model) Model that adds behaviour around any
// Model and keeps its streaming; [Chain] composes them, the first outermost:
//
//   - [Retry] retries what is retryable (connection failures, 408, 409, 429,
//     5xx, 529), honours Retry-After, and backs off with jitter;
//   - a [Limiter] bounds the calls in flight across the models that share it;
//   - a [Meter] counts tokens and dollars per model and enforces a [Budget];
//   - [Log] logs each call through log/slog, without contents or keys.
//
// A typical stack, outermost first: Meter (so a spent budget refuses before
// waiting), Limiter, Retry, Log (so that every attempt is logged), provider.
//
//	meter := &llm.Meter{Prices: prices, Budget: llm.Budget{Dollars: 5}}
//	lim := llm.NewLimiter(4)
//	m := llm.Chain(client, meter.Wrap, lim.Wrap, llm.Retry(nil), llm.Log(nil))
//
// # Errors
//
// Providers report failed calls as [*APIError], which unwraps to the
// condition callers branch on: [ErrRateLimited], [ErrOverloaded],
// [ErrContextLength], [ErrAuth]. A Meter refuses with [ErrBudgetExceeded];
// transport failures wrap [ErrConnection].
package llm
