package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/llm"
)

// instant is a zero-latency model that always calls noop.
func instant() llm.Model {
	var n atomic.Int64
	return llm.ModelFunc(func(ctx context.Context, req *llm.Request) (*llm.Response, error) {
		id := fmt.Sprint("c", n.Add(1))
		return &llm.Response{
			Message:    llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart(id, "noop", json.RawMessage(`{}`))}},
			StopReason: llm.StopToolUse,
			Usage:      llm.Usage{InputTokens: 100, OutputTokens: 10},
		}, nil
	})
}

// BenchmarkStep compares a step of the loop (model call, tool call,
// events, bookkeeping) with the bare model call it wraps. Compare the
// ns/step of the two sub-benchmarks.
func BenchmarkStep(b *testing.B) {
	const steps = 100
	b.Run("model", func(b *testing.B) {
		m := instant()
		req := &llm.Request{Messages: []llm.Message{llm.UserText("task")}}
		b.ReportAllocs()
		for b.Loop() {
			for range steps {
				if _, err := m.Generate(b.Context(), req); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*steps), "ns/step")
	})
	b.Run("agent", func(b *testing.B) {
		a := &agent.Agent{Model: instant(), Tools: noopTools(b), Limits: agent.Limits{Steps: steps}, Observer: func(agent.Event) {}}
		b.ReportAllocs()
		for b.Loop() {
			run, err := a.Run(b.Context(), "task")
			if err != nil || run.Reason != agent.StopSteps {
				b.Fatal(run.Reason, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*steps), "ns/step")
	})
}
