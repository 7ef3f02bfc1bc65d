package anthropic

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/conclave-dev/conclave/llm"
)

// wireRequest is the body of POST /v1/messages. On Vertex AI the model is
// in the URL and the version in the body.
type wireRequest struct {
	Model            string      `json:"model,omitempty"`
	AnthropicVersion string      `json:"anthropic_version,omitempty"`
	MaxTokens        int         `json:"max_tokens"`
	System           []block     `json:"system,omitempty"`
	Messages         []wireTurn  `json:"messages"`
	Tools            []wireTool  `json:"tools,omitempty"`
	ToolChoice       *toolChoice `json:"tool_choice,omitempty"`
	Thinking         *thinking   `json:"thinking,omitempty"`
	OutputConfig     *outputCfg  `json:"output_config,omitempty"`
	Temperature      *float64    `json:"temperature,omitempty"`
	TopP             *float64    `json:"top_p,omitempty"`
	StopSequences    []string    `json:"stop_sequences,omitempty"`
	Stream           bool        `json:"stream,omitempty"`
}

type wireTurn struct {
	Role    llm.Role `json:"role"`
	Content []block  `json:"content"`
}

type wireTool struct {
	Name         string          `json:"name"`
	Description  string          `json:"description,omitempty"`
	InputSchema  json.RawMessage `json:"input_schema"`
	CacheControl *cacheControl   `json:"cache_control,omitempty"`
}

type toolChoice struct {
	Type string `json:"type"`
	Name string `json:"name,omitempty"`
}

type thinking struct {
	Type         string `json:"type"`
	BudgetTokens int    `json:"budget_tokens,omitempty"`
}

type outputCfg struct {
	Effort string `json:"effort,omitempty"`
}

type cacheControl struct {
	Type string `json:"type"`
	TTL  string `json:"ttl,omitempty"`
}

// block is a content block, sent and received.
type block struct {
	Type         string          `json:"type"`
	Text         string          `json:"text,omitempty"`
	ID           string          `json:"id,omitempty"`
	Name         string          `json:"name,omitempty"`
	Input        json.RawMessage `json:"input,omitempty"`
	ToolUseID    string          `json:"tool_use_id,omitempty"`
	Content      string          `json:"content,omitempty"`
	IsError      bool            `json:"is_error,omitempty"`
	Thinking     *string         `json:"thinking,omitempty"`
	Signature    string          `json:"signature,omitempty"`
	CacheControl *cacheControl   `json:"cache_control,omitempty"`

	// raw, when set, is a block echoed verbatim (redacted_thinking).
	raw json.RawMessage
}

func (b block) MarshalJSON() ([]byte, error) {
	if b.raw != nil {
		return b.raw, nil
	}
	type plain block
	return json.Marshal(plain(b))
}

const (
	minThinkingBudget = 1024
	// rawArgsKey holds, as a string, tool call arguments that are not a
	// JSON object, since the API takes only an object as a tool_use input.
	rawArgsKey = "_raw_arguments"
)

// request builds the wire request for req, refusing what the API would
// reject with an error that names the field to fix.
func (c *Client) request(req *llm.Request, stream bool) (*wireRequest, error) {
	w := &wireRequest{
		Model:         cmp.Or(req.Model, c.model),
		Temperature:   req.Temperature,
		TopP:          req.TopP,
		StopSequences: req.Stop,
		Stream:        stream,
	}
	if w.Model == "" {
		return nil, errors.New("anthropic: no model: set Request.Model or pass WithModel to New")
	}
	if err := c.limits(req, w); err != nil {
		return nil, err
	}
	var err error
	if w.Tools, w.ToolChoice, err = tools(req); err != nil {
		return nil, err
	}
	if w.Thinking != nil && w.ToolChoice != nil && (w.ToolChoice.Type == "any" || w.ToolChoice.Type == "tool") {
		return nil, fmt.Errorf("anthropic: the API does not allow thinking with a forced tool choice (%s): use ToolAuto, or leave Reasoning and ReasoningBudget unset", req.ToolChoice.Mode)
	}
	if strings.TrimSpace(req.System) != "" { // the API rejects blank text blocks
		w.System = []block{{Type: "text", Text: req.System}}
	}
	if w.Messages, err = turns(req.Messages); err != nil {
		return nil, err
	}
	if !req.Cache.Off {
		cc := &cacheControl{Type: "ephemeral"}
		if req.Cache.TTL >= time.Hour {
			cc.TTL = "1h"
		}
		w.markCache(cc)
	}
	return w, nil
}

// limits sets max_tokens and thinking. An explicit ReasoningBudget asks for
// manual thinking with that budget. A Reasoning effort alone asks for
// adaptive thinking at that effort on models that have it (Claude 4.6 on),
// and for manual thinking with the effort's budget on older ones. When
// MaxTokens is 0, the effort's budget is added to the default bound, since
// thinking counts against max_tokens.
func (c *Client) limits(req *llm.Request, w *wireRequest) error {
	mode := c.thinkingMode(w.Model)
	budget := req.ReasoningBudget
	adaptive := budget == 0 && req.Reasoning != llm.EffortDefault && mode != manualThinking
	if budget == 0 {
		budget = req.Reasoning.BudgetTokens()
	}
	switch {
	case req.MaxTokens < 0:
		return fmt.Errorf("anthropic: MaxTokens %d is negative: use 0 for the client's default", req.MaxTokens)
	case budget < 0:
		return fmt.Errorf("anthropic: ReasoningBudget %d is negative: use 0 for no thinking", budget)
	case req.MaxTokens == 0:
		// The default bounds the answer; thinking is budgeted on top of it.
		w.MaxTokens = c.maxTokens + budget
	default:
		w.MaxTokens = req.MaxTokens
	}
	if budget == 0 {
		return nil
	}
	switch {
	case !adaptive && mode == adaptiveOnly:
		return fmt.Errorf("anthropic: model %s takes only adaptive thinking, not a ReasoningBudget of %d tokens: set Request.Reasoning to an effort instead", w.Model, req.ReasoningBudget)
	case !adaptive && budget < minThinkingBudget:
		return fmt.Errorf("anthropic: a thinking budget of %d tokens is below the API's minimum of %d: raise ReasoningBudget", budget, minThinkingBudget)
	case !adaptive && w.MaxTokens <= budget && !c.interleaved():
		return fmt.Errorf("anthropic: MaxTokens %d must exceed the thinking budget of %d tokens: raise MaxTokens or lower the budget", w.MaxTokens, budget)
	case req.Temperature != nil && *req.Temperature != 1:
		return fmt.Errorf("anthropic: the API accepts only Temperature 1 with thinking, not %g: unset Temperature or the thinking budget", *req.Temperature)
	case req.TopP != nil && (*req.TopP < 0.95 || *req.TopP > 1):
		return fmt.Errorf("anthropic: the API accepts TopP only from 0.95 to 1 with thinking, not %g: unset TopP or the thinking budget", *req.TopP)
	}
	if adaptive {
		w.Thinking = &thinking{Type: "adaptive"}
		w.OutputConfig = &outputCfg{Effort: effortWord(string(req.Reasoning))}
		return nil
	}
	w.Thinking = &thinking{Type: "enabled", BudgetTokens: budget}
	return nil
}

// thinkingMode is how the client's model takes reasoning: as
// WithAdaptiveThinking says, or guessed from the model id.
func (c *Client) thinkingMode(model string) thinkingMode {
	if c.adaptive == nil {
		return thinkingModeOf(model)
	}
	if *c.adaptive {
		return adaptiveThinking
	}
	return manualThinking
}

// interleaved reports whether the client asks for interleaved thinking, in
// which the budget spans a whole turn and may exceed max_tokens.
func (c *Client) interleaved() bool {
	for _, v := range c.header.Values("anthropic-beta") {
		if strings.Contains(v, "interleaved-thinking") {
			return true
		}
	}
	return false
}

func tools(req *llm.Request) ([]wireTool, *toolChoice, error) {
	var out []wireTool
	for i, t := range req.Tools {
		if t.Name == "" {
			return nil, nil, fmt.Errorf("anthropic: tool %d has no name", i)
		}
		schema := t.Schema
		if len(bytes.TrimSpace(schema)) == 0 {
			schema = json.RawMessage(`{"type":"object"}`)
		} else if !json.Valid(schema) {
			return nil, nil, fmt.Errorf("anthropic: tool %q: Schema is not valid JSON", t.Name)
		}
		out = append(out, wireTool{Name: t.Name, Description: t.Description, InputSchema: schema})
	}
	mode := req.ToolChoice.Mode
	switch {
	case mode == llm.ToolAuto:
		return out, nil, nil
	case mode != llm.ToolNone && mode != llm.ToolRequired && mode != llm.ToolNamed:
		return nil, nil, fmt.Errorf("anthropic: unknown ToolChoice mode %q", mode)
	case len(out) == 0 && mode == llm.ToolNone:
		return nil, nil, nil
	case len(out) == 0:
		return nil, nil, fmt.Errorf("anthropic: ToolChoice %q with no tools: add Tools or use ToolAuto", mode)
	case mode == llm.ToolNone:
		return out, &toolChoice{Type: "none"}, nil
	case mode == llm.ToolRequired:
		return out, &toolChoice{Type: "any"}, nil
	}
	name := req.ToolChoice.Name
	if !slices.ContainsFunc(req.Tools, func(t llm.ToolSpec) bool { return t.Name == name }) {
		return nil, nil, fmt.Errorf("anthropic: ToolChoice names tool %q, which is not among the request's Tools", name)
	}
	return out, &toolChoice{Type: "tool", Name: name}, nil
}

// turns converts the conversation. Parts the API cannot take and that carry
// nothing are left out (blank text, other providers' reasoning); a message
// left empty is dropped, and consecutive messages of one role are merged,
// as the API would merge them, so that a user turn's tool results can come
// first as the API requires.
func turns(msgs []llm.Message) ([]wireTurn, error) {
	var out []wireTurn
	for i, m := range msgs {
		if m.Role != llm.RoleUser && m.Role != llm.RoleAssistant {
			return nil, fmt.Errorf("anthropic: message %d: unknown role %q", i, m.Role)
		}
		var blocks []block
		for j, p := range m.Parts {
			b, ok, err := partBlock(m.Role, p)
			if err != nil {
				return nil, fmt.Errorf("anthropic: message %d (%s) part %d: %w", i, m.Role, j, err)
			}
			if ok {
				blocks = append(blocks, b)
			}
		}
		switch n := len(out); {
		case len(blocks) == 0:
		case n > 0 && out[n-1].Role == m.Role:
			out[n-1].Content = append(out[n-1].Content, blocks...)
		default:
			out = append(out, wireTurn{Role: m.Role, Content: blocks})
		}
	}
	if len(out) == 0 {
		return nil, errors.New("anthropic: the request has no message with content: add a user message")
	}
	for _, t := range out {
		if t.Role == llm.RoleUser {
			slices.SortStableFunc(t.Content, func(a, b block) int {
				return cmp.Compare(rank(a), rank(b))
			})
		}
	}
	return out, nil
}

func rank(b block) int {
	if b.Type == "tool_result" {
		return 0
	}
	return 1
}

// partBlock returns the block for p, or false when p is left out.
func partBlock(role llm.Role, p llm.Part) (block, bool, error) {
	switch p.Kind {
	case llm.KindText:
		// The API rejects empty and whitespace-only text blocks.
		if strings.TrimSpace(p.Text) == "" {
			return block{}, false, nil
		}
		return block{Type: "text", Text: p.Text}, true, nil
	case llm.KindToolCall:
		c := p.ToolCall
		switch {
		case c == nil:
			return block{}, false, errors.New("tool call part without a ToolCall")
		case role != llm.RoleAssistant:
			return block{}, false, errors.New("a tool call belongs in an assistant message")
		case c.ID == "":
			return block{}, false, fmt.Errorf("tool call %q has no id, which the API needs to match its result", c.Name)
		}
		return block{Type: "tool_use", ID: toolID(c.ID), Name: c.Name, Input: toolInput(c.Args)}, true, nil
	case llm.KindToolResult:
		r := p.ToolResult
		switch {
		case r == nil:
			return block{}, false, errors.New("tool result part without a ToolResult")
		case role != llm.RoleUser:
			return block{}, false, errors.New("a tool result belongs in a user message")
		case r.CallID == "":
			return block{}, false, fmt.Errorf("result of tool %q has no call id", r.Name)
		}
		return block{Type: "tool_result", ToolUseID: toolID(r.CallID), Content: r.Content, IsError: r.IsError}, true, nil
	case llm.KindReasoning:
		o := p.Opaque
		if o == nil || o.Provider != provider {
			return block{}, false, nil // another provider's thinking means nothing here
		}
		if role != llm.RoleAssistant {
			return block{}, false, errors.New("reasoning belongs in an assistant message")
		}
		if len(o.Data) > 0 {
			var head struct{ Type string }
			if json.Unmarshal(o.Data, &head) != nil || head.Type == "" {
				return block{}, false, errors.New("reasoning Opaque.Data is not an Anthropic content block")
			}
			return block{Type: head.Type, raw: o.Data}, true, nil
		}
		text := p.Text
		return block{Type: "thinking", Thinking: &text, Signature: o.Signature}, true, nil
	}
	return block{}, false, fmt.Errorf("unknown part kind %q", p.Kind)
}

// toolInput returns args as the JSON object the API requires. Absent or
// null arguments become {}; anything else that is not an object (a
// malformed call from another provider's history) is kept whole as a string
// under "_raw_arguments", so that the model still sees what it wrote.
func toolInput(args json.RawMessage) json.RawMessage {
	trimmed := bytes.TrimSpace(args)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return json.RawMessage(`{}`)
	}
	if trimmed[0] == '{' && json.Valid(trimmed) {
		return trimmed
	}
	wrapped, _ := json.Marshal(map[string]string{rawArgsKey: string(args)}) // a string map always encodes
	return wrapped
}

// toolID makes an id from another provider fit the API's pattern
// ^[a-zA-Z0-9_-]+$ by replacing other characters with '_'. Calls and results
// go through the same mapping, so they still match.
func toolID(id string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, id)
}

// markCache places the cache breakpoints: the last tool, the system prompt,
// the latest message and the user turn before it. That is at most the four
// the API allows.
func (w *wireRequest) markCache(cc *cacheControl) {
	if n := len(w.Tools); n > 0 {
		w.Tools[n-1].CacheControl = cc
	}
	if n := len(w.System); n > 0 {
		w.System[n-1].CacheControl = cc
	}
	last := len(w.Messages) - 1
	markTurn(w.Messages[last], cc)
	for i := last - 1; i >= 0; i-- {
		if w.Messages[i].Role == llm.RoleUser {
			markTurn(w.Messages[i], cc)
			break
		}
	}
}

// markTurn marks the last block of t that may carry cache_control: thinking
// blocks may not.
func markTurn(t wireTurn, cc *cacheControl) {
	for i := len(t.Content) - 1; i >= 0; i-- {
		if b := &t.Content[i]; b.raw == nil && b.Type != "thinking" {
			b.CacheControl = cc
			return
		}
	}
}
