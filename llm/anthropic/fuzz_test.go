package anthropic

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

func addSeeds(f *testing.F, pattern string) {
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	require.NoError(f, err)
	require.NotEmpty(f, files)
	for _, name := range files {
		b, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(b)
	}
}

// FuzzStream decodes arbitrary bytes as a Messages stream. Whatever the
// input, decoding must not panic, must fail with an error of this package,
// or must end with a response its events add up to, which can be sent back
// in a follow-up request.
func FuzzStream(f *testing.F) {
	addSeeds(f, "*.sse")
	f.Add([]byte(streamHead))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{requestID: "req_fuzz"}
		evs, err := collect(d.events(bytes.NewReader(data)))
		if err != nil {
			assert.True(t, strings.HasPrefix(err.Error(), "anthropic: "), err.Error())
			for _, ev := range evs {
				assert.NotEqual(t, llm.EventDone, ev.Kind, "an event after done")
			}
			return
		}
		resp := checkEvents(t, evs)
		checkResponse(t, resp)
	})
}

// FuzzResponse decodes arbitrary bytes as a response body.
func FuzzResponse(f *testing.F) {
	addSeeds(f, "*.json")
	f.Add([]byte(`{"content":[{"type":"tool_use","id":"t","name":"x","input":null}]}`))
	f.Add([]byte(`{"content":[{"type":"redacted_thinking","data":"abc","extra":[1]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var msg wireMessage
		if json.Unmarshal(data, &msg) != nil {
			return
		}
		resp, err := msg.response()
		if err != nil {
			assert.True(t, strings.HasPrefix(err.Error(), "anthropic: "), err.Error())
			return
		}
		checkResponse(t, resp)
		for _, c := range resp.Message.ToolCalls() {
			assert.True(t, json.Valid(c.Args), "arguments %q", c.Args)
		}
	})
}

// FuzzStreamMatchesResponse builds a message from the inputs, streams it in
// deltas of chunk runes, and checks that the stream decodes to the response
// the same message decodes to when sent whole.
func FuzzStreamMatchesResponse(f *testing.F) {
	f.Add("Let me look.", "I should list the files.", "c2ln", `{"command": "ls -la"}`, 3)
	f.Add("", "", "", `{}`, 1)
	f.Add("héllo ✓", "", "", `{"a":[1,{"b":null}],"c":"\u00e9"}`, 2)
	f.Fuzz(func(t *testing.T, text, thought, signature, args string, chunk int) {
		var input map[string]any
		if json.Unmarshal([]byte(args), &input) != nil || input == nil || chunk < 1 {
			return
		}
		stop := "tool_use"
		m := fakeMessage{ID: "msg_f", Type: "message", Role: "assistant", Model: "claude-fuzz", StopReason: &stop,
			Usage: map[string]int{"input_tokens": 7, "output_tokens": 9, "cache_read_input_tokens": 3, "cache_creation_input_tokens": 2}}
		if thought != "" || signature != "" {
			m.Content = append(m.Content, map[string]any{"type": "thinking", "thinking": thought, "signature": signature})
		}
		if text != "" {
			m.Content = append(m.Content, map[string]any{"type": "text", "text": text})
		}
		m.Content = append(m.Content, map[string]any{"type": "tool_use", "id": "toolu_f", "name": "bash", "input": input})

		whole, err := json.Marshal(m)
		require.NoError(t, err)
		var msg wireMessage
		require.NoError(t, json.Unmarshal(whole, &msg))
		want, err := msg.response()
		require.NoError(t, err)

		evs, err := collect((&decoder{}).events(bytes.NewReader(streamOf(m, chunk))))
		require.NoError(t, err)
		assert.Equal(t, want, checkEvents(t, evs))
	})
}

// checkResponse checks that resp is well formed and that echoing it in a
// follow-up request keeps its thinking blocks verbatim.
func checkResponse(t *testing.T, resp *llm.Response) {
	t.Helper()
	assert.Equal(t, llm.RoleAssistant, resp.Message.Role)
	assert.Contains(t, []llm.StopReason{llm.StopEnd, llm.StopToolUse, llm.StopMaxTokens, llm.StopSequence, llm.StopRefusal, llm.StopOther}, resp.StopReason)
	var redacted []json.RawMessage
	for _, p := range resp.Message.Parts {
		switch p.Kind {
		case llm.KindText:
		case llm.KindToolCall:
			require.NotNil(t, p.ToolCall)
		case llm.KindReasoning:
			require.NotNil(t, p.Opaque)
			assert.Equal(t, "anthropic", p.Opaque.Provider)
			if len(p.Opaque.Data) > 0 {
				redacted = append(redacted, p.Opaque.Data)
			}
		default:
			t.Fatalf("part of kind %q", p.Kind)
		}
	}
	var echoed []json.RawMessage
	for _, p := range resp.Message.Parts {
		b, ok, err := partBlock(llm.RoleAssistant, p)
		if err != nil {
			// Only a call without an id cannot be sent back.
			require.Equal(t, llm.KindToolCall, p.Kind, err.Error())
			assert.Empty(t, p.ToolCall.ID)
			continue
		}
		if ok && b.raw != nil {
			echoed = append(echoed, b.raw)
		}
	}
	assert.Equal(t, redacted, echoed)
}
