package anthropic

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

// The API gives no total, but its usage fields partition the tokens: the
// input (input_tokens, which excludes the cache), the cache writes and
// reads, and the output, thinking included. Usage keeps that partition, so
// Input + CacheRead + CacheWrite + Output is the sum of the API's fields,
// for Generate and Stream.
func TestUsageMatchesTheTotal(t *testing.T) {
	for _, name := range []string{"text", "thinking", "tool", "parallel", "redacted"} {
		t.Run(name, func(t *testing.T) {
			var fixture struct {
				Usage struct {
					Input      int `json:"input_tokens"`
					CacheWrite int `json:"cache_creation_input_tokens"`
					CacheRead  int `json:"cache_read_input_tokens"`
					Output     int `json:"output_tokens"`
				} `json:"usage"`
			}
			require.NoError(t, json.Unmarshal(readFixture(t, name+".json"), &fixture))
			u := fixture.Usage
			total := u.Input + u.CacheWrite + u.CacheRead + u.Output
			srv, _ := fixtureServer(t, name)
			c := newTestClient(t, srv)
			resp, err := c.Generate(t.Context(), hi)
			require.NoError(t, err)
			assert.Equal(t, total, resp.Usage.Total(), "Generate: %+v against %v", resp.Usage, fixture.Usage)
			assert.Equal(t, u.CacheWrite, resp.Usage.CacheWriteTokens)
			assert.Equal(t, u.CacheRead, resp.Usage.CacheReadTokens)
			streamed, err := llm.Collect(c.Stream(t.Context(), hi))
			require.NoError(t, err)
			assert.Equal(t, resp.Usage, streamed.Usage, "Stream")
		})
	}
}
