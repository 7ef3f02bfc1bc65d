package gemini

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

// Input + CacheRead + CacheWrite + Output equals totalTokenCount: the
// prompt count includes the cached tokens, thoughts are output outside
// candidatesTokenCount, and the prompts of Gemini's own tools are input.
// Generate and Stream agree.
func TestUsageMatchesTheTotal(t *testing.T) {
	tests := []struct {
		name, usage string
		total       int
		want        llm.Usage
	}{
		{"plain", `{"promptTokenCount":120,"candidatesTokenCount":12,"totalTokenCount":132}`, 132,
			llm.Usage{InputTokens: 120, OutputTokens: 12}},
		{"cache, thoughts and tool prompts",
			`{"promptTokenCount":1200,"cachedContentTokenCount":1000,"candidatesTokenCount":50,"thoughtsTokenCount":150,
			  "toolUsePromptTokenCount":30,"totalTokenCount":1430}`, 1430,
			llm.Usage{InputTokens: 230, CacheReadTokens: 1000, OutputTokens: 200, ReasoningTokens: 150}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			whole := `{"candidates":[{"content":{"role":"model","parts":[{"text":"ok"}]},"finishReason":"STOP"}],"usageMetadata":` + tt.usage + `}`
			_, c := newFake(t, respond(200, whole), respondSSE(
				`{"candidates":[{"content":{"role":"model","parts":[{"text":"o"}]}}],"usageMetadata":{"promptTokenCount":1}}`,
				whole))
			resp, err := c.Generate(t.Context(), hello)
			require.NoError(t, err)
			assert.Equal(t, tt.want, resp.Usage, "Generate")
			assert.Equal(t, tt.total, resp.Usage.Total())
			streamed, err := llm.Collect(c.Stream(t.Context(), hello))
			require.NoError(t, err)
			assert.Equal(t, tt.want, streamed.Usage, "Stream")
		})
	}
}
