package anthropic

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/conclave-dev/conclave/llm"
)

const provider = "anthropic"

// wireMessage is the API's message object: the body of a response and the
// start of a stream. Content blocks are decoded one by one, by type, so that
// a block type this package does not know cannot fail the decoding.
type wireMessage struct {
	ID         string            `json:"id"`
	Model      string            `json:"model"`
	Content    []json.RawMessage `json:"content"`
	StopReason string            `json:"stop_reason"`
	Usage      wireUsage         `json:"usage"`
}

// wireUsage holds token counts. They are pointers because a stream's
// message_delta may report only some of them; the others keep their values
// from message_start.
type wireUsage struct {
	InputTokens              *int `json:"input_tokens"`
	OutputTokens             *int `json:"output_tokens"`
	CacheCreationInputTokens *int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     *int `json:"cache_read_input_tokens"`
}

// apply copies the counts u reports into dst. The API's input_tokens
// already excludes the tokens read from or written to the cache, as
// llm.Usage.InputTokens does.
func (u wireUsage) apply(dst *llm.Usage) {
	set := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	set(&dst.InputTokens, u.InputTokens)
	set(&dst.OutputTokens, u.OutputTokens)
	set(&dst.CacheWriteTokens, u.CacheCreationInputTokens)
	set(&dst.CacheReadTokens, u.CacheReadInputTokens)
}

// response maps the message to an llm.Response. Blocks of a type this
// package does not know (server tool blocks, for instance, which a request
// from this package never asks for) are left out.
func (m *wireMessage) response() (*llm.Response, error) {
	out := &llm.Response{
		Message: llm.Message{Role: llm.RoleAssistant},
		ID:      m.ID,
		Model:   m.Model,
	}
	for i, raw := range m.Content {
		p, ok, err := decodeBlock(raw)
		if err != nil {
			return nil, fmt.Errorf("anthropic: malformed content block %d: %w", i, err)
		}
		if ok {
			out.Message.Parts = append(out.Message.Parts, p)
		}
	}
	out.StopReason, out.ProviderStopReason = stopReason(m.StopReason), m.StopReason
	m.Usage.apply(&out.Usage)
	return out, nil
}

// decodeBlock maps a content block to a part, or returns false for a block
// of a type this package does not know. The type is read first, so that an
// unknown block whose fields differ from the known ones decodes anyway.
func decodeBlock(raw json.RawMessage) (llm.Part, bool, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return llm.Part{}, false, err
	}
	switch head.Type {
	case "text", "tool_use", "thinking":
	case "redacted_thinking":
		// Kept whole: the API wants it back verbatim.
		return llm.Part{Kind: llm.KindReasoning, Opaque: &llm.Opaque{Provider: provider, Data: compact(raw, "")}}, true, nil
	default:
		return llm.Part{}, false, nil
	}
	var b block
	if err := json.Unmarshal(raw, &b); err != nil {
		return llm.Part{}, false, err
	}
	return b.part(), true, nil
}

// part maps a text, tool_use or thinking block to a part.
func (b *block) part() llm.Part {
	switch b.Type {
	case "tool_use":
		return llm.ToolCallPart(b.ID, b.Name, compact(b.Input, "{}"))
	case "thinking":
		p := llm.Part{Kind: llm.KindReasoning, Opaque: &llm.Opaque{Provider: provider, Signature: b.Signature}}
		if b.Thinking != nil {
			p.Text = *b.Thinking
		}
		return p
	}
	return llm.TextPart(b.Text)
}

// compact returns a compacted copy of the JSON in b, so that the same JSON
// streamed in fragments and sent whole compare equal; b itself when it is
// not valid JSON (a tool call may be malformed, and is kept as written), and
// empty when b is blank.
func compact(b []byte, empty string) json.RawMessage {
	if len(bytes.TrimSpace(b)) == 0 {
		return json.RawMessage(empty)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return bytes.Clone(b)
	}
	return buf.Bytes()
}

func stopReason(s string) llm.StopReason {
	switch s {
	case "end_turn":
		return llm.StopEnd
	case "tool_use":
		return llm.StopToolUse
	// The context window filling up cuts the output as max_tokens does.
	case "max_tokens", "model_context_window_exceeded":
		return llm.StopMaxTokens
	case "stop_sequence":
		return llm.StopSequence
	case "refusal":
		return llm.StopRefusal
	}
	// pause_turn (a server tool paused a long turn; send the message back
	// to continue it) and anything new.
	return llm.StopOther
}
