// Package llmtest provides fakes and a conformance suite for [llm.Model]
// implementations.
//
// [Script] is a scripted model: it answers requests with replies given in
// advance and records every request, so a test can drive an agent through a
// known conversation and then check what the agent sent. [TestModel] checks
// that any Model honours the contract of package llm.
package llmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/conclave-dev/conclave/llm"
)

// ErrExhausted is returned by a [Script] asked for more replies than it has.
var ErrExhausted = errors.New("llmtest: script has no more replies")

// A Reply answers one request.
type Reply func(ctx context.Context, req *llm.Request) (*llm.Response, error)

// Script is a scripted [llm.Model]: the n-th call to Generate is answered by
// the n-th reply, and every request is recorded. It is safe for concurrent
// use; concurrent calls take replies in the order they arrive.
//
// When the replies run out, Fallback answers if it is set; otherwise
// Generate fails with [ErrExhausted], naming the call and the last user
// message so that the test's author sees what the script did not expect.
type Script struct {
	// Name is reported as the Response's Model when a reply does not set one.
	Name     string
	Replies  []Reply
	Fallback Reply

	mu       sync.Mutex
	next     int
	requests []*llm.Request
}

// NewScript returns a Script answering with replies in order.
func NewScript(replies ...Reply) *Script { return &Script{Replies: replies} }

// Generate answers req with the next reply.
func (s *Script) Generate(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	if err := context.Cause(ctx); err != nil {
		return nil, fmt.Errorf("llmtest: %w", err)
	}
	s.mu.Lock()
	s.requests = append(s.requests, clone(req))
	n := s.next
	s.next++
	reply := s.Fallback
	if n < len(s.Replies) {
		reply = s.Replies[n]
	}
	s.mu.Unlock()
	if reply == nil {
		return nil, fmt.Errorf("%w: call %d, %d scripted; last user message: %q",
			ErrExhausted, n+1, len(s.Replies), lastUserText(req))
	}
	resp, err := reply(ctx, req)
	if resp != nil {
		if resp.Model == "" {
			resp.Model = s.Name
		}
		if resp.Message.Role == "" {
			resp.Message.Role = llm.RoleAssistant
		}
	}
	return resp, err
}

// Requests returns copies of the requests received so far, in order.
func (s *Script) Requests() []*llm.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*llm.Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = clone(r)
	}
	return out
}

// Remaining returns how many scripted replies have not been used.
func (s *Script) Remaining() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(0, len(s.Replies)-s.next)
}

// Say replies with text and [llm.StopEnd].
func Say(text string) Reply {
	return Respond(&llm.Response{Message: llm.AssistantText(text), StopReason: llm.StopEnd})
}

// CallTools replies with one tool call per name/arguments pair; args must be
// JSON. Call ids are "call_1", "call_2", … in the order of the calls of the
// whole script, so that every id in a conversation is unique.
func CallTools(nameArgs ...string) Reply {
	if len(nameArgs) == 0 || len(nameArgs)%2 != 0 {
		panic("llmtest.CallTools: want name, args pairs")
	}
	return func(ctx context.Context, req *llm.Request) (*llm.Response, error) {
		msg := llm.Message{Role: llm.RoleAssistant}
		seen := countCalls(req)
		for i := 0; i < len(nameArgs); i += 2 {
			id := fmt.Sprintf("call_%d", seen+i/2+1)
			msg.Parts = append(msg.Parts, llm.ToolCallPart(id, nameArgs[i], json.RawMessage(nameArgs[i+1])))
		}
		return &llm.Response{Message: msg, StopReason: llm.StopToolUse}, nil
	}
}

// Fail replies with err.
func Fail(err error) Reply {
	return func(context.Context, *llm.Request) (*llm.Response, error) { return nil, err }
}

// Respond replies with a copy of resp.
func Respond(resp *llm.Response) Reply {
	return func(context.Context, *llm.Request) (*llm.Response, error) {
		c := *resp
		c.Message.Parts = make([]llm.Part, len(resp.Message.Parts))
		for i, p := range resp.Message.Parts {
			c.Message.Parts[i] = clonePart(p)
		}
		return &c, nil
	}
}

// countCalls counts the tool calls already in the conversation.
func countCalls(req *llm.Request) int {
	n := 0
	for _, m := range req.Messages {
		n += len(m.ToolCalls())
	}
	return n
}

func lastUserText(req *llm.Request) string {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		m := req.Messages[i]
		if m.Role != llm.RoleUser {
			continue
		}
		for _, p := range m.Parts {
			switch p.Kind {
			case llm.KindText:
				return p.Text
			case llm.KindToolResult:
				return p.ToolResult.Content
			}
		}
	}
	return ""
}

// clone deep-copies a request, so that recorded requests alias none of the
// caller's slices.
func clone(req *llm.Request) *llm.Request {
	c := *req
	c.Stop = slices.Clone(req.Stop)
	c.Tools = slices.Clone(req.Tools)
	for i := range c.Tools {
		c.Tools[i].Schema = bytes.Clone(c.Tools[i].Schema)
	}
	c.Messages = make([]llm.Message, len(req.Messages))
	for i, m := range req.Messages {
		c.Messages[i] = llm.Message{Role: m.Role, Parts: make([]llm.Part, len(m.Parts))}
		for j, p := range m.Parts {
			c.Messages[i].Parts[j] = clonePart(p)
		}
	}
	return &c
}

func clonePart(p llm.Part) llm.Part {
	if p.ToolCall != nil {
		tc := *p.ToolCall
		tc.Args = bytes.Clone(tc.Args)
		p.ToolCall = &tc
	}
	if p.ToolResult != nil {
		tr := *p.ToolResult
		p.ToolResult = &tr
	}
	if p.Opaque != nil {
		o := *p.Opaque
		o.Data = bytes.Clone(o.Data)
		p.Opaque = &o
	}
	return p
}
