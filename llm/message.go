package llm

import (
	"encoding/json"
	"strings"
)

// Role says who wrote a message. The system prompt is not a message: it is
// [Request.System].
type Role string

const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one turn of a conversation. Tool results travel in user
// messages, as [ToolResult] parts answering the [ToolCall] parts of the
// assistant message before them; providers whose wire format differs (OpenAI's
// role "tool", Gemini's functionResponse) convert.
type Message struct {
	Role  Role   `json:"role"`
	Parts []Part `json:"parts"`
}

// PartKind tells which field of a [Part] is set.
type PartKind string

const (
	KindText       PartKind = "text"
	KindToolCall   PartKind = "tool_call"
	KindToolResult PartKind = "tool_result"
	KindReasoning  PartKind = "reasoning"
)

// Part is one piece of a message. Kind says which of Text, ToolCall and
// ToolResult carries the content: Text for [KindText] and [KindReasoning],
// ToolCall for [KindToolCall], ToolResult for [KindToolResult].
//
// Opaque holds provider state that must be sent back unchanged with the part
// on the next request: an Anthropic thinking signature, a Gemini
// thoughtSignature, an OpenAI Responses reasoning item. Callers keep the part
// as it came and never need to look inside.
type Part struct {
	Kind       PartKind    `json:"kind"`
	Text       string      `json:"text,omitempty"`
	ToolCall   *ToolCall   `json:"tool_call,omitempty"`
	ToolResult *ToolResult `json:"tool_result,omitempty"`
	Opaque     *Opaque     `json:"opaque,omitempty"`
}

// ToolCall is a model's request to run a tool. Args is the raw JSON the model
// wrote; it is usually an object but may be malformed, and a tool runner must
// answer malformed arguments with an error result the model can read.
type ToolCall struct {
	ID   string          `json:"id"`
	Name string          `json:"name"`
	Args json.RawMessage `json:"args"`
}

// ToolResult answers the [ToolCall] with the same ID. Name repeats the tool's
// name because some providers (Gemini) match results by name.
type ToolResult struct {
	CallID  string `json:"call_id"`
	Name    string `json:"name"`
	Content string `json:"content"`
	IsError bool   `json:"is_error,omitempty"`
}

// Opaque is provider data attached to a part that the provider requires back
// verbatim. Provider names the provider that produced it; a provider ignores
// opaque data (and drops reasoning parts) that another provider produced.
type Opaque struct {
	Provider string `json:"provider"`
	// Signature is Anthropic's thinking signature or Gemini's thoughtSignature.
	Signature string `json:"signature,omitempty"`
	// Data is a whole provider item kept as JSON: an Anthropic
	// redacted_thinking block or an OpenAI Responses reasoning item.
	Data json.RawMessage `json:"data,omitempty"`
}

// TextPart returns a text part.
func TextPart(s string) Part { return Part{Kind: KindText, Text: s} }

// ToolCallPart returns a tool-call part.
func ToolCallPart(id, name string, args json.RawMessage) Part {
	return Part{Kind: KindToolCall, ToolCall: &ToolCall{ID: id, Name: name, Args: args}}
}

// ToolResultPart returns a tool-result part answering call.
func ToolResultPart(call ToolCall, content string, isError bool) Part {
	return Part{Kind: KindToolResult, ToolResult: &ToolResult{CallID: call.ID, Name: call.Name, Content: content, IsError: isError}}
}

// UserText returns a user message holding one text part.
func UserText(s string) Message { return Message{Role: RoleUser, Parts: []Part{TextPart(s)}} }

// AssistantText returns an assistant message holding one text part.
func AssistantText(s string) Message { return Message{Role: RoleAssistant, Parts: []Part{TextPart(s)}} }

// Text returns the concatenated text parts of m, without reasoning.
func (m Message) Text() string {
	var b strings.Builder
	for _, p := range m.Parts {
		if p.Kind == KindText {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// ToolCalls returns the tool calls in m, in order.
func (m Message) ToolCalls() []ToolCall {
	var calls []ToolCall
	for _, p := range m.Parts {
		if p.Kind == KindToolCall && p.ToolCall != nil {
			calls = append(calls, *p.ToolCall)
		}
	}
	return calls
}
