// Package anthropic is an [llm.Model] for Anthropic's Messages API, spoken
// over net/http.
//
// # Construction
//
// [New] reads ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL, then applies its
// options; the defaults layer environment, then client, then call:
//
//	c, err := anthropic.New(anthropic.WithModel("claude-sonnet-4-5"))
//	resp, err := c.Generate(ctx, &llm.Request{Messages: msgs}) // Request.Model overrides
//
// The API requires max_tokens: a request whose MaxTokens is 0 gets the
// client's default ([WithMaxTokens], else [DefaultMaxTokens]). A [Client]
// is safe for concurrent use; wrap it in [llm.Retry] for retries, which
// honour the API's retry-after.
//
// # Claude on Vertex AI
//
// [WithVertex] sends the same requests to Claude on Google Vertex AI, in a
// Google Cloud project and region, with a Google access token instead of an
// API key:
//
//	c, err := anthropic.New(anthropic.WithVertex("my-project", "us-east5"),
//		anthropic.WithModel("claude-sonnet-4-5@20250929"))
//
// Requests go to :rawPredict (:streamRawPredict for a stream) of the
// model's resource at {region}-aiplatform.googleapis.com, or
// aiplatform.googleapis.com for the global region, with the model in the
// URL and "anthropic_version": [VertexVersion] in the body. Tokens come
// from [WithTokenSource], else GOOGLE_OAUTH_ACCESS_TOKEN, else Google's
// application-default credentials, and are renewed a minute before they
// expire. Everything else (thinking, caching, streaming, errors) is as
// for the Messages API, whose answers Vertex AI passes on unchanged;
// failures Vertex AI answers itself, in Google's error format, take its
// status (such as RESOURCE_EXHAUSTED) as their Type.
//
// # Thinking
//
// Claude models take reasoning in one of two modes. Manual thinking has a
// token budget; adaptive thinking lets the model decide, steered by an
// effort (Claude 4.6 and later; Opus 4.7 and later models take nothing
// else). A request with a Reasoning effort gets adaptive thinking at that
// effort on models that have it, and manual thinking with the effort's
// budget ([llm.Effort.BudgetTokens]) on older ones; an explicit
// ReasoningBudget always asks for manual thinking, and is refused for the
// models that take only adaptive. The mode is read from the model id
// (claude-<family>-<major>-<minor>); [WithAdaptiveThinking] overrides it
// for ids the client cannot read.
//
// When MaxTokens is 0 the budget is added to the client's default bound, so
// that the answer keeps its room; nothing else is adjusted. What the API
// would reject fails before anything is sent, with an error naming the
// field to fix: a budget under 1024 tokens; an explicit MaxTokens not above
// the budget (allowed when an anthropic-beta header asks for interleaved
// thinking, where the budget spans the whole turn); a Temperature other
// than 1; a TopP outside [0.95, 1]; a tool choice that forces a tool.
//
// # What is sent back
//
// Append each [llm.Response.Message] to the conversation as it came. Thinking
// parts carry an [llm.Opaque] with Provider "anthropic": a thinking block's
// signature, or a redacted_thinking block whole in Opaque.Data. They are sent
// back unchanged, as the API requires for tool use with thinking. Reasoning
// parts and opaque data from other providers are dropped, since they mean
// nothing to this API.
//
// A conversation from another provider is adapted where the API is
// stricter, losing nothing the model wrote:
//
//   - tool call ids get characters outside [A-Za-z0-9_-] replaced by '_',
//     in calls and results alike, so that they still match;
//   - tool call arguments that are absent or null are sent as {}; arguments
//     that are not a JSON object (a malformed call) are sent as
//     {"_raw_arguments": "<what the model wrote>"}, so that the API accepts
//     the request and the model still sees its mistake;
//   - blank text parts and a blank system prompt, which the API rejects,
//     are left out; messages left empty are dropped, and consecutive
//     messages of one role are merged, as the API would merge them;
//   - tool results are moved to the front of their user message.
//
// # Prompt caching
//
// Unless Request.Cache.Off, the request carries up to four cache_control
// breakpoints ({"type":"ephemeral"}, with "ttl":"1h" when Cache.TTL is an
// hour or more): on the last tool, on the system prompt, on the last block
// of the latest message, and on the last block of the user turn before it.
// The first two cache the stable prefix on their own, so that a change of
// system prompt keeps the tools cached. The third writes the whole
// conversation to the cache, so the next step of an agent loop reads it
// back. The fourth makes that read certain: the API looks for an earlier
// cache entry only about 20 blocks back from a breakpoint, and one step of
// an agent (many parallel tool calls and their results) can exceed that; a
// breakpoint exactly where the previous request wrote its entry always
// hits it. Cache writes cost more than plain input, so set Cache.Off for a
// prompt that will not be sent again.
//
// # Responses and streams
//
// Text, tool_use, thinking and redacted_thinking blocks become parts; blocks
// of other types (server tools, which this package never asks for) are
// left out, as are unknown fields, stream events and deltas, so that
// additions to the API do not break a client. Usage maps input_tokens
// (which already excludes cache traffic), output_tokens,
// cache_read_input_tokens and cache_creation_input_tokens; the API does not
// count thinking tokens apart, so ReasoningTokens stays 0. The stop reason
// maps to [llm.StopReason] and is kept raw in ProviderStopReason:
// model_context_window_exceeded counts as [llm.StopMaxTokens], pause_turn
// and anything new as [llm.StopOther].
//
// [Client.Stream] yields text and reasoning deltas, tool argument fragments
// and whole tool calls, usage, and finally the same Response Generate
// would return.
//
// # Errors
//
// API errors are [*llm.APIError] carrying the error type, message and
// request-id: rate_limit_error is [llm.ErrRateLimited], overloaded_error
// (HTTP 529) [llm.ErrOverloaded], authentication_error and
// permission_error [llm.ErrAuth], and an invalid_request_error saying the
// prompt is too long (or request_too_large) [llm.ErrContextLength]. An
// error event inside a stream is an APIError too, with the HTTP status the
// API documents for its type.
//
// A server is not trusted with more than its answer. A redirect to another
// host is refused (net/http would send x-api-key along), with the default
// client and with one from [WithHTTPClient], which is not modified. The key
// or token a request carried is redacted from every error made from the
// server's answer, so a server that quotes it back puts it neither in the
// error nor in [llm.Log]'s records. A response larger than
// [WithMaxResponseSize] (64 MiB by default), or a stream event or line
// larger than 32 MiB, fails with an error wrapping [llm.ErrResponseTooLarge]
// before more is read.
package anthropic
