package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/conclave-dev/conclave/llm"
)

// history500 returns a task and 499 messages of tool calls and 2 KB results.
func history500() []llm.Message {
	h := []llm.Message{llm.UserText("the task")}
	out := strings.Repeat("some tool output line\n", 100)
	for i := 0; len(h) < 500; i++ {
		call := llm.ToolCall{ID: fmt.Sprint("c", i), Name: "bash", Args: json.RawMessage(`{"command":"cat file"}`)}
		h = append(h,
			llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{llm.TextPart("Looking."), {Kind: llm.KindToolCall, ToolCall: &call}}},
			llm.Message{Role: llm.RoleUser, Parts: []llm.Part{llm.ToolResultPart(call, out, false)}})
	}
	return h[:500]
}

// BenchmarkTrim measures fitting a 500-message history (about 1.1 MB) into
// a window: by eliding tool outputs alone, and by eliding and summarising
// (with a zero-latency summariser).
func BenchmarkTrim(b *testing.B) {
	summary := llm.ModelFunc(func(context.Context, *llm.Request) (*llm.Response, error) {
		return &llm.Response{Message: llm.AssistantText("a summary"), StopReason: llm.StopEnd}, nil
	})
	orig := history500()
	for _, bc := range []struct {
		name   string
		window int
		stage  string
	}{
		{"elide", 150_000, "elide"},
		{"summary", 50_000, "summary"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			a := &Agent{Model: summary, Window: bc.window}
			r := a.newRunner("the task", nil)
			b.ReportAllocs()
			for b.Loop() {
				r.history, r.win.ratio = orig, initialRatio
				trims, err := r.fit(context.Background(), 1, "window", false)
				if err != nil || len(trims) == 0 || trims[len(trims)-1].Stage != bc.stage {
					b.Fatalf("trims %+v, err %v", trims, err)
				}
			}
		})
	}
}
