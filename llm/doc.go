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
// # Providers and hosting routes
//
// Each provider client implements Model and Streamer, for these routes:
//
//   - anthropic: the Messages API (api.anthropic.com, or a proxy at another
//     base URL), and Claude on Google Vertex AI (WithVertex: rawPredict and
//     streamRawPredict, with Google access tokens);
//   - openai: Chat Completions on api.openai.com, Azure OpenAI deployments
//     (WithAzure) and any compatible server (OpenRouter, Ollama, vLLM,
//     DeepSeek, xAI), and the Responses API on OpenAI, Azure and
//     compatible servers;
//   - gemini: the Gemini API (generativelanguage.googleapis.com), and
//     Gemini on Google Vertex AI (WithVertex, with Google access tokens).
//
// Every route is tested offline, against fixtures written from the
// provider's documented wire format and served by httptest servers or
// in-memory transports: the URL, headers and request body are asserted
// field by field, and the parsed response, whole and streamed, including
// usage (whose parts add up to the provider's own total wherever it
// reports one), reasoning that must be echoed, errors and cut-off streams.
// Each client also passes llmtest.TestModel against a fake server, fuzz
// tests feed its stream decoders arbitrary bytes, and live tests run
// against the real service only when its API key is set.
//
// Every provider treats a server as untrusted: a redirect to another host
// is refused so that credentials stay where they were sent, the
// credentials a request carried are redacted from every error made from
// the answer, and no response is read past a size bound
// ([ErrResponseTooLarge]).
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
// transport failures wrap [ErrConnection]; a response over the client's
// size bound wraps [ErrResponseTooLarge].
package llm
