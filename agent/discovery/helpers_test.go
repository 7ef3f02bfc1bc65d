package discovery_test

import (
	"context"
	"testing"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
)

// shop is a small Python project whose discount is applied twice.
var shop = map[string]string{
	"app/__init__.py": "",
	"app/main.py": `from app.orders import total


def main():
    print(total([120, 30]))
`,
	"app/orders.py": `from app.pricing import discount


def total(prices):
    amount = sum(prices)
    return amount - discount(amount) - discount(amount)
`,
	"app/pricing.py": `def discount(amount):
    return amount * 0.1 if amount > 100 else 0
`,
	"tests/test_orders.py": `from app.orders import total


def test_total():
    assert total([120, 30]) == 135
`,
	"README.md": "# Shop\n",
}

const issue = "`total()` takes the discount twice for orders over 100; `discount` itself looks right.\n\n" +
	"Traceback (most recent call last):\n" +
	"  File \"/home/user/shop/app/main.py\", line 5, in main\n" +
	"  File \"/home/user/shop/app/orders.py\", line 6, in total\n" +
	"AssertionError: 120.0 != 135\n"

func withUsage(r llmtest.Reply, in, out int) llmtest.Reply {
	return func(ctx context.Context, req *llm.Request) (*llm.Response, error) {
		resp, err := r(ctx, req)
		if resp != nil {
			resp.Usage = llm.Usage{InputTokens: in, OutputTokens: out}
		}
		return resp, err
	}
}

// lastResult returns the tool result answering the last call of req's
// conversation.
func lastResult(t *testing.T, req *llm.Request) *llm.ToolResult {
	t.Helper()
	last := req.Messages[len(req.Messages)-1]
	for i := len(last.Parts) - 1; i >= 0; i-- {
		if r := last.Parts[i].ToolResult; r != nil {
			return r
		}
	}
	t.Fatalf("no tool result in %+v", last)
	return nil
}
