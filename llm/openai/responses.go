package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/conclave-dev/conclave/llm"
)

// ResponsesClient speaks OpenAI's Responses API (POST {base}/responses). It
// implements [llm.Model] and [llm.Streamer] and is safe for concurrent use.
//
// It is stateless: every request carries the whole conversation and sets
// "store": false, so nothing is kept on OpenAI's side. Reasoning is carried
// between turns by the encrypted reasoning items the API returns when asked
// with "include": ["reasoning.encrypted_content"]; they come back as
// [llm.KindReasoning] parts whose Opaque.Data is the whole item, and are sent
// back unchanged. Models that do not reason refuse that include; the client
// then resends without it and remembers not to ask again for that model.
// Only api.openai.com and Azure are asked for encrypted reasoning.
type ResponsesClient struct {
	t *transport
	// noInclude holds the models that refused the encrypted-reasoning
	// include.
	noInclude sync.Map
}

// NewResponses returns a Responses API client configured by the
// environment (OPENAI_API_KEY, OPENAI_BASE_URL) and then by opts; see [New].
func NewResponses(opts ...Option) (*ResponsesClient, error) {
	t, err := newTransport(responsesAPI, opts)
	if err != nil {
		return nil, err
	}
	return &ResponsesClient{t: t}, nil
}

// Generate sends req and returns the whole response; errors are as for
// [Client.Generate]. A response whose status is "failed" is an
// [*llm.APIError].
func (c *ResponsesClient) Generate(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	body, err := c.request(req, false)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, body)
	if err != nil {
		return nil, err
	}
	var rr respResponse
	if err := c.t.caller.DecodeJSON(ctx, resp, &rr); err != nil {
		return nil, err
	}
	out, err := rr.response(c.t.caller.RequestID(resp.Header))
	return out, c.t.caller.Redact(resp, err)
}

// encryptedReasoning asks for reasoning items that can be sent back
// without server-side state.
const encryptedReasoning = "reasoning.encrypted_content"

// send posts body. It asks OpenAI and Azure for encrypted reasoning, and
// drops that for models that refuse it; compatible servers return their
// reasoning as plain text, which needs no include.
func (c *ResponsesClient) send(ctx context.Context, body *respRequest) (*http.Response, error) {
	if _, refused := c.noInclude.Load(body.Model); c.t.official && !refused {
		body.Include = []string{encryptedReasoning}
	}
	resp, err := c.t.post(ctx, body, body.Stream)
	var apiErr *llm.APIError
	if err != nil && body.Include != nil && errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest &&
		strings.Contains(strings.ToLower(apiErr.Message), "encrypted content") {
		c.noInclude.Store(body.Model, true)
		body.Include = nil
		resp, err = c.t.post(ctx, body, body.Stream)
	}
	if err != nil {
		return nil, c.t.explain(err, body.Model)
	}
	return resp, nil
}

type respRequest struct {
	Model           string         `json:"model"`
	Instructions    string         `json:"instructions,omitempty"`
	Input           []any          `json:"input"`
	Tools           []respTool     `json:"tools,omitempty"`
	ToolChoice      any            `json:"tool_choice,omitempty"`
	Temperature     *float64       `json:"temperature,omitempty"`
	TopP            *float64       `json:"top_p,omitempty"`
	MaxOutputTokens int            `json:"max_output_tokens,omitempty"`
	Reasoning       *respReasoning `json:"reasoning,omitempty"`
	PromptCacheKey  string         `json:"prompt_cache_key,omitempty"`
	Store           bool           `json:"store"`
	Include         []string       `json:"include,omitempty"`
	Stream          bool           `json:"stream,omitempty"`
}

type respReasoning struct {
	Effort  llm.Effort `json:"effort,omitempty"`
	Summary string     `json:"summary,omitempty"`
}

type respTool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
	// Strict is always sent: the Responses API defaults it to true.
	Strict bool `json:"strict"`
}

type respMessage struct {
	Type    string `json:"type"`
	Role    string `json:"role"`
	Content []any  `json:"content"`
}

type inputText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type outputText struct {
	Type        string   `json:"type"`
	Text        string   `json:"text"`
	Annotations []string `json:"annotations"`
}

type respFunctionCall struct {
	Type      string `json:"type"`
	CallID    string `json:"call_id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type respFunctionOutput struct {
	Type   string `json:"type"`
	CallID string `json:"call_id"`
	Output string `json:"output"`
}

type namedTool struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

func (c *ResponsesClient) request(req *llm.Request, stream bool) (*respRequest, error) {
	model, err := c.t.modelFor(req)
	if err != nil {
		return nil, err
	}
	if len(req.Stop) > 0 {
		return nil, errors.New("openai: the Responses API has no stop sequences; drop Request.Stop or use Chat Completions (New)")
	}
	if err := checkToolChoice(req); err != nil {
		return nil, err
	}
	input, err := respInput(req)
	if err != nil {
		return nil, err
	}
	body := &respRequest{
		Model:           model,
		Instructions:    req.System,
		Input:           input,
		Temperature:     req.Temperature,
		TopP:            req.TopP,
		MaxOutputTokens: req.MaxTokens,
		PromptCacheKey:  req.Cache.Key,
		Stream:          stream,
	}
	if req.Reasoning != "" || c.t.summary != "" {
		body.Reasoning = &respReasoning{Effort: req.Reasoning, Summary: c.t.summary}
	}
	defs, err := toolDefs(req.Tools, c.t.strict)
	if err != nil {
		return nil, err
	}
	for _, d := range defs {
		body.Tools = append(body.Tools, respTool{Type: "function", Name: d.name, Description: d.description,
			Parameters: d.parameters, Strict: d.strict})
	}
	if len(defs) > 0 {
		switch req.ToolChoice.Mode {
		case llm.ToolNone, llm.ToolRequired:
			body.ToolChoice = string(req.ToolChoice.Mode)
		case llm.ToolNamed:
			body.ToolChoice = namedTool{Type: "function", Name: req.ToolChoice.Name}
		}
	}
	return body, nil
}

// respInput converts the conversation to input items, in order. A user
// message's tool results come first, then its text; an assistant message's
// parts keep their order, so that each reasoning item precedes the output
// it led to, as the API requires.
func respInput(req *llm.Request) ([]any, error) {
	var items []any
	for i, m := range req.Messages {
		for j, p := range m.Parts {
			if err := checkPart(i, j, m.Role, p); err != nil {
				return nil, err
			}
		}
		switch m.Role {
		case llm.RoleUser:
			items = appendUserItems(items, m)
		case llm.RoleAssistant:
			items = appendAssistantItems(items, m)
		default:
			return nil, fmt.Errorf("openai: message %d has role %q; use llm.RoleUser or llm.RoleAssistant (the system prompt is Request.System)", i, m.Role)
		}
	}
	return items, nil
}

func appendUserItems(items []any, m llm.Message) []any {
	var content []any
	results := 0
	for _, p := range m.Parts {
		switch p.Kind {
		case llm.KindToolResult:
			items = append(items, respFunctionOutput{Type: "function_call_output", CallID: p.ToolResult.CallID, Output: resultText(p.ToolResult)})
			results++
		case llm.KindText:
			content = append(content, inputText{Type: "input_text", Text: p.Text})
		}
	}
	if len(content) > 0 || results == 0 {
		if content == nil {
			content = []any{inputText{Type: "input_text"}}
		}
		items = append(items, respMessage{Type: "message", Role: "user", Content: content})
	}
	return items
}

func appendAssistantItems(items []any, m llm.Message) []any {
	var msg *respMessage // the message item consecutive text parts go into
	for _, p := range m.Parts {
		if p.Kind != llm.KindText {
			msg = nil
		}
		switch p.Kind {
		case llm.KindText:
			if msg == nil {
				items = append(items, &respMessage{Type: "message", Role: "assistant"})
				msg = items[len(items)-1].(*respMessage)
			}
			msg.Content = append(msg.Content, outputText{Type: "output_text", Text: p.Text, Annotations: []string{}})
		case llm.KindToolCall:
			items = append(items, respFunctionCall{Type: "function_call", CallID: p.ToolCall.ID,
				Name: p.ToolCall.Name, Arguments: string(p.ToolCall.Args)})
		case llm.KindReasoning:
			if item, ok := echoReasoning(p); ok {
				items = append(items, item)
			}
		}
	}
	return items
}

// echoReasoning returns the reasoning item to send back for p. Only items
// this API produced, with their encrypted content, can be sent: with
// "store": false an item without it names state the server does not have.
func echoReasoning(p llm.Part) (json.RawMessage, bool) {
	if p.Opaque == nil || p.Opaque.Provider != "openai" || len(p.Opaque.Data) == 0 {
		return nil, false
	}
	var item struct {
		Type             string `json:"type"`
		EncryptedContent string `json:"encrypted_content"`
	}
	if json.Unmarshal(p.Opaque.Data, &item) != nil || item.Type != "reasoning" || item.EncryptedContent == "" {
		return nil, false
	}
	return p.Opaque.Data, true
}

// respResponse is a response object, as returned whole and as carried by
// the stream's last event.
type respResponse struct {
	ID                string     `json:"id"`
	Model             string     `json:"model"`
	Status            string     `json:"status"`
	Output            []respItem `json:"output"`
	IncompleteDetails *struct {
		Reason string `json:"reason"`
	} `json:"incomplete_details"`
	Error *errorDetail `json:"error"`
	Usage *respUsage   `json:"usage"`
}

// respItem is an output item. Raw keeps the item as it came, for reasoning
// items that must be sent back verbatim.
type respItem struct {
	Raw       json.RawMessage `json:"-"`
	Type      string          `json:"type"`
	ID        string          `json:"id"`
	CallID    string          `json:"call_id"`
	Name      string          `json:"name"`
	Arguments argText         `json:"arguments"`
	Content   []struct {
		Type    string `json:"type"`
		Text    string `json:"text"`
		Refusal string `json:"refusal"`
	} `json:"content"`
	Summary []struct {
		Text string `json:"text"`
	} `json:"summary"`
}

func (it *respItem) UnmarshalJSON(b []byte) error {
	type plain respItem
	if err := json.Unmarshal(b, (*plain)(it)); err != nil {
		return err
	}
	it.Raw = bytes.Clone(b)
	return nil
}

type respUsage struct {
	InputTokens        int `json:"input_tokens"`
	OutputTokens       int `json:"output_tokens"`
	TotalTokens        int `json:"total_tokens"`
	InputTokensDetails *struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	OutputTokensDetails *struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
}

func (u *respUsage) usage() llm.Usage {
	if u == nil {
		return llm.Usage{}
	}
	var out llm.Usage
	if u.InputTokensDetails != nil {
		out.CacheReadTokens = u.InputTokensDetails.CachedTokens
	}
	out.InputTokens = max(0, u.InputTokens-out.CacheReadTokens)
	if u.OutputTokensDetails != nil {
		out.ReasoningTokens = max(u.OutputTokensDetails.ReasoningTokens, 0)
	}
	// The same arithmetic as Chat Completions': compatible servers may
	// count reasoning outside output_tokens.
	out.OutputTokens = outputTokens(u.InputTokens, u.OutputTokens, out.ReasoningTokens, u.TotalTokens)
	return out
}

// response converts the response object; a failed one is an error.
func (r *respResponse) response(requestID string) (*llm.Response, error) {
	if r.Status == "failed" || (r.Error != nil && r.Error.Message != "") {
		d := errorDetail{Message: "the response failed without a reason"}
		if r.Error != nil {
			d = *r.Error
		}
		return nil, streamError(requestID, d)
	}
	msg := llm.Message{Role: llm.RoleAssistant}
	calls, refused := 0, false
	for i := range r.Output {
		it := &r.Output[i]
		switch it.Type {
		case "message":
			var b strings.Builder
			for _, c := range it.Content {
				switch c.Type {
				case "output_text":
					b.WriteString(c.Text)
				case "refusal":
					b.WriteString(c.Refusal)
					refused = true
				}
			}
			if b.Len() > 0 {
				msg.Parts = append(msg.Parts, llm.TextPart(b.String()))
			}
		case "function_call":
			id := it.CallID
			if id == "" {
				id = callID(it.ID, r.ID, calls)
			}
			msg.Parts = append(msg.Parts, llm.ToolCallPart(id, it.Name, json.RawMessage(it.Arguments)))
			calls++
		case "reasoning":
			msg.Parts = append(msg.Parts, llm.Part{Kind: llm.KindReasoning, Text: it.reasoningText(),
				Opaque: &llm.Opaque{Provider: "openai", Data: it.Raw}})
		}
	}
	resp := &llm.Response{
		Message:            msg,
		ProviderStopReason: r.Status,
		Usage:              r.Usage.usage(),
		Model:              r.Model,
		ID:                 r.ID,
		RequestID:          requestID,
	}
	reason := ""
	if r.IncompleteDetails != nil {
		reason = r.IncompleteDetails.Reason
	}
	if reason != "" {
		resp.ProviderStopReason = reason
	}
	switch {
	case reason == "max_output_tokens":
		resp.StopReason = llm.StopMaxTokens
	case reason == "content_filter" || refused:
		resp.StopReason = llm.StopRefusal
	case calls > 0:
		resp.StopReason = llm.StopToolUse
	case r.Status == "completed" || r.Status == "":
		resp.StopReason = llm.StopEnd
	default:
		resp.StopReason = llm.StopOther
	}
	return resp, nil
}

// reasoningText returns a reasoning item's summary, or its raw reasoning
// text when a compatible server sends that instead.
func (it *respItem) reasoningText() string {
	var parts []string
	for _, s := range it.Summary {
		parts = append(parts, s.Text)
	}
	if len(parts) == 0 {
		for _, c := range it.Content {
			if c.Type == "reasoning_text" {
				parts = append(parts, c.Text)
			}
		}
	}
	return strings.Join(parts, "\n\n")
}

// sortedItems returns the items of a stream in output order.
func sortedItems(items map[int]respItem) []respItem {
	var out []respItem
	for _, i := range slices.Sorted(maps.Keys(items)) {
		out = append(out, items[i])
	}
	return out
}
