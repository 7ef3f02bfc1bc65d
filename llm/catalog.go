package llm

import (
	"maps"
	"strings"
)

// ModelInfo is what Conclave knows of a model without asking its provider:
// its context window in tokens and its list price.
type ModelInfo struct {
	Window int   `json:"window"`
	Price  Price `json:"price"`
}

// catalog holds current models by name prefix. Prices are the providers'
// published list prices in dollars per million tokens, for prompts in the
// cheapest length tier, with 5-minute cache writes, as checked in December
// 2026; some providers charge more for long prompts. Override them with
// [Meter.Prices] or with an agent's configuration when yours differ.
var catalog = map[string]ModelInfo{
	// Anthropic.
	"claude-fable-5":    {1_000_000, Price{Input: 10, Output: 50, CacheRead: 1, CacheWrite: 12.5}},
	"claude-opus-5-5":   {1_000_000, Price{Input: 4, Output: 20, CacheRead: 0.2, CacheWrite: 5}},
	"claude-opus-5":     {1_000_000, Price{Input: 5, Output: 25, CacheRead: 0.5, CacheWrite: 6.25}},
	"claude-sonnet-5-5": {1_000_000, Price{Input: 2, Output: 10, CacheRead: 0.1, CacheWrite: 2.5}},
	"claude-sonnet-5":   {1_000_000, Price{Input: 2, Output: 10, CacheRead: 0.2, CacheWrite: 2.5}},
	"claude-haiku-5-5":  {1_000_000, Price{Input: 0.1, Output: 0.5, CacheRead: 0.01, CacheWrite: 0.125}},
	"claude-opus-4-5":   {200_000, Price{Input: 5, Output: 25, CacheRead: 0.5, CacheWrite: 6.25}},
	"claude-opus-4-6":   {1_000_000, Price{Input: 5, Output: 25, CacheRead: 0.5, CacheWrite: 6.25}},
	"claude-opus-4-7":   {1_000_000, Price{Input: 5, Output: 25, CacheRead: 0.5, CacheWrite: 6.25}},
	"claude-opus-4":     {200_000, Price{Input: 15, Output: 75, CacheRead: 1.5, CacheWrite: 18.75}},
	"claude-sonnet-4-6": {1_000_000, Price{Input: 3, Output: 15, CacheRead: 0.3, CacheWrite: 3.75}},
	"claude-sonnet-4":   {200_000, Price{Input: 3, Output: 15, CacheRead: 0.3, CacheWrite: 3.75}},
	"claude-haiku-4-5":  {200_000, Price{Input: 1, Output: 5, CacheRead: 0.1, CacheWrite: 1.25}},
	// OpenAI. Cached input is a cache read; writes are not charged.
	"gpt-5.5":      {1_000_000, Price{Input: 5, Output: 30, CacheRead: 0.5}},
	"gpt-5.4":      {1_000_000, Price{Input: 2.5, Output: 15, CacheRead: 0.25}},
	"gpt-5.4-mini": {1_000_000, Price{Input: 0.75, Output: 4.5, CacheRead: 0.075}},
	"gpt-5.4-nano": {1_000_000, Price{Input: 0.2, Output: 1.25, CacheRead: 0.02}},
	"gpt-5":        {400_000, Price{Input: 1.25, Output: 10, CacheRead: 0.125}},
	"gpt-5-mini":   {400_000, Price{Input: 0.25, Output: 2, CacheRead: 0.025}},
	"gpt-5-nano":   {400_000, Price{Input: 0.05, Output: 0.4, CacheRead: 0.005}},
	"gpt-4.1":      {1_047_576, Price{Input: 2, Output: 8, CacheRead: 0.5}},
	"gpt-4.1-mini": {1_047_576, Price{Input: 0.4, Output: 1.6, CacheRead: 0.1}},
	"o3":           {200_000, Price{Input: 2, Output: 8, CacheRead: 0.5}},
	"o4-mini":      {200_000, Price{Input: 1.1, Output: 4.4, CacheRead: 0.275}},
	// Google.
	"gemini-3-pro":          {1_048_576, Price{Input: 2, Output: 12, CacheRead: 0.2}},
	"gemini-2.5-pro":        {1_048_576, Price{Input: 1.25, Output: 10, CacheRead: 0.125}},
	"gemini-2.5-flash":      {1_048_576, Price{Input: 0.3, Output: 2.5, CacheRead: 0.03}},
	"gemini-2.5-flash-lite": {1_048_576, Price{Input: 0.1, Output: 0.4, CacheRead: 0.01}},
	// DeepSeek.
	"deepseek-chat":     {128_000, Price{Input: 0.28, Output: 0.42, CacheRead: 0.028}},
	"deepseek-reasoner": {128_000, Price{Input: 0.28, Output: 0.42, CacheRead: 0.028}},
}

// Lookup returns what the catalog knows of model: the entry of its exact
// name, or else of the longest name that prefixes it, so that
// "claude-sonnet-4-5-20250929" finds "claude-sonnet-4". It matches the way
// [Meter] finds prices.
func Lookup(model string) (ModelInfo, bool) {
	name, ok := longestPrefix(catalog, model)
	return catalog[name], ok
}

// DefaultPrices returns a new map of the catalog's prices by model name
// prefix, ready for [Meter.Prices]; add or replace entries to override them.
func DefaultPrices() map[string]Price {
	prices := make(map[string]Price, len(catalog))
	for name, info := range catalog {
		prices[name] = info.Price
	}
	return prices
}

// longestPrefix returns the key of m equal to name, or else the longest key
// that prefixes name.
func longestPrefix[V any](m map[string]V, name string) (string, bool) {
	if _, ok := m[name]; ok {
		return name, true
	}
	best, found := "", false
	for k := range maps.Keys(m) {
		if strings.HasPrefix(name, k) && len(k) > len(best) {
			best, found = k, true
		}
	}
	return best, found
}
