package llm

import "strings"

// ModelInfo is what Conclave knows of a model without asking its provider:
// its context window in tokens and its list price.
type ModelInfo struct {
	Window int   `json:"window"`
	Price  Price `json:"price"`
}

// catalog holds current models by name. Prices are the providers' published
// list prices in dollars per million tokens, for prompts in the cheapest
// length tier, with 5-minute cache writes, as checked on 2026-12-05; some
// providers charge more for long prompts (noted per model below), and none
// of the long-prompt surcharges is modelled. Override them with
// [Meter.Prices] or with an agent's configuration when yours differ.
//
// Every current model has an entry of its own: a name finds an entry only
// by the rule of [Lookup], which never lets one version fall back on
// another's price.
var catalog = map[string]ModelInfo{
	// Anthropic (platform.claude.com/docs/en/about-claude/pricing).
	// Fable 5.1 and Mythos 5.1 read the cache at 0.025× input, not 0.1×.
	"claude-fable-5-2":  {1_000_000, Price{Input: 8, Output: 40, CacheRead: 0.2, CacheWrite: 10}},
	"claude-fable-5-1":  {1_000_000, Price{Input: 10, Output: 50, CacheRead: 0.25, CacheWrite: 12.5}},
	"claude-fable-5":    {1_000_000, Price{Input: 10, Output: 50, CacheRead: 1, CacheWrite: 12.5}},
	"claude-mythos-5-1": {1_000_000, Price{Input: 10, Output: 50, CacheRead: 0.25, CacheWrite: 12.5}},
	"claude-mythos-5":   {1_000_000, Price{Input: 10, Output: 50, CacheRead: 1, CacheWrite: 12.5}},
	"claude-opus-5-5":   {1_000_000, Price{Input: 4, Output: 20, CacheRead: 0.2, CacheWrite: 5}},
	"claude-opus-5":     {1_000_000, Price{Input: 5, Output: 25, CacheRead: 0.5, CacheWrite: 6.25}},
	"claude-opus-4-8":   {1_000_000, Price{Input: 5, Output: 25, CacheRead: 0.5, CacheWrite: 6.25}},
	"claude-opus-4-7":   {1_000_000, Price{Input: 5, Output: 25, CacheRead: 0.5, CacheWrite: 6.25}},
	"claude-opus-4-6":   {1_000_000, Price{Input: 5, Output: 25, CacheRead: 0.5, CacheWrite: 6.25}},
	"claude-opus-4-5":   {200_000, Price{Input: 5, Output: 25, CacheRead: 0.5, CacheWrite: 6.25}},
	"claude-opus-4-1":   {200_000, Price{Input: 15, Output: 75, CacheRead: 1.5, CacheWrite: 18.75}},
	"claude-opus-4":     {200_000, Price{Input: 15, Output: 75, CacheRead: 1.5, CacheWrite: 18.75}},
	"claude-sonnet-5-5": {1_000_000, Price{Input: 2, Output: 10, CacheRead: 0.1, CacheWrite: 2.5}}, // cache read cut from $0.20 on 2026-10-07
	"claude-sonnet-5":   {1_000_000, Price{Input: 2, Output: 10, CacheRead: 0.2, CacheWrite: 2.5}},
	"claude-sonnet-4-6": {1_000_000, Price{Input: 3, Output: 15, CacheRead: 0.3, CacheWrite: 3.75}},
	"claude-sonnet-4-5": {200_000, Price{Input: 3, Output: 15, CacheRead: 0.3, CacheWrite: 3.75}},
	"claude-sonnet-4":   {200_000, Price{Input: 3, Output: 15, CacheRead: 0.3, CacheWrite: 3.75}},
	"claude-haiku-5-5":  {1_000_000, Price{Input: 0.1, Output: 0.5, CacheRead: 0.01, CacheWrite: 0.125}}, // prompts up to 100K tokens; 5× above
	"claude-haiku-4-5":  {200_000, Price{Input: 1, Output: 5, CacheRead: 0.1, CacheWrite: 1.25}},
	// OpenAI (developers.openai.com/api/docs/pricing). Cached input is a
	// cache read. GPT-6 and GPT-5.6 list cache writes at 1.25× input (from
	// GPT-6.1 on, the 30-minute write; a 12-hour write costs twice that);
	// older models do not charge for them. Prompts over 272K input tokens
	// cost 2× input and 1.5× output on GPT-5.4 and later.
	"gpt-6.2-astra": {1_050_000, Price{Input: 8, Output: 40, CacheRead: 0.4, CacheWrite: 10}},
	"gpt-6.2-sol":   {1_050_000, Price{Input: 2, Output: 10, CacheRead: 0.1, CacheWrite: 2.5}},
	"gpt-6.1-terra": {1_050_000, Price{Input: 1, Output: 5, CacheRead: 0.05, CacheWrite: 1.25}},
	"gpt-6.1-sol":   {1_050_000, Price{Input: 2, Output: 10, CacheRead: 0.1, CacheWrite: 2.5}},
	"gpt-6-astra":   {1_050_000, Price{Input: 10, Output: 50, CacheRead: 1, CacheWrite: 12.5}},
	"gpt-6-sol":     {1_050_000, Price{Input: 2, Output: 10, CacheRead: 0.2, CacheWrite: 2.5}},
	"gpt-6-luna":    {1_050_000, Price{Input: 0.1, Output: 0.5, CacheRead: 0.01, CacheWrite: 0.125}},
	"gpt-5.6":       {1_050_000, Price{Input: 5, Output: 30, CacheRead: 0.5, CacheWrite: 6.25}},     // the alias of gpt-5.6-sol
	"gpt-5.6-sol":   {1_050_000, Price{Input: 5, Output: 30, CacheRead: 0.5, CacheWrite: 6.25}},     // back from the $4/$20 promotion on 2026-12-01
	"gpt-5.6-terra": {1_050_000, Price{Input: 2, Output: 12, CacheRead: 0.2, CacheWrite: 2.5}},      // cut on 2026-07-30
	"gpt-5.6-luna":  {1_050_000, Price{Input: 0.2, Output: 1.2, CacheRead: 0.02, CacheWrite: 0.25}}, // cut on 2026-07-30
	"gpt-5.5":       {1_000_000, Price{Input: 5, Output: 30, CacheRead: 0.5}},
	"gpt-5.4":       {1_000_000, Price{Input: 2.5, Output: 15, CacheRead: 0.25}},
	"gpt-5.4-mini":  {1_000_000, Price{Input: 0.75, Output: 4.5, CacheRead: 0.075}},
	"gpt-5.4-nano":  {1_000_000, Price{Input: 0.2, Output: 1.25, CacheRead: 0.02}},
	"gpt-5":         {400_000, Price{Input: 1.25, Output: 10, CacheRead: 0.125}},
	"gpt-5-mini":    {400_000, Price{Input: 0.25, Output: 2, CacheRead: 0.025}},
	"gpt-5-nano":    {400_000, Price{Input: 0.05, Output: 0.4, CacheRead: 0.005}},
	"gpt-4.1":       {1_047_576, Price{Input: 2, Output: 8, CacheRead: 0.5}},
	"gpt-4.1-mini":  {1_047_576, Price{Input: 0.4, Output: 1.6, CacheRead: 0.1}},
	"o3":            {200_000, Price{Input: 2, Output: 8, CacheRead: 0.5}},
	"o4-mini":       {200_000, Price{Input: 1.1, Output: 4.4, CacheRead: 0.275}},
	// Google (ai.google.dev/gemini-api/docs/pricing). Cached input is a
	// cache read; Gemini 4 caches implicitly, with no write or storage
	// charge. Gemini 3.8 Flash is at its price through 2026-12-31 and costs
	// $1.50/$7.50 from 2027-01-01. Gemini 3.1 Pro charges 2× input above
	// 200K-token prompts.
	"gemini-4-carbon":        {1_048_576, Price{Input: 4, Output: 20, CacheRead: 0.2}}, // from 2026-12-01, after $2/$10 at launch
	"gemini-4-argon":         {1_048_576, Price{Input: 4, Output: 20, CacheRead: 0.2}}, // from 2026-12-01, after $2/$10 at launch
	"gemini-4-neon":          {1_048_576, Price{Input: 3, Output: 15, CacheRead: 0.15}},
	"gemini-4-hydrogen":      {1_048_576, Price{Input: 1.5, Output: 7.5, CacheRead: 0.075}},
	"gemini-3.8-flash":       {1_048_576, Price{Input: 0.75, Output: 3.75, CacheRead: 0.075}},
	"gemini-3.5-flash":       {1_048_576, Price{Input: 1.5, Output: 9, CacheRead: 0.15}},
	"gemini-3.1-pro-preview": {1_048_576, Price{Input: 2, Output: 12, CacheRead: 0.2}},
	"gemini-3-pro":           {1_048_576, Price{Input: 2, Output: 12, CacheRead: 0.2}}, // deprecated for gemini-3.1-pro-preview
	"gemini-2.5-pro":         {1_048_576, Price{Input: 1.25, Output: 10, CacheRead: 0.125}},
	"gemini-2.5-flash":       {1_048_576, Price{Input: 0.3, Output: 2.5, CacheRead: 0.03}},
	"gemini-2.5-flash-lite":  {1_048_576, Price{Input: 0.1, Output: 0.4, CacheRead: 0.01}},
	// DeepSeek (api-docs.deepseek.com/quick_start/pricing), at the peak
	// price: off-peak hours cost half, so a budget stops early rather than
	// late. deepseek-v4-flash is a retired name, served and billed as
	// deepseek-flash; deepseek-chat and deepseek-reasoner were retired on
	// 2026-07-24.
	"deepseek-flash":    {1_000_000, Price{Input: 0.3, Output: 1.2, CacheRead: 0.006}},
	"deepseek-v4-flash": {1_000_000, Price{Input: 0.3, Output: 1.2, CacheRead: 0.006}},
	"deepseek-v4-pro":   {1_000_000, Price{Input: 1.32, Output: 3.96, CacheRead: 0.044}},
}

// Lookup returns what the catalog knows of model, by the rule [Meter] uses
// for its prices: the entry of model's exact name, or else of the longest
// catalog name that model continues with a snapshot suffix only:
//
//   - a date or revision after a dash, three digits or more:
//     "claude-sonnet-4-5-20250929", "gpt-5-2025-08-07" (OpenAI's dates
//     begin with their year), "gemini-2.0-flash-001";
//   - a version after an at sign, as Vertex AI writes them:
//     "claude-sonnet-4-5@20250929".
//
// Nothing else continues a name: not a dot ("gpt-5.6-sol" is not "gpt-5"),
// not one or two digits ("claude-fable-5-1" is not "claude-fable-5"), and
// not a word ("gpt-5.4-pro" is not "gpt-5.4"). A model the catalog does not
// name is not found, rather than priced as a neighbour.
func Lookup(model string) (ModelInfo, bool) {
	name, ok := matchModel(catalog, model)
	return catalog[name], ok
}

// DefaultPrices returns a new map of the catalog's prices by model name,
// ready for [Meter.Prices]; add or replace entries to override them.
func DefaultPrices() map[string]Price {
	prices := make(map[string]Price, len(catalog))
	for name, info := range catalog {
		prices[name] = info.Price
	}
	return prices
}

// matchModel returns the key of m that names model by the rule [Lookup]
// documents: model itself, or else the longest key that model continues
// with a snapshot suffix.
func matchModel[V any](m map[string]V, model string) (string, bool) {
	if _, ok := m[model]; ok {
		return model, true
	}
	best, found := "", false
	for k := range m {
		if len(k) > len(best) && strings.HasPrefix(model, k) && snapshotSuffix(model[len(k):]) {
			best, found = k, true
		}
	}
	return best, found
}

// snapshotSuffix reports whether rest, what follows a known name in a model
// name, names a snapshot of that same model: "@" and a version, or "-" and
// a run of three or more digits that ends the name or another "-".
func snapshotSuffix(rest string) bool {
	if len(rest) < 2 {
		return false
	}
	switch rest[0] {
	case '@':
		return true
	case '-':
		digits := rest[1:]
		n := 0
		for n < len(digits) && digits[n] >= '0' && digits[n] <= '9' {
			n++
		}
		return n >= 3 && (n == len(digits) || digits[n] == '-')
	}
	return false
}
