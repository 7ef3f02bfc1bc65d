package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/conclave-dev/conclave/llm"
)

// Client speaks the Chat Completions API (POST {base}/chat/completions), the
// dialect of OpenAI and of every OpenAI-compatible server. It implements
// [llm.Model] and [llm.Streamer] and is safe for concurrent use.
type Client struct {
	t *transport
}

// New returns a Chat Completions client configured by the environment
// (OPENAI_API_KEY, OPENAI_BASE_URL) and then by opts. It fails when the
// configuration is unusable: a base URL that is not http(s), or no key for
// api.openai.com or Azure.
func New(opts ...Option) (*Client, error) {
	t, err := newTransport(chatAPI, opts)
	if err != nil {
		return nil, err
	}
	return &Client{t: t}, nil
}

// Generate sends req and returns the whole response. It returns an
// [*llm.APIError] when the server refuses the request, an error wrapping
// [llm.ErrConnection] when the connection fails, and ctx's cause once ctx is
// done.
func (c *Client) Generate(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	body, err := c.request(req, false)
	if err != nil {
		return nil, err
	}
	resp, err := c.t.post(ctx, body, false)
	if err != nil {
		return nil, c.t.explain(err, body.Model)
	}
	var cr chatResponse
	if err := c.t.caller.DecodeJSON(ctx, resp, &cr); err != nil {
		return nil, err
	}
	turn, err := cr.turn()
	if err != nil {
		return nil, c.t.caller.Redact(resp, err)
	}
	return turn.response(c.t.caller.RequestID(resp.Header)), nil
}

type chatRequest struct {
	Model               string         `json:"model"`
	Messages            []chatMessage  `json:"messages"`
	Tools               []chatTool     `json:"tools,omitempty"`
	ToolChoice          any            `json:"tool_choice,omitempty"`
	Temperature         *float64       `json:"temperature,omitempty"`
	TopP                *float64       `json:"top_p,omitempty"`
	Stop                []string       `json:"stop,omitempty"`
	MaxTokens           int            `json:"max_tokens,omitempty"`
	MaxCompletionTokens int            `json:"max_completion_tokens,omitempty"`
	ReasoningEffort     llm.Effort     `json:"reasoning_effort,omitempty"`
	PromptCacheKey      string         `json:"prompt_cache_key,omitempty"`
	Stream              bool           `json:"stream,omitempty"`
	StreamOptions       *streamOptions `json:"stream_options,omitempty"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type chatMessage struct {
	Role string `json:"role"`
	// Content is null for an assistant message holding only tool calls.
	Content    *string        `json:"content"`
	ToolCalls  []chatToolCall `json:"tool_calls,omitempty"`
	ToolCallID string         `json:"tool_call_id,omitempty"`
	// Reasoning echoed to the server in the field it came in, or
	// OpenRouter's reasoning_details, verbatim.
	ReasoningContent string          `json:"reasoning_content,omitempty"`
	Reasoning        string          `json:"reasoning,omitempty"`
	ReasoningDetails json.RawMessage `json:"reasoning_details,omitempty"`
}

type chatToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function chatFunction `json:"function"`
}

type chatFunction struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type chatTool struct {
	Type     string      `json:"type"`
	Function chatToolDef `json:"function"`
}

type chatToolDef struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
	Strict      bool            `json:"strict,omitempty"`
}

type namedChoice struct {
	Type     string `json:"type"`
	Function struct {
		Name string `json:"name"`
	} `json:"function"`
}

// request converts req to the wire format.
func (c *Client) request(req *llm.Request, stream bool) (*chatRequest, error) {
	model, err := c.t.modelFor(req)
	if err != nil {
		return nil, err
	}
	if err := checkToolChoice(req); err != nil {
		return nil, err
	}
	msgs, err := chatMessages(req)
	if err != nil {
		return nil, err
	}
	body := &chatRequest{
		Model:           model,
		Messages:        msgs,
		Temperature:     req.Temperature,
		TopP:            req.TopP,
		Stop:            req.Stop,
		ReasoningEffort: req.Reasoning,
		PromptCacheKey:  req.Cache.Key,
	}
	// OpenAI deprecated max_tokens, and its reasoning models refuse it;
	// Ollama, vLLM, DeepSeek and OpenRouter all read max_tokens.
	if c.t.official {
		body.MaxCompletionTokens = req.MaxTokens
	} else {
		body.MaxTokens = req.MaxTokens
	}
	if stream {
		body.Stream = true
		body.StreamOptions = &streamOptions{IncludeUsage: true}
	}
	defs, err := toolDefs(req.Tools, c.t.strict)
	if err != nil {
		return nil, err
	}
	for _, d := range defs {
		body.Tools = append(body.Tools, chatTool{Type: "function", Function: chatToolDef{
			Name: d.name, Description: d.description, Parameters: d.parameters, Strict: d.strict,
		}})
	}
	if len(defs) > 0 {
		switch req.ToolChoice.Mode {
		case llm.ToolNone, llm.ToolRequired:
			body.ToolChoice = string(req.ToolChoice.Mode)
		case llm.ToolNamed:
			nc := namedChoice{Type: "function"}
			nc.Function.Name = req.ToolChoice.Name
			body.ToolChoice = nc
		}
	}
	return body, nil
}

// chatMessages converts the conversation. Tool results become one "tool"
// message each, in order, right after the assistant message that asked for
// them; text sent beside the results follows in a user message.
func chatMessages(req *llm.Request) ([]chatMessage, error) {
	var msgs []chatMessage
	if req.System != "" {
		msgs = append(msgs, chatMessage{Role: "system", Content: ptr(req.System)})
	}
	for i, m := range req.Messages {
		for j, p := range m.Parts {
			if err := checkPart(i, j, m.Role, p); err != nil {
				return nil, err
			}
		}
		switch m.Role {
		case llm.RoleUser:
			msgs = appendUser(msgs, m)
		case llm.RoleAssistant:
			msgs = append(msgs, assistantMessage(m))
		default:
			return nil, fmt.Errorf("openai: message %d has role %q; use llm.RoleUser or llm.RoleAssistant (the system prompt is Request.System)", i, m.Role)
		}
	}
	return msgs, nil
}

func appendUser(msgs []chatMessage, m llm.Message) []chatMessage {
	var texts []string
	results := 0
	for _, p := range m.Parts {
		switch p.Kind {
		case llm.KindToolResult:
			msgs = append(msgs, chatMessage{Role: "tool", ToolCallID: p.ToolResult.CallID, Content: ptr(resultText(p.ToolResult))})
			results++
		case llm.KindText:
			texts = append(texts, p.Text)
		}
	}
	if len(texts) > 0 || results == 0 {
		msgs = append(msgs, chatMessage{Role: "user", Content: ptr(strings.Join(texts, "\n\n"))})
	}
	return msgs
}

// assistantMessage echoes an assistant turn: its text, its tool calls with
// the arguments exactly as the model wrote them, and the reasoning a
// compatible server returned. OpenRouter's reasoning_details go back on
// every turn that carried them, as its documentation asks. Reasoning text
// goes back only on turns with tool calls: DeepSeek's thinking mode
// requires the reasoning of tool-call turns back in every later request
// and ignores it on other turns; its older reasoner refused it, but had no
// tool calls, so echoing only tool-call turns suits both.
func assistantMessage(m llm.Message) chatMessage {
	out := chatMessage{Role: "assistant"}
	var texts []string
	var reasoning strings.Builder
	var details []json.RawMessage
	field := ""
	for _, p := range m.Parts {
		switch p.Kind {
		case llm.KindText:
			texts = append(texts, p.Text)
		case llm.KindToolCall:
			out.ToolCalls = append(out.ToolCalls, chatToolCall{ID: p.ToolCall.ID, Type: "function",
				Function: chatFunction{Name: p.ToolCall.Name, Arguments: string(p.ToolCall.Args)}})
		case llm.KindReasoning:
			if p.Opaque == nil || p.Opaque.Provider != chatReasoning {
				continue // another provider's thinking
			}
			var f reasoningData
			_ = json.Unmarshal(p.Opaque.Data, &f)
			if field == "" {
				field = f.Field
			}
			reasoning.WriteString(p.Text)
			if f.Details != nil {
				details = append(details, f.Details)
			}
		}
	}
	if len(texts) > 0 || len(out.ToolCalls) == 0 {
		out.Content = ptr(strings.Join(texts, "\n\n"))
	}
	switch {
	case len(details) > 0:
		out.ReasoningDetails = joinDetails(details)
	case len(out.ToolCalls) > 0:
		switch field {
		case "reasoning_content":
			out.ReasoningContent = reasoning.String()
		case "reasoning":
			out.Reasoning = reasoning.String()
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// chatResponse is a whole response, and also one chunk of a stream (whose
// choices carry a delta instead of a message).
type chatResponse struct {
	ID      string       `json:"id"`
	Model   string       `json:"model"`
	Choices []chatChoice `json:"choices"`
	Usage   *chatUsage   `json:"usage"`
	// Error is set on a chunk reporting a failure mid-stream.
	Error *errorDetail `json:"error"`
}

type chatChoice struct {
	Index        int           `json:"index"`
	FinishReason lenientString `json:"finish_reason"`
	Message      chatReply     `json:"message"`
	Delta        chatReply     `json:"delta"`
}

type chatReply struct {
	Content *string       `json:"content"`
	Refusal lenientString `json:"refusal"`
	// Compatible servers return reasoning in one of these: DeepSeek and
	// older vLLM in reasoning_content, Ollama, OpenRouter and newer vLLM in
	// reasoning.
	ReasoningContent lenientString `json:"reasoning_content"`
	Reasoning        lenientString `json:"reasoning"`
	// ReasoningDetails is OpenRouter's array of reasoning items (in a
	// stream, fragments of them).
	ReasoningDetails json.RawMessage `json:"reasoning_details"`
	ToolCalls        []chatCallDelta `json:"tool_calls"`
	// FunctionCall is the single call of the legacy function-calling
	// format, which some older servers still send.
	FunctionCall *chatFunctionDelta `json:"function_call"`
}

// calls returns the reply's tool calls, the legacy function call included
// as a call without id or index.
func (r *chatReply) calls() []chatCallDelta {
	if r.FunctionCall == nil || len(r.ToolCalls) > 0 {
		return r.ToolCalls
	}
	return []chatCallDelta{{Function: *r.FunctionCall}}
}

// chatCallDelta is a tool call, or in a stream a fragment of one.
type chatCallDelta struct {
	Index    *int              `json:"index"`
	ID       string            `json:"id"`
	Function chatFunctionDelta `json:"function"`
}

type chatFunctionDelta struct {
	Name      string  `json:"name"`
	Arguments argText `json:"arguments"`
}

// reasoning returns the reply's reasoning text and the field it came in.
func (r *chatReply) reasoning() (string, string) {
	if r.ReasoningContent != "" {
		return string(r.ReasoningContent), "reasoning_content"
	}
	if r.Reasoning != "" {
		return string(r.Reasoning), "reasoning"
	}
	return "", ""
}

type chatUsage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails *struct {
		CachedTokens int `json:"cached_tokens"`
		// OpenRouter reports the tokens written to the cache, which are
		// part of prompt_tokens and priced apart.
		CacheWriteTokens int `json:"cache_write_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails *struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
	// DeepSeek reports cache hits here instead.
	PromptCacheHitTokens int `json:"prompt_cache_hit_tokens"`
}

func (u *chatUsage) usage() llm.Usage {
	if u == nil {
		return llm.Usage{}
	}
	read, write := max(u.PromptCacheHitTokens, 0), 0
	if d := u.PromptTokensDetails; d != nil {
		if d.CachedTokens > 0 {
			read = d.CachedTokens
		}
		write = max(d.CacheWriteTokens, 0)
	}
	reasoning := 0
	if u.CompletionTokensDetails != nil {
		reasoning = max(u.CompletionTokensDetails.ReasoningTokens, 0)
	}
	return llm.Usage{
		InputTokens:      max(0, u.PromptTokens-read-write),
		CacheReadTokens:  read,
		CacheWriteTokens: write,
		OutputTokens:     outputTokens(u.PromptTokens, u.CompletionTokens, reasoning, u.TotalTokens),
		ReasoningTokens:  reasoning,
	}
}

// outputTokens decides a reply's output from its own arithmetic. OpenAI
// counts reasoning inside completion_tokens, and its total is prompt +
// completion; some compatible servers (xAI's Grok models, directly or
// through OpenRouter) count reasoning outside completion_tokens, so that
// their total is prompt + completion + reasoning. The output is therefore
// what the total holds beyond the prompt, when that is more than the
// completion; and it is never less than the reasoning it includes (when a
// server gives no total, reasoning above the completion was counted
// outside it).
func outputTokens(prompt, completion, reasoning, total int) int {
	out := max(completion, 0)
	if total > prompt+out {
		out = total - prompt
	}
	if reasoning > out {
		out = max(completion, 0) + reasoning
	}
	return out
}

// chatTurn is an answer read whole or assembled from a stream; both paths
// build their llm.Response from it, so they agree.
type chatTurn struct {
	id, model, finish string
	content, refusal  string
	reasoning, field  string
	details           json.RawMessage // reasoning_details
	calls             []llm.ToolCall
	usage             *chatUsage
}

func (cr *chatResponse) turn() (*chatTurn, error) {
	if cr.Error != nil {
		return nil, streamError("", *cr.Error)
	}
	if len(cr.Choices) == 0 {
		return nil, fmt.Errorf("%w: the response has no choices", errMalformed)
	}
	ch := &cr.Choices[0]
	t := &chatTurn{id: cr.ID, model: cr.Model, finish: string(ch.FinishReason), refusal: string(ch.Message.Refusal), usage: cr.Usage}
	if ch.Message.Content != nil {
		t.content = *ch.Message.Content
	}
	t.reasoning, t.field = ch.Message.reasoning()
	t.details = detailsArray(ch.Message.ReasoningDetails)
	for i, tc := range ch.Message.calls() {
		t.calls = append(t.calls, llm.ToolCall{
			ID:   callID(tc.ID, cr.ID, i),
			Name: tc.Function.Name,
			Args: json.RawMessage(tc.Function.Arguments),
		})
	}
	return t, nil
}

func (t *chatTurn) response(requestID string) *llm.Response {
	msg := llm.Message{Role: llm.RoleAssistant}
	if p, ok := chatReasoningPart(t.reasoning, t.field, t.details); ok {
		msg.Parts = append(msg.Parts, p)
	}
	text := t.content
	if text == "" {
		text = t.refusal
	}
	if text != "" {
		msg.Parts = append(msg.Parts, llm.TextPart(text))
	}
	for _, c := range t.calls {
		msg.Parts = append(msg.Parts, llm.ToolCallPart(c.ID, c.Name, c.Args))
	}
	stop := chatStop(t.finish, len(t.calls) > 0)
	if t.content == "" && t.refusal != "" && stop == llm.StopEnd {
		stop = llm.StopRefusal
	}
	return &llm.Response{
		Message:            msg,
		StopReason:         stop,
		ProviderStopReason: t.finish,
		Usage:              t.usage.usage(),
		Model:              t.model,
		ID:                 t.id,
		RequestID:          requestID,
	}
}

// chatStop maps finish_reason. Some compatible servers say "stop" while
// returning tool calls, so the calls decide.
func chatStop(finish string, hasCalls bool) llm.StopReason {
	switch finish {
	case "length":
		return llm.StopMaxTokens
	case "content_filter":
		return llm.StopRefusal
	}
	if hasCalls {
		return llm.StopToolUse
	}
	switch finish {
	case "stop", "":
		return llm.StopEnd
	}
	return llm.StopOther
}
