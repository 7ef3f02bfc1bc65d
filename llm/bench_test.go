package llm_test

import (
	"context"
	"testing"

	"github.com/conclave-dev/conclave/llm"
)

var benchResp = &llm.Response{Message: llm.AssistantText("ok"), StopReason: llm.StopEnd, Model: "m", Usage: llm.Usage{InputTokens: 10, OutputTokens: 2}}

func bare() llm.Model {
	return llm.ModelFunc(func(context.Context, *llm.Request) (*llm.Response, error) { return benchResp, nil })
}

// BenchmarkMiddleware measures what each wrapper adds to a call; compare
// each sub-benchmark with Bare, measured in the same run.
func BenchmarkMiddleware(b *testing.B) {
	req := &llm.Request{Messages: []llm.Message{llm.UserText("hi")}}
	cases := []struct {
		name string
		m    llm.Model
	}{
		{"Bare", bare()},
		{"Retry", llm.Retry(nil)(bare())},
		{"Limit", llm.NewLimiter(4).Wrap(bare())},
		{"Meter", (&llm.Meter{Prices: map[string]llm.Price{"m": {Input: 1}}, Budget: llm.Budget{Dollars: 1e9}}).Wrap(bare())},
		{"All", llm.Chain(bare(), (&llm.Meter{}).Wrap, llm.NewLimiter(4).Wrap, llm.Retry(nil))},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				if _, err := c.m.Generate(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
