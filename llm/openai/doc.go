// Package openai implements [llm.Model] and [llm.Streamer] for OpenAI's two
// APIs, over net/http: [Client] speaks Chat Completions, the dialect every
// OpenAI-compatible server speaks, and [ResponsesClient] speaks the
// Responses API.
//
// # Constructing a client
//
// Both constructors read the environment first (OPENAI_API_KEY, and
// OPENAI_BASE_URL, which defaults to [DefaultBaseURL]) and then apply their
// options; the model comes from [llm.Request.Model] or, when that is empty,
// from [WithModel]:
//
//	chat, err := openai.New(openai.WithModel("gpt-4.1"))
//	resp, err := openai.NewResponses(openai.WithModel("gpt-5"))
//
// A key is required for api.openai.com and Azure. The key from the
// environment is sent only to the environment's base URL or to
// api.openai.com, never to a server named with [WithBaseURL]; it appears in
// no error and no field a caller can print. The request id of each call
// (x-request-id) is in [llm.Response.RequestID] and [llm.APIError.RequestID].
//
// # Compatible servers
//
// Point [New] at any server that speaks Chat Completions:
//
//	ollama, _ := openai.New(openai.WithBaseURL("http://localhost:11434/v1"), openai.WithModel("qwen3"))
//	router, _ := openai.New(openai.WithBaseURL("https://openrouter.ai/api/v1"), openai.WithAPIKey(key))
//
// The client copes with what these servers do differently. The output bound
// is sent as max_completion_tokens to OpenAI and Azure and as max_tokens to
// everyone else (Ollama, vLLM, DeepSeek and OpenRouter read it). Reasoning
// returned in "reasoning_content" (DeepSeek, older vLLM) or "reasoning"
// (Ollama, OpenRouter, newer vLLM) becomes an [llm.KindReasoning] part, and
// is sent back in the same field on assistant turns that called tools,
// which DeepSeek's thinking mode requires (it ignores reasoning on other
// turns). A reply that says "stop" but holds tool calls stops with
// [llm.StopToolUse], and the legacy "function_call" is read as a tool call.
// Streams may carry text before tool calls, may omit the usage chunk, and
// may repeat or omit tool-call fields. A model that cannot call
// tools (Ollama's 400 "does not support tools") fails with an
// [*llm.APIError] wrapping [ErrToolsUnsupported] that names the model and
// the fix.
//
// # OpenRouter's reasoning details
//
// OpenRouter returns, beside the reasoning text, reasoning_details: an array
// of reasoning.text (with a signature), reasoning.summary and
// reasoning.encrypted items (the latter carrying, among others, Gemini's
// thought signatures) that must be sent back unchanged, or Gemini 3 refuses
// the next function-call turn. The array is kept verbatim in the reasoning
// part's [llm.Opaque] and sent back as reasoning_details on every assistant
// turn that carried it, in place of the reasoning text. In a stream it
// arrives in fragments, numbered by index: fragments of one index and type
// are joined (their text and summary concatenated, other fields taken from
// the first fragment that has them), so the streamed response echoes the
// same array a whole one would.
//
// # Usage
//
// Usage is decided from the reply's own arithmetic, so that it matches the
// bill. InputTokens is prompt_tokens less the cache reads
// (prompt_tokens_details.cached_tokens, or DeepSeek's
// prompt_cache_hit_tokens) and less the cache writes (OpenRouter's
// prompt_tokens_details.cache_write_tokens), which are CacheReadTokens and
// CacheWriteTokens. OutputTokens is completion_tokens, unless total_tokens
// is larger than prompt + completion: then some servers (xAI's Grok models,
// directly or through OpenRouter) counted reasoning outside
// completion_tokens, and the output is total_tokens - prompt_tokens. It is
// never less than ReasoningTokens (completion_tokens_details
// .reasoning_tokens), which it includes: without a total, reasoning above
// the completion is added to it. So InputTokens + CacheReadTokens +
// CacheWriteTokens + OutputTokens equals total_tokens whenever the reply is
// consistent. The Responses API's input_tokens, output_tokens and
// total_tokens are read by the same rule; Generate and Stream agree.
//
// # Azure
//
// [WithAzure] targets an Azure OpenAI deployment, with the key in the
// api-key header (AZURE_OPENAI_API_KEY by default) and the deployment as
// the default model:
//
//	az, _ := openai.New(openai.WithAzure("https://NAME.openai.azure.com", "my-gpt", "2024-10-21"))
//
// # The Responses API
//
// [ResponsesClient] is stateless: it sends "store": false and the whole
// conversation each time, with instructions from [llm.Request.System]. It
// asks OpenAI and Azure for encrypted reasoning (include
// "reasoning.encrypted_content"; models that refuse it are asked once) and
// returns each reasoning item as a reasoning part whose Opaque.Data is the
// whole item; appending the response message to the conversation sends the
// items back, so a reasoning model keeps its train of thought across tool
// calls. Reasoning summaries are text only with [WithReasoningSummary]. The
// Responses API has no stop sequences; a request with [llm.Request.Stop] is
// refused.
//
// # Strict mode
//
// OpenAI's strict mode makes the model's tool arguments follow the schema
// exactly, but only for schemas in its dialect. A [llm.ToolSpec] holds one
// plain JSON Schema listing only truly required properties; with strict
// mode on, each is rewritten: all properties required, the optional ones
// accepting null instead (tools.Decode reads null as absent),
// "additionalProperties": false on every object, and unsupported keywords
// dropped or converted. A tool whose schema strict mode cannot express (a
// free-form object or map, a tuple, allOf, not, if/then/else, a value of
// any type) is sent as written, with strict off for that tool alone. Strict
// mode is on by default for api.openai.com and off elsewhere; see
// [WithStrictTools]. OpenAI's size limits (properties, nesting, enum
// values) are not checked here; OpenAI reports them.
//
// # Requests
//
// Tool results travel as one "tool" message (Chat Completions) or
// function_call_output item (Responses) each, right after the assistant turn
// that asked for them; a failed run's output is prefixed "Error: ", since
// neither API has a flag for it. Tool-call arguments are sent back exactly
// as the model wrote them, even when malformed. [llm.Request.Cache] Key is
// sent as prompt_cache_key; OpenAI caches prefixes automatically, so Off and
// TTL have no effect. ReasoningBudget is not used: OpenAI takes an effort.
//
// # Errors
//
// Error bodies ({"error":{"message","type","param","code"}}) become
// [*llm.APIError]s: code context_length_exceeded (or a message about the
// context length) wraps [llm.ErrContextLength], invalid_api_key and 401
// [llm.ErrAuth], 429 [llm.ErrRateLimited] with Retry-After or
// retry-after-ms read, and insufficient_quota is marked not retryable. An
// error reported inside a stream is an APIError with StatusCode 200,
// retryable when its code is a server error or a rate limit. A stream cut
// short wraps [llm.ErrConnection]. Wrap a client in [llm.Retry] to retry
// what is retryable.
//
// A server is not trusted with more than its answer. A redirect to another
// host is refused (net/http would send the api-key header along), with the
// default client and with one from [WithHTTPClient], which is not modified.
// The key a request carried is redacted from every error made from the
// server's answer, so a server that quotes it back puts it neither in the
// error nor in [llm.Log]'s records. A response larger than
// [WithMaxResponseSize] (64 MiB by default), or a stream event or line
// larger than 32 MiB, fails with an error wrapping [llm.ErrResponseTooLarge]
// before more is read.
package openai
