package llmtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/conclave-dev/conclave/llm"
)

// WeatherTool is the tool [TestModel] offers to the model under test.
var WeatherTool = llm.ToolSpec{
	Name:        "get_weather",
	Description: "Get the current weather for a city.",
	Schema: json.RawMessage(`{"type":"object","properties":{` +
		`"city":{"type":"string","description":"City name"},` +
		`"unit":{"type":"string","enum":["celsius","fahrenheit"]}},` +
		`"required":["city"]}`),
}

// TestModel checks that m honours the [llm.Model] contract, and the
// [llm.Streamer] contract when m streams. It sends these requests, which m
// may answer with any valid response, as a real provider would:
//
//   - a plain question, answered by text;
//   - the same question offering [WeatherTool] with tool use required;
//   - a follow-up carrying a tool call and its result;
//   - four concurrent plain questions;
//   - a plain question with a context already cancelled;
//   - when m streams: the plain and tool questions streamed, and a stream
//     abandoned after its first event.
//
// Every response must be an assistant message whose parts are well formed
// (the field its Kind names is set; tool calls carry an id, a name among
// the offered tools and a JSON object of arguments), whose stop reason is
// one of llm's and agrees with the presence of tool calls, and whose usage
// counts are not negative. Requests must not be modified. A stream's events
// must add up to its final response.
//
// Run TestModel under the race detector: it calls m concurrently.
func TestModel(t *testing.T, m llm.Model) {
	t.Helper()
	ctx := t.Context()

	plain := &llm.Request{
		System:    "You are terse.",
		Messages:  []llm.Message{llm.UserText("Say hello.")},
		MaxTokens: 256,
	}
	tools := &llm.Request{
		Messages:   []llm.Message{llm.UserText("What is the weather in Paris?")},
		Tools:      []llm.ToolSpec{WeatherTool},
		ToolChoice: llm.ToolChoice{Mode: llm.ToolRequired},
		MaxTokens:  256,
	}
	followUp := &llm.Request{
		Messages: []llm.Message{
			llm.UserText("What is the weather in Paris?"),
			{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart("call_1", "get_weather", json.RawMessage(`{"city":"Paris"}`))}},
			{Role: llm.RoleUser, Parts: []llm.Part{llm.ToolResultPart(llm.ToolCall{ID: "call_1", Name: "get_weather"}, "18°C, cloudy", false)}},
		},
		Tools:     []llm.ToolSpec{WeatherTool},
		MaxTokens: 256,
	}

	t.Run("Plain", func(t *testing.T) {
		resp := generate(t, m, plain)
		if resp != nil && len(resp.Message.ToolCalls()) > 0 {
			t.Errorf("a request without tools was answered with tool calls: %v", resp.Message.ToolCalls())
		}
	})
	t.Run("ToolRequired", func(t *testing.T) { generate(t, m, tools) })
	t.Run("ToolResultFollowUp", func(t *testing.T) { generate(t, m, followUp) })
	t.Run("Concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				resp, err := m.Generate(ctx, plain)
				if err == nil {
					err = checkResponse(resp, plain)
				}
				errs[i] = err
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Errorf("concurrent calls: %v", err)
		}
	})
	t.Run("CancelledContext", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		resp, err := m.Generate(cctx, plain)
		if err == nil {
			t.Fatalf("Generate with a cancelled context returned %+v and no error", resp)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Generate with a cancelled context: error %q does not wrap context.Canceled", err)
		}
	})

	s, ok := m.(llm.Streamer)
	if !ok {
		return
	}
	t.Run("StreamPlain", func(t *testing.T) { stream(t, s, plain) })
	t.Run("StreamToolRequired", func(t *testing.T) { stream(t, s, tools) })
	t.Run("StreamAbandoned", func(t *testing.T) {
		before := clone(plain)
		n := 0
		for _, err := range s.Stream(ctx, plain) {
			if err != nil {
				t.Fatalf("Stream: %v", err)
			}
			n++
			break
		}
		if n != 1 {
			t.Errorf("Stream yielded %d events before the break, want 1", n)
		}
		if !reflect.DeepEqual(before, clone(plain)) {
			t.Error("Stream modified the request")
		}
	})
}

func generate(t *testing.T, m llm.Model, req *llm.Request) *llm.Response {
	t.Helper()
	before := clone(req)
	resp, err := m.Generate(t.Context(), req)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if err := checkResponse(resp, req); err != nil {
		t.Error(err)
	}
	if !reflect.DeepEqual(before, clone(req)) {
		t.Error("Generate modified the request")
	}
	return resp
}

func stream(t *testing.T, s llm.Streamer, req *llm.Request) {
	t.Helper()
	var (
		text, reasoning strings.Builder
		calls           []llm.ToolCall
		done            *llm.Response
	)
	for ev, err := range s.Stream(t.Context(), req) {
		if err != nil {
			t.Fatalf("Stream: %v", err)
		}
		if done != nil {
			t.Fatalf("event %q after the done event", ev.Kind)
		}
		switch ev.Kind {
		case llm.EventText:
			text.WriteString(ev.Text)
		case llm.EventReasoning:
			reasoning.WriteString(ev.Text)
		case llm.EventToolCall:
			if ev.ToolCall == nil {
				t.Fatal("tool call event without a ToolCall")
			}
			calls = append(calls, *ev.ToolCall)
		case llm.EventToolCallDelta:
			if ev.ToolCall == nil {
				t.Fatal("tool call delta event without a ToolCall")
			}
		case llm.EventUsage:
			if ev.Usage == nil {
				t.Fatal("usage event without a Usage")
			}
		case llm.EventDone:
			if ev.Response == nil {
				t.Fatal("done event without a Response")
			}
			done = ev.Response
		default:
			t.Fatalf("unknown event kind %q", ev.Kind)
		}
	}
	if done == nil {
		t.Fatal("stream ended without a done event")
	}
	if err := checkResponse(done, req); err != nil {
		t.Error(err)
	}
	if got, want := text.String(), done.Message.Text(); got != want {
		t.Errorf("text deltas add up to %q, the final message says %q", got, want)
	}
	if got, want := calls, done.Message.ToolCalls(); !equalCalls(got, want) {
		t.Errorf("tool call events %v, the final message has %v", got, want)
	}
}

// checkResponse checks the invariants every response must satisfy.
func checkResponse(resp *llm.Response, req *llm.Request) error {
	if resp == nil {
		return errors.New("nil response and nil error")
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if resp.Message.Role != llm.RoleAssistant {
		bad("message role %q, want %q", resp.Message.Role, llm.RoleAssistant)
	}
	offered := map[string]bool{}
	for _, tool := range req.Tools {
		offered[tool.Name] = true
	}
	ids := map[string]bool{}
	for i, p := range resp.Message.Parts {
		switch p.Kind {
		case llm.KindText, llm.KindReasoning:
		case llm.KindToolCall:
			c := p.ToolCall
			if c == nil {
				bad("part %d: tool call part without a ToolCall", i)
				continue
			}
			if c.ID == "" || ids[c.ID] {
				bad("part %d: tool call id %q is empty or repeated", i, c.ID)
			}
			ids[c.ID] = true
			if !offered[c.Name] {
				bad("part %d: call to %q, a tool the request did not offer", i, c.Name)
			}
			var obj map[string]any
			if err := json.Unmarshal(c.Args, &obj); err != nil {
				bad("part %d: arguments %s are not a JSON object: %v", i, c.Args, err)
			}
		case llm.KindToolResult:
			bad("part %d: a tool result in an assistant message", i)
		default:
			bad("part %d: unknown kind %q", i, p.Kind)
		}
	}
	switch resp.StopReason {
	case llm.StopEnd, llm.StopToolUse, llm.StopMaxTokens, llm.StopSequence, llm.StopRefusal, llm.StopOther:
	default:
		bad("unknown stop reason %q", resp.StopReason)
	}
	hasCalls := len(ids) > 0
	if hasCalls && resp.StopReason != llm.StopToolUse && resp.StopReason != llm.StopMaxTokens {
		bad("message has tool calls but stop reason is %q", resp.StopReason)
	}
	if !hasCalls && resp.StopReason == llm.StopToolUse {
		bad("stop reason %q but no tool calls", resp.StopReason)
	}
	u := resp.Usage
	if u.InputTokens < 0 || u.OutputTokens < 0 || u.CacheReadTokens < 0 || u.CacheWriteTokens < 0 || u.ReasoningTokens < 0 {
		bad("negative usage %+v", u)
	}
	if u.ReasoningTokens > u.OutputTokens {
		bad("usage counts %d reasoning tokens, more than its %d output tokens", u.ReasoningTokens, u.OutputTokens)
	}
	return errors.Join(errs...)
}

func equalCalls(a, b []llm.ToolCall) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Name != b[i].Name || !jsonEqual(a[i].Args, b[i].Args) {
			return false
		}
	}
	return true
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return reflect.DeepEqual(x, y)
}
