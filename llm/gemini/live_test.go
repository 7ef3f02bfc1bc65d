package gemini

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm/llmtest"
)

// TestLive runs the conformance suite against the real API. It runs only
// when GEMINI_API_KEY is set and CONCLAVE_LIVE_TESTS=1; GEMINI_MODEL picks
// the model (default gemini-2.5-flash).
func TestLive(t *testing.T) {
	if os.Getenv("CONCLAVE_LIVE_TESTS") != "1" || os.Getenv("GEMINI_API_KEY") == "" {
		t.Skip("set GEMINI_API_KEY and CONCLAVE_LIVE_TESTS=1 to run against the Gemini API")
	}
	model := os.Getenv("GEMINI_MODEL")
	if model == "" {
		model = "gemini-2.5-flash"
	}
	c, err := New(WithModel(model))
	require.NoError(t, err)
	llmtest.TestModel(t, c)
}
