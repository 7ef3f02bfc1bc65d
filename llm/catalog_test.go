package llm_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
)

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		model     string
		window    int
		input     float64
		cacheRead float64
		found     bool
	}{
		// Exact names.
		{"claude-sonnet-4-6", 1_000_000, 3, 0.3, true},
		{"gpt-5", 400_000, 1.25, 0.125, true},
		{"gemini-2.5-flash-lite", 1_048_576, 0.1, 0.01, true},
		// A dot starts a version: gpt-5.6-sol is not gpt-5.
		{"gpt-5.6-sol", 1_050_000, 5, 0.5, true},
		{"gpt-5.6-sol-2026-07-09", 1_050_000, 5, 0.5, true},
		{"gpt-6.1-sol", 1_050_000, 2, 0.1, true},
		{"gpt-6.1-terra", 1_050_000, 1, 0.05, true},
		// One or two digits after a dash are a version, not a date.
		{"claude-fable-5-1", 1_000_000, 10, 0.25, true},
		{"claude-fable-5-1-20260901", 1_000_000, 10, 0.25, true},
		{"claude-sonnet-5-5-20261001", 1_000_000, 2, 0.1, true},
		{"claude-opus-4-1-20250805", 200_000, 15, 1.5, true},
		// Dates, Anthropic's and OpenAI's, and Vertex AI's at sign.
		{"claude-sonnet-4-5-20250929", 200_000, 3, 0.3, true},
		{"claude-sonnet-4-5@20250929", 200_000, 3, 0.3, true},
		{"claude-opus-4@20250514", 200_000, 15, 1.5, true},
		{"gpt-5-2025-08-07", 400_000, 1.25, 0.125, true},
		{"gpt-5.4-mini-2026-03-17", 1_000_000, 0.75, 0.075, true},
		// Neither a new version, nor a variant word, nor an unknown model
		// falls on a neighbour.
		{"gpt-5.7", 0, 0, 0, false},
		{"claude-fable-5-11", 0, 0, 0, false},
		{"claude-sonnet-5-6", 0, 0, 0, false},
		{"gpt-5.4-pro", 0, 0, 0, false},
		{"gpt-6-astra-fast", 0, 0, 0, false},
		{"gpt-5-", 0, 0, 0, false},
		{"gpt-5@", 0, 0, 0, false},
		{"gpt-5-12", 0, 0, 0, false},
		{"gpt-5-2025x", 0, 0, 0, false},
		{"my-local-model", 0, 0, 0, false},
		{"", 0, 0, 0, false},
	} {
		t.Run(tc.model, func(t *testing.T) {
			info, ok := llm.Lookup(tc.model)
			assert.Equal(t, tc.found, ok)
			assert.Equal(t, tc.window, info.Window)
			assert.Equal(t, tc.input, info.Price.Input)
			assert.Equal(t, tc.cacheRead, info.Price.CacheRead)
		})
	}
}

// TestMeterPricesLikeLookup pins that a Meter prices a model by the
// catalog's rule: what Lookup finds, and nothing it does not.
func TestMeterPricesLikeLookup(t *testing.T) {
	for _, model := range []string{"gpt-5.6-sol", "claude-fable-5-1", "claude-sonnet-4-5@20250929", "gpt-5-2025-08-07", "gpt-5.4-pro"} {
		t.Run(model, func(t *testing.T) {
			mt := &llm.Meter{Prices: llm.DefaultPrices()}
			u := llm.Usage{InputTokens: 1_000_000, OutputTokens: 1_000_000, CacheReadTokens: 1_000_000, CacheWriteTokens: 1_000_000}
			_, err := mt.Wrap(llmtest.NewScript(usageReply(model, u))).Generate(t.Context(), &llm.Request{})
			require.NoError(t, err)
			info, found := llm.Lookup(model)
			got := mt.Totals()[model]
			assert.InDelta(t, info.Price.Cost(u), got.Cost, 1e-9)
			assert.Equal(t, !found, got.Unpriced == 1)
		})
	}
}

// TestCatalogIsSane checks every entry for the mistakes a hand-typed price
// list invites: a negative or missing price, a cache read dearer than
// input, output cheaper than input, a window of nothing.
func TestCatalogIsSane(t *testing.T) {
	prices := llm.DefaultPrices()
	require.NotEmpty(t, prices)
	for name, p := range prices {
		info, ok := llm.Lookup(name)
		require.True(t, ok, name)
		assert.Equal(t, p, info.Price, "%s: DefaultPrices agrees with Lookup", name)
		assert.Positive(t, info.Window, "%s: window", name)
		assert.Positive(t, p.Input, "%s: input", name)
		assert.GreaterOrEqual(t, p.CacheRead, 0.0, "%s: cache read", name)
		assert.GreaterOrEqual(t, p.CacheWrite, 0.0, "%s: cache write", name)
		assert.LessOrEqual(t, p.CacheRead, p.Input, "%s: cache read at most input", name)
		assert.GreaterOrEqual(t, p.Output, p.Input, "%s: output at least input", name)
		if p.CacheWrite > 0 {
			assert.GreaterOrEqual(t, p.CacheWrite, p.Input, "%s: cache write at least input", name)
		}
	}
}

func TestDefaultPricesAreACopy(t *testing.T) {
	p := llm.DefaultPrices()
	p["gpt-5"] = llm.Price{Input: 99}
	assert.NotEqual(t, 99.0, llm.DefaultPrices()["gpt-5"].Input)
	info, _ := llm.Lookup("gpt-5")
	assert.Equal(t, 1.25, info.Price.Input)
}

func TestFindPrice(t *testing.T) {
	prices := map[string]llm.Price{"my-finetune": {Input: 1, Output: 2}, "claude": {Input: 100, Output: 100}}
	for model, want := range map[string]bool{
		"my-finetune":          true,
		"my-finetune-20261201": true,
		"my-finetune@v3":       true,
		"my-finetune-v2":       false,
		"my-finetune.1":        false,
		"claude-sonnet-5-5":    false, // a family name prices none of its models
	} {
		p, ok := llm.FindPrice(prices, model)
		assert.Equal(t, want, ok, model)
		if want {
			assert.Equal(t, prices["my-finetune"], p, model)
		}
	}
}
