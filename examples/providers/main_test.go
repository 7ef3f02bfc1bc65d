package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm/llmtest"
)

// Without keys, every provider is skipped, saying which key it needs.
func TestSkipsWithoutKeys(t *testing.T) {
	var b strings.Builder
	failed := run(t.Context(), &b, func(string) string { return "" })
	assert.Equal(t, 0, failed)
	assert.Equal(t, `anthropic                  skipped: ANTHROPIC_API_KEY is not set
openai (Chat Completions)  skipped: OPENAI_API_KEY is not set
openai (Responses)         skipped: OPENAI_API_KEY is not set
gemini                     skipped: GEMINI_API_KEY is not set
No provider ran: set an API key above to talk to its models.
`, b.String())
}

// The conversation: a tool call, its result, an answer.
func TestConverse(t *testing.T) {
	m := llmtest.NewScript(llmtest.CallTools("get_weather", `{"city":"Paris"}`), llmtest.Say("Light rain, 14 °C."))
	got, err := converse(t.Context(), m, "m")
	require.NoError(t, err)
	assert.Equal(t, `called get_weather({"city":"Paris"}); answered "Light rain, 14 °C." (0 tokens)`, got)
	reqs := m.Requests()
	require.Len(t, reqs, 2)
	assert.Contains(t, reqs[1].Messages[2].Parts[0].ToolResult.Content, "light rain")

	_, err = converse(t.Context(), llmtest.NewScript(llmtest.Say("Sunny.")), "m")
	assert.ErrorContains(t, err, "answered without calling the tool")
}
