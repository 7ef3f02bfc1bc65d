package openai

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/conclave-dev/conclave/llm"
)

// Reasoning read from Chat Completions travels in one [llm.KindReasoning]
// part: its Text is the reasoning or reasoning_content text, and its
// Opaque (Provider chatReasoning) records what to send back, as a
// reasoningData.
//
// OpenRouter adds reasoning_details, an array of items (reasoning.text with
// an optional signature, reasoning.summary, reasoning.encrypted) that must
// go back unchanged on the assistant turn: Anthropic models need their
// signed thinking for tool use, and Gemini 3 refuses a function call turn
// whose thought signature (carried in a reasoning.encrypted item) is
// missing. The array is kept verbatim and echoed on every assistant turn
// that carried it, in place of the reasoning text, which it already holds.

// chatReasoning is the Opaque.Provider of reasoning parts read from Chat
// Completions.
const chatReasoning = "openai-chat"

// reasoningData is the Opaque.Data of a chatReasoning part.
type reasoningData struct {
	// Field is the field the text came in: "reasoning_content" or
	// "reasoning".
	Field string `json:"field"`
	// Details is the reasoning_details array, as the server sent it (or,
	// from a stream, as its fragments assemble).
	Details json.RawMessage `json:"details,omitempty"`
}

// reasoningPart returns the part holding a reply's reasoning, or false
// when the reply has none.
func chatReasoningPart(text, field string, details json.RawMessage) (llm.Part, bool) {
	if text == "" && details == nil {
		return llm.Part{}, false
	}
	data, _ := json.Marshal(reasoningData{Field: field, Details: details})
	return llm.Part{Kind: llm.KindReasoning, Text: text, Opaque: &llm.Opaque{Provider: chatReasoning, Data: data}}, true
}

// detailsArray returns raw when it is a JSON array, and nil otherwise (a
// server that sends something else sends nothing to echo).
func detailsArray(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' || !json.Valid(raw) {
		return nil
	}
	return bytes.Clone(raw)
}

// joinDetails appends the items of several reasoning_details arrays, for an
// assistant message holding more than one reasoning part.
func joinDetails(arrays []json.RawMessage) json.RawMessage {
	if len(arrays) == 1 {
		return arrays[0]
	}
	var all []json.RawMessage
	for _, a := range arrays {
		var items []json.RawMessage
		if json.Unmarshal(a, &items) == nil {
			all = append(all, items...)
		}
	}
	out, _ := json.Marshal(all)
	return out
}

// detailsBuilder assembles reasoning_details from the fragments a stream
// sends in its deltas. A fragment continues the item before it when both
// have the same index and type (OpenRouter numbers the items of a turn);
// then its text and summary are appended to the item's, and its other
// fields fill those the item lacks. A fragment without an index continues
// only an item of the same type and id that has none either. Anything
// else starts an item, so that no fragment is lost.
type detailsBuilder struct {
	items []*detailItem
}

type detailItem struct {
	fields map[string]json.RawMessage
	texts  map[string]*strings.Builder // "text" and "summary", joined
}

// textFields are the fields whose fragments are joined.
var textFields = []string{"text", "summary"}

func (b *detailsBuilder) add(raw json.RawMessage) {
	var frags []map[string]json.RawMessage
	if json.Unmarshal(raw, &frags) != nil {
		return
	}
	for _, f := range frags {
		if f == nil {
			continue
		}
		it := b.continued(f)
		if it == nil {
			it = &detailItem{fields: map[string]json.RawMessage{}, texts: map[string]*strings.Builder{}}
			b.items = append(b.items, it)
		}
		it.merge(f)
	}
}

// continued returns the item fragment f continues, or nil.
func (b *detailsBuilder) continued(f map[string]json.RawMessage) *detailItem {
	if len(b.items) == 0 {
		return nil
	}
	last := b.items[len(b.items)-1]
	if !sameJSON(last.fields["type"], f["type"]) {
		return nil
	}
	if idx, ok := f["index"]; ok {
		if sameJSON(last.fields["index"], idx) {
			return last
		}
		for _, it := range b.items { // a server returning to an earlier item
			if sameJSON(it.fields["index"], idx) && sameJSON(it.fields["type"], f["type"]) {
				return it
			}
		}
		return nil
	}
	_, lastIndexed := last.fields["index"]
	if lastIndexed || !sameJSON(last.fields["id"], f["id"]) {
		return nil
	}
	for _, k := range textFields {
		if _, ok := f[k]; ok {
			return last
		}
	}
	return nil
}

func (it *detailItem) merge(f map[string]json.RawMessage) {
	for k, v := range f {
		if isTextField(k) {
			var s string
			if json.Unmarshal(v, &s) == nil {
				tb := it.texts[k]
				if tb == nil {
					tb = &strings.Builder{}
					it.texts[k] = tb
				}
				tb.WriteString(s)
				continue
			}
		}
		if old, ok := it.fields[k]; !ok || isBlank(old) {
			it.fields[k] = bytes.Clone(v)
		}
	}
}

// json returns the assembled array, or nil when the stream sent none.
func (b *detailsBuilder) json() json.RawMessage {
	if len(b.items) == 0 {
		return nil
	}
	items := make([]map[string]json.RawMessage, len(b.items))
	for i, it := range b.items {
		items[i] = it.fields
		for k, tb := range it.texts {
			items[i][k], _ = json.Marshal(tb.String())
		}
	}
	out, _ := json.Marshal(items)
	return out
}

func isTextField(k string) bool { return k == "text" || k == "summary" }

func isBlank(v json.RawMessage) bool {
	s := string(bytes.TrimSpace(v))
	return s == "" || s == "null" || s == `""`
}

func sameJSON(a, b json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(a), bytes.TrimSpace(b))
}
