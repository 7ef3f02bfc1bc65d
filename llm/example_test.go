package llm_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
)

// A model stack for an ensemble: a meter with a budget outermost, a
// concurrency limit shared by every agent, and retries next to the
// provider. The provider here is a scripted fake that is rate limited once.
func Example() {
	provider := llmtest.NewScript(
		llmtest.Fail(&llm.APIError{Provider: "fake", StatusCode: 429}),
		llmtest.Respond(&llm.Response{
			Model:      "fake-1",
			Message:    llm.AssistantText("The bug is in parse()."),
			StopReason: llm.StopEnd,
			Usage:      llm.Usage{InputTokens: 1200, OutputTokens: 80},
		}),
	)
	meter := &llm.Meter{
		Prices: map[string]llm.Price{"fake-1": {Input: 3, Output: 15}},
		Budget: llm.Budget{Dollars: 1},
	}
	policy := &llm.RetryPolicy{BaseDelay: 1} // a nanosecond, for the example
	m := llm.Chain(provider, meter.Wrap, llm.NewLimiter(4).Wrap, llm.Retry(policy))

	resp, err := m.Generate(context.Background(), &llm.Request{
		System:   "You are a careful engineer.",
		Messages: []llm.Message{llm.UserText("Where is the bug?")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Message.Text())
	spent := meter.Spent()
	fmt.Printf("%d call, %d tokens, $%.4f\n", spent.Calls, spent.Usage.Total(), spent.Cost)
	// Output:
	// The bug is in parse().
	// 1 call, 1280 tokens, $0.0048
}

func ExampleStream() {
	m := llmtest.NewScript(llmtest.CallTools("bash", `{"command":"go test ./..."}`))
	for ev, err := range llm.Stream(context.Background(), m, &llm.Request{}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		switch ev.Kind {
		case llm.EventToolCall:
			fmt.Printf("call %s %s\n", ev.ToolCall.Name, ev.ToolCall.Args)
		case llm.EventDone:
			fmt.Println("stop:", ev.Response.StopReason)
		}
	}
	// Output:
	// call bash {"command":"go test ./..."}
	// stop: tool_use
}

func ExampleAPIError() {
	err := fmt.Errorf("agent step 3: %w", &llm.APIError{
		Provider: "anthropic", StatusCode: 529, Type: "overloaded_error", Message: "Overloaded",
	})
	fmt.Println(errors.Is(err, llm.ErrOverloaded), llm.IsRetryable(err))
	// Output: true true
}
