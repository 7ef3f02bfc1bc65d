package anthropic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strings"

	"github.com/conclave-dev/conclave/internal/httpx"
	"github.com/conclave-dev/conclave/internal/sse"
	"github.com/conclave-dev/conclave/llm"
)

// streamEvent is any event of a Messages stream; Type says which fields
// are set.
type streamEvent struct {
	Type         string          `json:"type"`
	Message      *wireMessage    `json:"message"`
	Index        int             `json:"index"`
	ContentBlock json.RawMessage `json:"content_block"`
	Delta        struct {
		Type        string `json:"type"`
		Text        string `json:"text"`
		PartialJSON string `json:"partial_json"`
		Thinking    string `json:"thinking"`
		Signature   string `json:"signature"`
		StopReason  string `json:"stop_reason"`
	} `json:"delta"`
	Usage *wireUsage `json:"usage"`
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// decoder assembles a streamed message from its events. It is used once,
// by one goroutine.
type decoder struct {
	requestID string
	resp      llm.Response
	blocks    []*streamBlock // in the order they started
	byIndex   map[int]*streamBlock
	started   bool // message_start was seen
}

// streamBlock is a content block being streamed.
type streamBlock struct {
	index     int
	typ       string
	text      strings.Builder // text or thinking
	signature string
	call      *llm.ToolCall // ID and Name of a tool_use, shared by its delta events
	input     json.RawMessage
	args      bytes.Buffer    // input_json_delta fragments
	raw       json.RawMessage // a redacted_thinking block
	stopped   bool
}

// events reads the stream from r and yields the llm events it makes, the
// last one [llm.EventDone]. A stream that ends early or cannot be read is
// an error wrapping [llm.ErrConnection]; an event that is not the JSON the
// API sends is a plain error.
func (d *decoder) events(r io.Reader) iter.Seq2[llm.Event, error] {
	return func(yield func(llm.Event, error) bool) {
		sr := sse.NewReader(r)
		for {
			raw, err := sr.Next()
			if err == io.EOF {
				yield(llm.Event{}, fmt.Errorf("anthropic: %w: the stream ended before message_stop", llm.ErrConnection))
				return
			}
			if err != nil {
				yield(llm.Event{}, httpx.ReadError(provider, fmt.Errorf("anthropic: reading the stream: %w", err)))
				return
			}
			ev, ok, err := d.handle(raw.Type, raw.Data)
			if err != nil {
				yield(llm.Event{}, err)
				return
			}
			if ok && (!yield(ev, nil) || ev.Kind == llm.EventDone) {
				return
			}
		}
	}
}

// handle applies one event and returns the llm event it makes, if any.
// Events, blocks and deltas of types this package does not know are
// ignored, so that additions to the API do not break the stream.
func (d *decoder) handle(name string, data []byte) (llm.Event, bool, error) {
	var ev streamEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		if tolerated(name, data) {
			return llm.Event{}, false, nil
		}
		return llm.Event{}, false, fmt.Errorf("anthropic: malformed %s event (%v): %s", name, err, httpx.Snippet(data))
	}
	if ev.Type == "" {
		ev.Type = name
	}
	switch ev.Type {
	case "message_start":
		if ev.Message == nil {
			return llm.Event{}, false, errors.New("anthropic: message_start event without a message")
		}
		d.started = true
		d.resp.ID, d.resp.Model, d.resp.ProviderStopReason = ev.Message.ID, ev.Message.Model, ev.Message.StopReason
		ev.Message.Usage.apply(&d.resp.Usage)
		return d.usage(), true, nil
	case "content_block_start":
		return d.start(ev.Index, ev.ContentBlock)
	case "content_block_delta":
		return d.delta(&ev)
	case "content_block_stop":
		b, err := d.block(ev.Index)
		switch {
		case err != nil:
			return llm.Event{}, false, err
		case b.stopped:
			return llm.Event{}, false, fmt.Errorf("anthropic: malformed stream: content block %d stopped twice", ev.Index)
		}
		b.stopped = true
		if b.typ != "tool_use" {
			return llm.Event{}, false, nil
		}
		return llm.Event{Kind: llm.EventToolCall, ToolCall: b.part().ToolCall}, true, nil
	case "message_delta":
		if ev.Delta.StopReason != "" {
			d.resp.ProviderStopReason = ev.Delta.StopReason
		}
		if ev.Usage != nil {
			ev.Usage.apply(&d.resp.Usage)
		}
		return d.usage(), true, nil
	case "message_stop":
		if !d.started {
			return llm.Event{}, false, errors.New("anthropic: malformed stream: message_stop without message_start")
		}
		for _, b := range d.blocks {
			if !b.stopped {
				return llm.Event{}, false, fmt.Errorf("anthropic: malformed stream: message_stop before content block %d stopped", b.index)
			}
		}
		return llm.Event{Kind: llm.EventDone, Response: d.response()}, true, nil
	case "error":
		return llm.Event{}, false, d.apiError(ev.Error)
	}
	return llm.Event{}, false, nil // ping, and anything new
}

// tolerated reports whether an event that did not decode is an addition
// to the API rather than a malformed event: an event of a type this package
// does not read, or a delta of such a type whose fields differ from the
// known deltas'.
func tolerated(name string, data []byte) bool {
	var head struct {
		Type  string `json:"type"`
		Delta struct {
			Type string `json:"type"`
		} `json:"delta"`
	}
	if json.Unmarshal(data, &head) != nil {
		return false
	}
	if head.Type == "" {
		head.Type = name
	}
	switch head.Type {
	case "content_block_delta":
		switch head.Delta.Type {
		case "text_delta", "thinking_delta", "signature_delta", "input_json_delta":
			return false
		}
		return true
	case "message_start", "content_block_start", "content_block_stop", "message_delta", "message_stop", "error":
		return false
	}
	return true
}

func (d *decoder) start(index int, raw json.RawMessage) (llm.Event, bool, error) {
	if _, dup := d.byIndex[index]; dup {
		return llm.Event{}, false, fmt.Errorf("anthropic: malformed stream: content block %d started twice", index)
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return llm.Event{}, false, fmt.Errorf("anthropic: malformed content_block_start event (%v): %s", err, httpx.Snippet(raw))
	}
	sb := &streamBlock{index: index, typ: head.Type}
	if d.byIndex == nil {
		d.byIndex = map[int]*streamBlock{}
	}
	d.byIndex[index] = sb
	d.blocks = append(d.blocks, sb)
	var b block
	switch head.Type {
	case "text", "thinking", "tool_use":
		if err := json.Unmarshal(raw, &b); err != nil {
			return llm.Event{}, false, fmt.Errorf("anthropic: malformed %s block (%v): %s", head.Type, err, httpx.Snippet(raw))
		}
	case "redacted_thinking":
		sb.raw = compact(raw, "")
		return llm.Event{}, false, nil
	default:
		return llm.Event{}, false, nil // a block type this package does not know; its deltas are ignored
	}
	switch b.Type {
	case "text":
		sb.text.WriteString(b.Text)
		if b.Text != "" {
			return llm.Event{Kind: llm.EventText, Text: b.Text}, true, nil
		}
	case "thinking":
		sb.signature = b.Signature
		if b.Thinking != nil && *b.Thinking != "" {
			sb.text.WriteString(*b.Thinking)
			return llm.Event{Kind: llm.EventReasoning, Text: *b.Thinking}, true, nil
		}
	case "tool_use":
		sb.call = &llm.ToolCall{ID: b.ID, Name: b.Name}
		sb.input = b.Input
	}
	return llm.Event{}, false, nil
}

// deltaBlock is the block type each known delta type applies to.
var deltaBlock = map[string]string{
	"text_delta":       "text",
	"thinking_delta":   "thinking",
	"signature_delta":  "thinking",
	"input_json_delta": "tool_use",
}

func (d *decoder) delta(ev *streamEvent) (llm.Event, bool, error) {
	b, err := d.block(ev.Index)
	if err != nil {
		return llm.Event{}, false, err
	}
	dl := &ev.Delta
	want, ok := deltaBlock[dl.Type]
	switch {
	case !ok, b.typ != "text" && b.typ != "thinking" && b.typ != "tool_use":
		return llm.Event{}, false, nil // an unknown delta, or a delta of an unknown block
	case want != b.typ:
		return llm.Event{}, false, fmt.Errorf("anthropic: malformed stream: %s for content block %d, a %s block", dl.Type, ev.Index, b.typ)
	case b.stopped:
		return llm.Event{}, false, fmt.Errorf("anthropic: malformed stream: %s for content block %d after it stopped", dl.Type, ev.Index)
	}
	switch dl.Type {
	case "text_delta":
		b.text.WriteString(dl.Text)
		return llm.Event{Kind: llm.EventText, Text: dl.Text}, dl.Text != "", nil
	case "thinking_delta":
		b.text.WriteString(dl.Thinking)
		return llm.Event{Kind: llm.EventReasoning, Text: dl.Thinking}, dl.Thinking != "", nil
	case "signature_delta":
		b.signature += dl.Signature
		return llm.Event{}, false, nil
	}
	b.args.WriteString(dl.PartialJSON)
	return llm.Event{Kind: llm.EventToolCallDelta, Text: dl.PartialJSON, ToolCall: b.call}, dl.PartialJSON != "", nil
}

func (d *decoder) block(index int) (*streamBlock, error) {
	b, ok := d.byIndex[index]
	if !ok {
		return nil, fmt.Errorf("anthropic: malformed stream: event for content block %d, which never started", index)
	}
	return b, nil
}

func (d *decoder) usage() llm.Event {
	u := d.resp.Usage
	return llm.Event{Kind: llm.EventUsage, Usage: &u}
}

// response returns the assembled response, with the parts a non-streamed
// response of the same message would have.
func (d *decoder) response() *llm.Response {
	resp := d.resp
	resp.RequestID = d.requestID
	resp.StopReason = stopReason(resp.ProviderStopReason)
	resp.Message = llm.Message{Role: llm.RoleAssistant}
	for _, b := range d.blocks {
		switch b.typ {
		case "text", "thinking", "tool_use", "redacted_thinking":
			resp.Message.Parts = append(resp.Message.Parts, b.part())
		}
	}
	return &resp
}

func (b *streamBlock) part() llm.Part {
	switch b.typ {
	case "thinking":
		return llm.Part{Kind: llm.KindReasoning, Text: b.text.String(), Opaque: &llm.Opaque{Provider: provider, Signature: b.signature}}
	case "redacted_thinking":
		return llm.Part{Kind: llm.KindReasoning, Opaque: &llm.Opaque{Provider: provider, Data: b.raw}}
	case "tool_use":
		args := b.args.Bytes()
		if b.args.Len() == 0 {
			args = b.input // a call streamed without fragments has its input at the start
		}
		return llm.ToolCallPart(b.call.ID, b.call.Name, compact(args, "{}"))
	}
	return llm.TextPart(b.text.String())
}

func (d *decoder) apiError(body *struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}) error {
	e := &llm.APIError{Provider: provider, StatusCode: http.StatusInternalServerError, RequestID: d.requestID}
	if body != nil {
		e.Type, e.Message = body.Type, body.Message
		if s, ok := errorStatus[body.Type]; ok {
			e.StatusCode = s
		}
		e.Err = condition(body.Type, body.Message)
	}
	return e
}
