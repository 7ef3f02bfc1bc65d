package llm

import (
	"encoding/json"
	"time"
)

// Request is one call to a model. The zero value of every optional field
// means the provider's default. A Request is not modified by the models that
// receive it, so it may be reused and shared.
type Request struct {
	// Model names the provider's model; empty means the client's default.
	Model string `json:"model,omitempty"`
	// System is the system prompt (the "developer" or "instructions" text).
	System   string     `json:"system,omitempty"`
	Messages []Message  `json:"messages"`
	Tools    []ToolSpec `json:"tools,omitempty"`
	// ToolChoice constrains tool use; the zero value lets the model decide.
	ToolChoice ToolChoice `json:"tool_choice,omitzero"`
	// MaxTokens bounds the output; 0 means the client's default.
	MaxTokens   int      `json:"max_tokens,omitempty"`
	Temperature *float64 `json:"temperature,omitempty"`
	TopP        *float64 `json:"top_p,omitempty"`
	Stop        []string `json:"stop,omitempty"`
	// Reasoning asks a reasoning model for more or less thinking. Providers
	// that take a token budget (Anthropic, Gemini) use ReasoningBudget when set
	// and derive one from Reasoning otherwise.
	Reasoning       Effort `json:"reasoning,omitempty"`
	ReasoningBudget int    `json:"reasoning_budget,omitempty"`
	// Cache steers prompt caching; the zero value caches the stable prefix.
	Cache Cache `json:"cache,omitzero"`
}

// ToolSpec declares a tool to the model. Schema is a JSON Schema object
// describing the arguments with only the truly required properties listed in
// "required"; providers derive their own dialect from it (OpenAI strict mode,
// Gemini's OpenAPI subset).
type ToolSpec struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
}

// ToolMode is how a model may use the tools of a request.
type ToolMode string

const (
	ToolAuto     ToolMode = ""         // the model decides
	ToolNone     ToolMode = "none"     // no tool calls
	ToolRequired ToolMode = "required" // at least one tool call
	ToolNamed    ToolMode = "named"    // a call to the tool named in ToolChoice.Name
)

// ToolChoice constrains tool use. Name is read only with [ToolNamed].
type ToolChoice struct {
	Mode ToolMode `json:"mode,omitempty"`
	Name string   `json:"name,omitempty"`
}

// Effort is a provider-neutral reasoning effort.
type Effort string

const (
	EffortDefault Effort = ""
	EffortMinimal Effort = "minimal"
	EffortLow     Effort = "low"
	EffortMedium  Effort = "medium"
	EffortHigh    Effort = "high"
)

// BudgetTokens maps an effort to a thinking budget for providers that take
// one; it returns 0 for [EffortDefault].
func (e Effort) BudgetTokens() int {
	switch e {
	case EffortMinimal:
		return 1024
	case EffortLow:
		return 2048
	case EffortMedium:
		return 8192
	case EffortHigh:
		return 24576
	}
	return 0
}

// Cache steers prompt caching. By default providers with explicit caching
// (Anthropic) mark the tools and system prefix and the latest message as
// cache breakpoints, so an agent loop re-reads its history from the cache on
// every step; providers with automatic caching need nothing.
type Cache struct {
	// Off disables explicit cache breakpoints.
	Off bool `json:"off,omitempty"`
	// TTL asks for a longer-lived cache entry where supported (Anthropic "1h");
	// 0 means the provider's default.
	TTL time.Duration `json:"ttl,omitempty"`
	// Key groups requests that share a prefix (OpenAI prompt_cache_key).
	Key string `json:"key,omitempty"`
}
