package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"

	"github.com/conclave-dev/conclave/internal/httpx"
	"github.com/conclave-dev/conclave/internal/sse"
	"github.com/conclave-dev/conclave/llm"
)

// Stream sends req with streaming on and returns its events; see
// [llm.Streamer]. Text, reasoning summary and argument fragments are yielded
// as they arrive, each tool call when its output item is done, and usage and
// the response, equal to what Generate returns, at response.completed (or
// response.incomplete).
//
// A stream that ends before that event, or inside an event, fails with an
// error wrapping [llm.ErrConnection]; response.failed and error events are
// [*llm.APIError]s. Stopping the range early closes the connection; once
// ctx is done the stream fails with ctx's cause.
func (c *ResponsesClient) Stream(ctx context.Context, req *llm.Request) iter.Seq2[llm.Event, error] {
	return func(yield func(llm.Event, error) bool) {
		body, err := c.request(req, true)
		if err != nil {
			yield(llm.Event{}, err)
			return
		}
		resp, err := c.send(ctx, body)
		if err != nil {
			yield(llm.Event{}, err)
			return
		}
		defer resp.Body.Close()
		requestID := c.t.caller.RequestID(resp.Header)
		if isJSON(resp) {
			var rr respResponse
			if err := c.t.caller.DecodeJSON(ctx, resp, &rr); err != nil {
				yield(llm.Event{}, err)
				return
			}
			out, err := rr.response(requestID)
			if err != nil {
				yield(llm.Event{}, c.t.caller.Redact(resp, err))
				return
			}
			replay(out, yield)
			return
		}
		err = decodeResponsesStream(c.t.caller.Body(resp), requestID, func(ev llm.Event) bool { return yield(ev, nil) })
		if err != nil && err != errStopped {
			yield(llm.Event{}, c.t.caller.Redact(resp, classify(ctx, &c.t.caller, err)))
		}
	}
}

// respEvent is one event of a Responses stream; Type says which fields are
// set.
type respEvent struct {
	Type        string        `json:"type"`
	Response    *respResponse `json:"response"`
	Item        *respItem     `json:"item"`
	OutputIndex int           `json:"output_index"`
	Delta       string        `json:"delta"`
	Arguments   string        `json:"arguments"`
	// An "error" event carries these at the top level, or in Error.
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
	Error   *errorDetail    `json:"error"`
}

// decodeResponsesStream reads a Responses event stream from r and yields
// its events; its errors are as for decodeChatStream.
func decodeResponsesStream(r io.Reader, requestID string, yield func(llm.Event) bool) error {
	rd := sse.NewReader(r)
	a := respAssembler{items: map[int]respItem{}, calls: map[int]*llm.ToolCall{}}
	for {
		sev, err := rd.Next()
		if err == io.EOF {
			return fmt.Errorf("%w: the stream ended before response.completed", io.ErrUnexpectedEOF)
		}
		if err != nil {
			return err
		}
		var ev respEvent
		if err := json.Unmarshal(sev.Data, &ev); err != nil {
			return fmt.Errorf("%w: stream event (%v): %s", errMalformed, err, httpx.Snippet(sev.Data))
		}
		if ev.Type == "" {
			ev.Type = sev.Type
		}
		evs, resp, err := a.add(&ev, requestID)
		if err != nil {
			return err
		}
		if err := emit(evs, yield); err != nil {
			return err
		}
		if resp != nil {
			return nil
		}
	}
}

// respAssembler follows a Responses stream.
type respAssembler struct {
	id, model string
	// items holds the finished output items by output index, for servers
	// whose final event omits the output.
	items map[int]respItem
	// calls holds the function calls in progress by output index.
	calls map[int]*llm.ToolCall
	evs   []llm.Event
}

// add handles one event. At the stream's last event it returns the
// response.
func (a *respAssembler) add(ev *respEvent, requestID string) ([]llm.Event, *llm.Response, error) {
	a.evs = a.evs[:0]
	switch ev.Type {
	case "response.created", "response.in_progress":
		if ev.Response != nil {
			a.id, a.model = ev.Response.ID, ev.Response.Model
		}
	case "response.output_item.added":
		if ev.Item != nil && ev.Item.Type == "function_call" {
			a.calls[ev.OutputIndex] = &llm.ToolCall{ID: ev.Item.CallID, Name: ev.Item.Name}
		}
	case "response.output_text.delta", "response.refusal.delta":
		if ev.Delta != "" {
			a.evs = append(a.evs, llm.Event{Kind: llm.EventText, Text: ev.Delta})
		}
	case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
		if ev.Delta != "" {
			a.evs = append(a.evs, llm.Event{Kind: llm.EventReasoning, Text: ev.Delta})
		}
	case "response.function_call_arguments.delta":
		call := a.calls[ev.OutputIndex]
		if call == nil {
			call = &llm.ToolCall{}
			a.calls[ev.OutputIndex] = call
		}
		call.Args = append(call.Args, ev.Delta...)
		a.evs = append(a.evs, llm.Event{Kind: llm.EventToolCallDelta, Text: ev.Delta,
			ToolCall: &llm.ToolCall{ID: call.ID, Name: call.Name}})
	case "response.function_call_arguments.done":
		if call := a.calls[ev.OutputIndex]; call != nil {
			call.Args = json.RawMessage(ev.Arguments)
		}
	case "response.output_item.done":
		if ev.Item == nil {
			break
		}
		it := *ev.Item
		if it.Type == "function_call" {
			if call := a.calls[ev.OutputIndex]; call != nil && it.Arguments == "" {
				it.Arguments = argText(call.Args)
			}
			delete(a.calls, ev.OutputIndex)
			id := it.CallID
			if id == "" {
				id = callID(it.ID, a.id, countCalls(a.items))
			}
			a.evs = append(a.evs, llm.Event{Kind: llm.EventToolCall,
				ToolCall: &llm.ToolCall{ID: id, Name: it.Name, Args: json.RawMessage(it.Arguments)}})
		}
		a.items[ev.OutputIndex] = it
	case "response.completed", "response.incomplete", "response.failed":
		final := ev.Response
		if final == nil {
			final = &respResponse{Status: "completed"}
		}
		if len(final.Output) == 0 {
			final.Output = sortedItems(a.items)
		}
		if final.ID == "" {
			final.ID = a.id
		}
		if final.Model == "" {
			final.Model = a.model
		}
		resp, err := final.response(requestID)
		if err != nil {
			return nil, nil, err
		}
		u := resp.Usage
		a.evs = append(a.evs, llm.Event{Kind: llm.EventUsage, Usage: &u}, llm.Event{Kind: llm.EventDone, Response: resp})
		return a.evs, resp, nil
	case "error":
		d := errorDetail{Message: ev.Message, Code: ev.Code}
		if ev.Error != nil {
			d = *ev.Error
		}
		return nil, nil, streamError(requestID, d)
	}
	return a.evs, nil, nil
}

func countCalls(items map[int]respItem) int {
	n := 0
	for _, it := range items {
		if it.Type == "function_call" {
			n++
		}
	}
	return n
}
