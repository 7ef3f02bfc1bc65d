package replay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/llm/replay"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func request(msgs ...llm.Message) *llm.Request {
	return &llm.Request{Messages: msgs, Tools: []llm.ToolSpec{{Name: "bash"}, {Name: "task_done"}}}
}

func TestRecordThenReplay(t *testing.T) {
	script := llmtest.NewScript(
		llmtest.CallTools("bash", `{"command":"ls"}`),
		llmtest.Fail(&llm.APIError{Provider: "test", StatusCode: 400, Message: "too long", Err: llm.ErrContextLength}),
		llmtest.Say("done"),
	)
	var rec bytes.Buffer
	m := llm.Chain(script, replay.Record(&rec))
	r1, err := m.Generate(t.Context(), request(llm.UserText("go")))
	require.NoError(t, err)
	_, err = m.Generate(t.Context(), request(llm.UserText("go")))
	require.ErrorIs(t, err, llm.ErrContextLength)
	r3, err := llm.Collect(llm.Stream(t.Context(), m, request(llm.UserText("go"))))
	require.NoError(t, err)
	assert.Equal(t, 3, bytes.Count(rec.Bytes(), []byte("\n")))
	assert.True(t, strings.HasPrefix(rec.String(), `{"request":{"messages":[{"role":"user"`), rec.String())

	p, err := replay.Load(bytes.NewReader(rec.Bytes()))
	require.NoError(t, err)
	p.Check = true
	assert.Equal(t, 3, p.Remaining())
	got, err := p.Generate(t.Context(), request(llm.UserText("go")))
	require.NoError(t, err)
	assert.Equal(t, r1, got)
	_, err = p.Generate(t.Context(), request(llm.UserText("go")))
	assert.ErrorIs(t, err, llm.ErrContextLength)
	assert.Contains(t, err.Error(), "too long")
	got, err = p.Generate(t.Context(), request(llm.UserText("go")))
	require.NoError(t, err)
	assert.Equal(t, r3, got)
	_, err = p.Generate(t.Context(), request())
	assert.ErrorIs(t, err, replay.ErrExhausted)
}

func TestCheckNamesTheFirstMismatch(t *testing.T) {
	call := llm.ToolCall{ID: "c1", Name: "bash"}
	recorded := request(llm.UserText("go"), llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{{Kind: llm.KindToolCall, ToolCall: &call}}},
		llm.Message{Role: llm.RoleUser, Parts: []llm.Part{llm.ToolResultPart(call, "ok", false)}})
	var rec bytes.Buffer
	_, err := llm.Chain(llmtest.NewScript(llmtest.Say("fine")), replay.Record(&rec)).Generate(t.Context(), recorded)
	require.NoError(t, err)

	other := llm.ToolCall{ID: "c9", Name: "bash"}
	for _, tc := range []struct {
		name string
		req  func() *llm.Request
		path string
	}{
		{"ToolRenamed", func() *llm.Request {
			r := *recorded
			r.Tools = []llm.ToolSpec{{Name: "bash"}, {Name: "finish"}}
			return &r
		}, "tools[1].name"},
		{"ToolMissing", func() *llm.Request { r := *recorded; r.Tools = r.Tools[:1]; return &r }, "tools[1].name"},
		{"FewerMessages", func() *llm.Request { r := *recorded; r.Messages = r.Messages[:2]; return &r }, "messages"},
		{"Role", func() *llm.Request {
			r := *recorded
			r.Messages = []llm.Message{r.Messages[0], llm.UserText("x"), r.Messages[2]}
			return &r
		}, "messages[1].role"},
		{"CallID", func() *llm.Request {
			r := *recorded
			r.Messages = []llm.Message{r.Messages[0], r.Messages[1], {Role: llm.RoleUser, Parts: []llm.Part{llm.ToolResultPart(other, "ok", false)}}}
			return &r
		}, "messages[2].tool_results.call_ids"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := replay.Load(bytes.NewReader(rec.Bytes()))
			require.NoError(t, err)
			p.Check = true
			_, err = p.Generate(t.Context(), tc.req())
			var mm *replay.MismatchError
			require.ErrorAs(t, err, &mm)
			assert.ErrorIs(t, err, replay.ErrMismatch)
			assert.Equal(t, tc.path, mm.Path)
			assert.Equal(t, 1, mm.Call)

			// Without Check the same request is served.
			p, err = replay.Load(bytes.NewReader(rec.Bytes()))
			require.NoError(t, err)
			resp, err := p.Generate(t.Context(), tc.req())
			require.NoError(t, err)
			assert.Equal(t, "fine", resp.Message.Text())
		})
	}
	p, err := replay.Load(bytes.NewReader(rec.Bytes()))
	require.NoError(t, err)
	p.Check = true
	_, err = p.Generate(t.Context(), recorded)
	assert.NoError(t, err, "the recorded request itself matches")
}

func TestHandWrittenResponses(t *testing.T) {
	const file = `{"response":{"message":{"role":"assistant","parts":[{"kind":"tool_call","tool_call":{"id":"c1","name":"bash","args":{"command":"ls"}}}]},"stop_reason":"tool_use"}}

{"response":{"message":{"role":"assistant","parts":[{"kind":"text","text":"Done."}]},"stop_reason":"end"}}
`
	p, err := replay.Load(strings.NewReader(file))
	require.NoError(t, err)
	p.Check = true // lines without a request are not checked
	r, err := p.Generate(t.Context(), request())
	require.NoError(t, err)
	assert.Equal(t, "bash", r.Message.ToolCalls()[0].Name)
	r, err = p.Generate(t.Context(), request(llm.UserText("anything")))
	require.NoError(t, err)
	assert.Equal(t, "Done.", r.Message.Text())
}

func TestLoadErrors(t *testing.T) {
	for name, file := range map[string]string{
		"NotJSON":    "{\"response\":{}}\nnope\n",
		"NoResponse": `{"request":{"messages":[]}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := replay.Load(strings.NewReader(file))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "line")
		})
	}
	_, err := replay.Open("/no/such/recording.jsonl")
	assert.Error(t, err)
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRecordWriteFailureFailsTheCall(t *testing.T) {
	m := llm.Chain(llmtest.NewScript(llmtest.Say("hi")), replay.Record(failWriter{}))
	_, err := m.Generate(t.Context(), request())
	assert.ErrorContains(t, err, "disk full")
}

func TestCancelled(t *testing.T) {
	p, err := replay.Load(strings.NewReader(`{"response":{"message":{"role":"assistant","parts":[]},"stop_reason":"end"}}`))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = p.Generate(ctx, request())
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, p.Remaining())
}

func Example() {
	// A scripted run as a file of responses, as a test or a bug report
	// would carry it.
	const recording = `{"response":{"message":{"role":"assistant","parts":[{"kind":"text","text":"Hello from the recording."}]},"stop_reason":"end"}}`
	p, err := replay.Load(strings.NewReader(recording))
	if err != nil {
		panic(err)
	}
	resp, err := p.Generate(context.Background(), &llm.Request{Messages: []llm.Message{llm.UserText("Hi")}})
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Message.Text(), p.Remaining())
	// Output: Hello from the recording. 0
}
