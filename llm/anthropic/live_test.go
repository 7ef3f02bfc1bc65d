package anthropic

import (
	"cmp"
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm/llmtest"
)

// TestLive runs the conformance suite against the real API. It is skipped
// unless ANTHROPIC_API_KEY is set and CONCLAVE_LIVE_TESTS=1; ANTHROPIC_MODEL
// picks the model.
func TestLive(t *testing.T) {
	if os.Getenv("ANTHROPIC_API_KEY") == "" || os.Getenv("CONCLAVE_LIVE_TESTS") != "1" {
		t.Skip("set ANTHROPIC_API_KEY and CONCLAVE_LIVE_TESTS=1 to run against the real API")
	}
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	c, err := New(WithModel(cmp.Or(os.Getenv("ANTHROPIC_MODEL"), "claude-haiku-4-5")), WithHTTPClient(&http.Client{Transport: transport}))
	require.NoError(t, err)
	llmtest.TestModel(t, c)
}
