package llm

// Response is a model's answer to one [Request].
type Response struct {
	// Message is the assistant turn, to be appended to the conversation as is.
	Message    Message    `json:"message"`
	StopReason StopReason `json:"stop_reason"`
	// ProviderStopReason is the provider's own word for why it stopped.
	ProviderStopReason string `json:"provider_stop_reason,omitempty"`
	Usage              Usage  `json:"usage"`
	// Model is the model that answered, as the provider reports it.
	Model string `json:"model,omitempty"`
	// ID is the provider's id for the response (msg_…, chatcmpl-…, resp_…).
	ID string `json:"id,omitempty"`
	// RequestID is the provider's request id from the response headers, the
	// number its support asks for.
	RequestID string `json:"request_id,omitempty"`
}

// StopReason is why a model stopped, normalised across providers.
type StopReason string

const (
	StopEnd       StopReason = "end"           // the turn is complete
	StopToolUse   StopReason = "tool_use"      // the message holds tool calls to run
	StopMaxTokens StopReason = "max_tokens"    // the output hit MaxTokens
	StopSequence  StopReason = "stop_sequence" // a Stop sequence was produced
	StopRefusal   StopReason = "refusal"       // refused or filtered by the provider
	StopOther     StopReason = "other"         // anything else; see ProviderStopReason
)

// Usage counts the tokens of one call. The input is split by cache state so
// that each count has one price: InputTokens is input neither read from nor
// written to the cache. ReasoningTokens is the part of OutputTokens spent on
// thinking.
type Usage struct {
	InputTokens      int `json:"input_tokens"`
	OutputTokens     int `json:"output_tokens"`
	CacheReadTokens  int `json:"cache_read_tokens,omitempty"`
	CacheWriteTokens int `json:"cache_write_tokens,omitempty"`
	ReasoningTokens  int `json:"reasoning_tokens,omitempty"`
}

// Add returns the sum of u and v.
func (u Usage) Add(v Usage) Usage {
	return Usage{
		InputTokens:      u.InputTokens + v.InputTokens,
		OutputTokens:     u.OutputTokens + v.OutputTokens,
		CacheReadTokens:  u.CacheReadTokens + v.CacheReadTokens,
		CacheWriteTokens: u.CacheWriteTokens + v.CacheWriteTokens,
		ReasoningTokens:  u.ReasoningTokens + v.ReasoningTokens,
	}
}

// Total returns every input and output token counted once.
func (u Usage) Total() int {
	return u.InputTokens + u.CacheReadTokens + u.CacheWriteTokens + u.OutputTokens
}
