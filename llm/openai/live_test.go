package openai

import (
	"cmp"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm/llmtest"
)

// TestLive runs the conformance suite against OpenAI itself. It is skipped
// unless OPENAI_API_KEY is set and CONCLAVE_LIVE_TESTS=1; the model is
// CONCLAVE_OPENAI_MODEL, or gpt-4.1-mini.
func TestLive(t *testing.T) {
	if os.Getenv("OPENAI_API_KEY") == "" || os.Getenv("CONCLAVE_LIVE_TESTS") != "1" {
		t.Skip("set OPENAI_API_KEY and CONCLAVE_LIVE_TESTS=1 to run against OpenAI")
	}
	model := cmp.Or(os.Getenv("CONCLAVE_OPENAI_MODEL"), "gpt-4.1-mini")
	t.Run("chat", func(t *testing.T) {
		c, err := New(WithModel(model))
		require.NoError(t, err)
		llmtest.TestModel(t, c)
	})
	t.Run("responses", func(t *testing.T) {
		c, err := NewResponses(WithModel(model))
		require.NoError(t, err)
		llmtest.TestModel(t, c)
	})
}
