package openai

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

// Usage is decided from the reply's own arithmetic, so that it matches the
// bill: Input + CacheRead + CacheWrite + Output equals the server's total
// wherever it gives one, for Generate and Stream, Chat Completions and
// Responses. Before, reasoning that xAI counts outside completion_tokens
// was dropped from OutputTokens (which came out smaller than
// ReasoningTokens), and OpenRouter's cache writes were priced as input.
func TestUsageMatchesTheTotal(t *testing.T) {
	tests := []struct {
		name  string
		usage string // the server's usage object
		total int    // its total_tokens; 0 when it gives none
		want  llm.Usage
	}{
		{"OpenAI: reasoning inside completion, cached inside prompt",
			`{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,
			  "prompt_tokens_details":{"cached_tokens":100},"completion_tokens_details":{"reasoning_tokens":10}}`, 150,
			llm.Usage{InputTokens: 20, CacheReadTokens: 100, OutputTokens: 30, ReasoningTokens: 10}},
		{"xAI: reasoning outside completion",
			`{"prompt_tokens":100,"completion_tokens":20,"total_tokens":300,
			  "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":180}}`, 300,
			llm.Usage{InputTokens: 100, OutputTokens: 200, ReasoningTokens: 180}},
		{"OpenRouter: Grok with cache reads",
			`{"prompt_tokens":50,"completion_tokens":5,"total_tokens":100,
			  "prompt_tokens_details":{"cached_tokens":10},"completion_tokens_details":{"reasoning_tokens":45},"cost":0.001}`, 100,
			llm.Usage{InputTokens: 40, CacheReadTokens: 10, OutputTokens: 50, ReasoningTokens: 45}},
		{"OpenRouter: cache writes",
			`{"prompt_tokens":194,"completion_tokens":2,"total_tokens":196,
			  "prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":100,"audio_tokens":0},
			  "completion_tokens_details":{"reasoning_tokens":0},"cost":0.95}`, 196,
			llm.Usage{InputTokens: 94, CacheWriteTokens: 100, OutputTokens: 2}},
		{"OpenRouter: cache reads and writes",
			`{"prompt_tokens":3000,"completion_tokens":40,"total_tokens":3040,
			  "prompt_tokens_details":{"cached_tokens":2000,"cache_write_tokens":900}}`, 3040,
			llm.Usage{InputTokens: 100, CacheReadTokens: 2000, CacheWriteTokens: 900, OutputTokens: 40}},
		{"DeepSeek: cache hits apart",
			`{"prompt_tokens":100,"completion_tokens":8,"total_tokens":108,"prompt_cache_hit_tokens":64,"prompt_cache_miss_tokens":36,
			  "completion_tokens_details":{"reasoning_tokens":5}}`, 108,
			llm.Usage{InputTokens: 36, CacheReadTokens: 64, OutputTokens: 8, ReasoningTokens: 5}},
		{"no total, reasoning beyond the completion",
			`{"prompt_tokens":10,"completion_tokens":4,"completion_tokens_details":{"reasoning_tokens":30}}`, 0,
			llm.Usage{InputTokens: 10, OutputTokens: 34, ReasoningTokens: 30}},
		{"a total below the parts is not believed",
			`{"prompt_tokens":10,"completion_tokens":4,"total_tokens":7}`, 0,
			llm.Usage{InputTokens: 10, OutputTokens: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := fmt.Sprintf(`{"id":"c","model":"m","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"ok"}}],"usage":%s}`, tt.usage)
			sse := chatSSE(`{"id":"c","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"ok"}}]}`,
				`{"id":"c","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`,
				fmt.Sprintf(`{"id":"c","model":"m","choices":[],"usage":%s}`, tt.usage))
			srv := serve(t, ok(body), stream(sse))
			c := newChat(t, srv)
			resp, err := c.Generate(t.Context(), hello)
			require.NoError(t, err)
			assert.Equal(t, tt.want, resp.Usage, "Generate")
			streamed, err := llm.Collect(c.Stream(t.Context(), hello))
			require.NoError(t, err)
			assert.Equal(t, tt.want, streamed.Usage, "Stream")
			if tt.total > 0 {
				assert.Equal(t, tt.total, resp.Usage.Total(), "the parts add up to the server's total")
			}
			assert.LessOrEqual(t, resp.Usage.ReasoningTokens, resp.Usage.OutputTokens, "reasoning is part of the output")
		})
	}
}

func TestResponsesUsageMatchesTheTotal(t *testing.T) {
	tests := []struct {
		name, usage string
		total       int
		want        llm.Usage
	}{
		{"OpenAI", `{"input_tokens":120,"output_tokens":30,"total_tokens":150,
			"input_tokens_details":{"cached_tokens":100},"output_tokens_details":{"reasoning_tokens":10}}`, 150,
			llm.Usage{InputTokens: 20, CacheReadTokens: 100, OutputTokens: 30, ReasoningTokens: 10}},
		{"reasoning outside output_tokens", `{"input_tokens":100,"output_tokens":20,"total_tokens":300,
			"output_tokens_details":{"reasoning_tokens":180}}`, 300,
			llm.Usage{InputTokens: 100, OutputTokens: 200, ReasoningTokens: 180}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			final := fmt.Sprintf(`{"id":"r","model":"m","status":"completed","output":[{"type":"message","id":"msg","role":"assistant",
				"content":[{"type":"output_text","text":"ok"}]}],"usage":%s}`, tt.usage)
			srv := serve(t, ok(final), stream(respSSE(fmt.Sprintf(`{"type":"response.completed","response":%s}`, final))))
			c := newResponses(t, srv)
			resp, err := c.Generate(t.Context(), hello)
			require.NoError(t, err)
			assert.Equal(t, tt.want, resp.Usage, "Generate")
			streamed, err := llm.Collect(c.Stream(t.Context(), hello))
			require.NoError(t, err)
			assert.Equal(t, tt.want, streamed.Usage, "Stream")
			assert.Equal(t, tt.total, resp.Usage.Total(), "the parts add up to the server's total")
		})
	}
}
