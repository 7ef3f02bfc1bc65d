// Package gemini is an [llm.Model] for Google's Gemini API
// (generativelanguage.googleapis.com, v1beta): generateContent for whole
// responses and streamGenerateContent (server-sent events) for streams,
// spoken over net/http.
//
//	c, err := gemini.New(gemini.WithModel("gemini-2.5-flash")) // key from GEMINI_API_KEY
//	resp, err := c.Generate(ctx, &llm.Request{Messages: []llm.Message{llm.UserText("Hi")}})
//
// # Configuration
//
// Defaults are layered: environment, then the options given to [New], then
// the [llm.Request]. The key comes from GEMINI_API_KEY, else GOOGLE_API_KEY,
// else [WithAPIKey], and is sent in the x-goog-api-key header only. The
// model comes from Request.Model, else [WithModel]; a call with neither
// fails. A *Client is safe for concurrent use.
//
// # Gemini on Vertex AI
//
// [WithVertex] sends the same requests to Gemini on Google Vertex AI, in a
// Google Cloud project and region, with a Google access token as a bearer
// token and no API key:
//
//	c, err := gemini.New(gemini.WithVertex("my-project", "us-central1"), gemini.WithModel("gemini-2.5-pro"))
//
// Requests go to :generateContent (:streamGenerateContent?alt=sse for a
// stream) of publishers/google/models/{model} at
// {region}-aiplatform.googleapis.com, or aiplatform.googleapis.com for the
// global region; the body and the answer are the Gemini API's. Tokens come
// from [WithTokenSource], else GOOGLE_OAUTH_ACCESS_TOKEN, else Google's
// application-default credentials, and are renewed a minute before they
// expire.
//
// # Requests
//
// Request.System becomes systemInstruction; user messages become contents
// with role "user", assistant messages role "model". MaxTokens, Temperature,
// TopP and Stop map to generationConfig. ReasoningBudget, or else
// Reasoning.BudgetTokens(), sets thinkingConfig.thinkingBudget (a negative
// budget asks for Gemini's dynamic budget) with includeThoughts, so that
// thought summaries come back as [llm.KindReasoning] parts; without either,
// no thinkingConfig is sent and the model thinks as it does by default.
// Request.Cache is ignored: Gemini caches implicitly and reports the hits in
// CacheReadTokens.
//
// ToolChoice maps to toolConfig.functionCallingConfig: ToolAuto sends no
// config (AUTO), ToolNone is NONE, ToolRequired is ANY, ToolNamed is ANY
// with allowedFunctionNames holding the one name.
//
// # Tool schemas
//
// Each tool's JSON Schema is sent as parametersJsonSchema, which takes JSON
// Schema, rather than parameters, which takes an OpenAPI subset that
// rejects additionalProperties, type lists, const and $ref. The conversion
// is small and lossless for Conclave's tools: the root must be an object
// schema; type lists lose "null" (tools treat null as absent) and several
// types become an anyOf; const becomes a one-value enum; draft-07
// definitions become $defs; a $ref with sibling keywords moves into a
// one-branch anyOf; and propertyOrdering records the declared order of
// properties, which the API would otherwise lose.
//
// # Tool calls and results
//
// Gemini reports tool calls as functionCall parts and still says
// finishReason STOP, so the parts decide: a message with tool calls stops
// with [llm.StopToolUse]. When Gemini gives a call no id, the call gets
// "gemini-call-N", N counting the tool calls of the conversation (the
// earlier ones and this response's), skipping ids already taken; the same
// request always yields the same ids. Such ids stay on the client side:
// they are not sent back, and Gemini pairs those calls with their responses
// by name and order. Ids Gemini did send are echoed on the functionCall and
// on its functionResponse.
//
// A tool result becomes a functionResponse part named after its tool
// (ToolResult.Name, or the name of the call it answers), with the response
// object {"output": Content}, or {"error": Content} when IsError is set: the
// keys the API documents for a function's output and its failure. A user
// message's results are sent first, in the order of the calls of the
// assistant message before it, so that two calls to the same function get
// their own answers; the message's text follows them. Consecutive user
// messages are sent as one turn.
//
// # Thought signatures
//
// Gemini attaches an opaque thoughtSignature to some parts (function calls,
// text, thoughts), and Gemini 3 refuses a follow-up whose function calls
// lack theirs. Each signature is kept as [llm.Opaque]{Provider: "gemini"}
// on the part it came with and echoed on that part when the assistant
// message is sent back, so append messages unchanged. Streamed text and
// thoughts arrive in pieces and are joined into one part per run, which
// takes the signature whichever piece carried it. Opaque data from other
// providers is dropped, and so is reasoning without a Gemini signature,
// which the model does not read back.
//
// # Streaming
//
// Each SSE event is a whole GenerateContentResponse. Stream yields
// [llm.EventText] and [llm.EventReasoning] for each piece, [llm.EventToolCall]
// for each call (Gemini sends calls whole), then [llm.EventUsage] and
// [llm.EventDone]. Gemini can stream a call's arguments in pieces
// (partialArgs) only when a request opts in, which this package never
// does; such a stream is an error.
//
// # Stop reasons and errors
//
// MAX_TOKENS is [llm.StopMaxTokens]; SAFETY, RECITATION, LANGUAGE,
// BLOCKLIST, PROHIBITED_CONTENT, SPII and the image filters are
// [llm.StopRefusal]; OTHER and reasons this package does not know are
// [llm.StopOther]; a stop sequence is reported as STOP, so it is
// [llm.StopEnd]. A prompt blocked before any candidate
// (promptFeedback.blockReason) is a response with an empty message,
// [llm.StopRefusal] and ProviderStopReason "prompt blocked: REASON".
// MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL and TOO_MANY_TOOL_CALLS are
// errors wrapping [llm.ErrMalformedToolCall]; MISSING_THOUGHT_SIGNATURE is
// [ErrMissingThoughtSignature].
//
// Error responses become [*llm.APIError] with the API's status as Type:
// RESOURCE_EXHAUSTED (429) unwraps to [llm.ErrRateLimited], UNAVAILABLE
// (503) to [llm.ErrOverloaded], UNAUTHENTICATED, PERMISSION_DENIED and an
// invalid or expired key to [llm.ErrAuth], and an INVALID_ARGUMENT saying
// the input token count exceeds the maximum to [llm.ErrContextLength]. The
// retryDelay of a RetryInfo detail becomes RetryAfter when no Retry-After
// header was sent; a delay too long to represent saturates, so that
// [llm.Retry] refuses it as longer than its MaxRetryAfter.
//
// A server is not trusted with more than its answer. A redirect to another
// host is refused (net/http would send x-goog-api-key along), with the
// default client and with one from [WithHTTPClient], which is not modified.
// The key or token a request carried is redacted from every error made from
// the server's answer, so a server that quotes it back puts it neither in
// the error nor in [llm.Log]'s records. A response larger than
// [WithMaxResponseSize] (64 MiB by default), or a stream event or line
// larger than 32 MiB, fails with an error wrapping [llm.ErrResponseTooLarge]
// before more is read.
//
// # Usage
//
// promptTokenCount includes the cached tokens: InputTokens is
// promptTokenCount - cachedContentTokenCount + toolUsePromptTokenCount
// (prompts of Gemini's built-in tools, billed as input), CacheReadTokens is
// cachedContentTokenCount, OutputTokens is candidatesTokenCount +
// thoughtsTokenCount, and ReasoningTokens is thoughtsTokenCount. The parts
// add up to totalTokenCount, on the Gemini API and on Vertex AI alike.
package gemini
