package llm_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conclave-dev/conclave/llm"
)

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		model  string
		window int
		input  float64
		found  bool
	}{
		{"claude-sonnet-4-5-20250929", 200_000, 3, true},
		{"claude-sonnet-4-6", 1_000_000, 3, true},
		{"claude-sonnet-5-5-20261001", 1_000_000, 2, true},
		{"gpt-5.4-mini-2026-03-17", 1_000_000, 0.75, true},
		{"gpt-5", 400_000, 1.25, true},
		{"gemini-2.5-flash-lite", 1_048_576, 0.1, true},
		{"my-local-model", 0, 0, false},
	} {
		t.Run(tc.model, func(t *testing.T) {
			info, ok := llm.Lookup(tc.model)
			assert.Equal(t, tc.found, ok)
			assert.Equal(t, tc.window, info.Window)
			assert.Equal(t, tc.input, info.Price.Input)
		})
	}
}

func TestDefaultPricesAreACopy(t *testing.T) {
	p := llm.DefaultPrices()
	p["gpt-5"] = llm.Price{Input: 99}
	assert.NotEqual(t, 99.0, llm.DefaultPrices()["gpt-5"].Input)
	info, _ := llm.Lookup("gpt-5")
	assert.Equal(t, 1.25, info.Price.Input)
}
