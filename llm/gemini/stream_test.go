package gemini

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

// collect ranges over a stream, returning its events (the done event
// included) and its error.
func collect(stream func(func(llm.Event, error) bool)) ([]llm.Event, error) {
	var evs []llm.Event
	for ev, err := range stream {
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

// summary renders events compactly: "text:Hel", "call:get_weather", …
func summary(evs []llm.Event) []string {
	var out []string
	for _, ev := range evs {
		switch ev.Kind {
		case llm.EventText, llm.EventReasoning:
			out = append(out, string(ev.Kind)+":"+ev.Text)
		case llm.EventToolCall:
			out = append(out, "call:"+ev.ToolCall.ID+":"+ev.ToolCall.Name)
		default:
			out = append(out, string(ev.Kind))
		}
	}
	return out
}

func done(t *testing.T, evs []llm.Event) *llm.Response {
	t.Helper()
	require.NotEmpty(t, evs)
	last := evs[len(evs)-1]
	require.Equal(t, llm.EventDone, last.Kind)
	return last.Response
}

var textChunks = []string{
	`{"candidates":[{"content":{"parts":[{"text":"Hel"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":5,"totalTokenCount":5},"modelVersion":"gemini-2.5-flash","responseId":"s1"}`,
	`{"candidates":[{"content":{"parts":[{"text":"lo, "}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":5,"totalTokenCount":5},"modelVersion":"gemini-2.5-flash","responseId":"s1"}`,
	`{"candidates":[{"content":{"parts":[{"text":"world."}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":4,"totalTokenCount":9},"modelVersion":"gemini-2.5-flash","responseId":"s1"}`,
}

func TestStreamText(t *testing.T) {
	f, c := newFake(t, respondSSE(textChunks...))
	evs, err := collect(c.Stream(t.Context(), ask("hi")))
	require.NoError(t, err)
	assert.Equal(t, []string{"text:Hel", "text:lo, ", "text:world.", "usage", "done"}, summary(evs))
	assert.Equal(t, llm.Usage{InputTokens: 5, OutputTokens: 4}, *evs[3].Usage)
	resp := done(t, evs)
	assert.Equal(t, []llm.Part{llm.TextPart("Hello, world.")}, resp.Message.Parts)
	assert.Equal(t, llm.StopEnd, resp.StopReason)
	assert.Equal(t, "gemini-2.5-flash", resp.Model)
	assert.Equal(t, "s1", resp.ID)

	r := f.requests()[0]
	assert.Equal(t, "/v1beta/models/gemini-test:streamGenerateContent", r.Path)
	assert.Equal(t, "alt=sse", r.Query)
	assert.Equal(t, testKey, r.Header.Get("x-goog-api-key"))
}

func TestStreamToolCall(t *testing.T) {
	_, c := newFake(t, respondSSE(
		`{"candidates":[{"content":{"parts":[{"text":"Need the weather.","thought":true}],"role":"model"},"index":0}]}`,
		`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"c2ln"}],"role":"model"},"finishReason":"STOP","index":0}],
		  "usageMetadata":{"promptTokenCount":40,"candidatesTokenCount":8,"thoughtsTokenCount":20,"totalTokenCount":68}}`,
	))
	req := ask("Weather in Paris?")
	req.Tools = []llm.ToolSpec{weatherTool}
	evs, err := collect(c.Stream(t.Context(), req))
	require.NoError(t, err)
	assert.Equal(t, []string{"reasoning:Need the weather.", "call:gemini-call-1:get_weather", "usage", "done"}, summary(evs))
	assert.JSONEq(t, `{"city":"Paris"}`, string(evs[1].ToolCall.Args))
	resp := done(t, evs)
	assert.Equal(t, llm.StopToolUse, resp.StopReason)
	assert.Equal(t, []llm.Part{
		{Kind: llm.KindReasoning, Text: "Need the weather."},
		{Kind: llm.KindToolCall, ToolCall: &llm.ToolCall{ID: "gemini-call-1", Name: "get_weather", Args: json.RawMessage(`{"city":"Paris"}`)},
			Opaque: &llm.Opaque{Provider: "gemini", Signature: "c2ln"}},
	}, resp.Message.Parts)
	assert.Equal(t, llm.Usage{InputTokens: 40, OutputTokens: 28, ReasoningTokens: 20}, resp.Usage)
}

func TestStreamTextBeforeToolCalls(t *testing.T) {
	_, c := newFake(t, respondSSE(
		`{"candidates":[{"content":{"parts":[{"text":"Let me check"}],"role":"model"}}]}`,
		`{"candidates":[{"content":{"parts":[{"text":" both."}],"role":"model"}}]}`,
		`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"c2ln"},
		                                     {"functionCall":{"name":"get_weather","args":{"city":"Oslo"}}}],"role":"model"}}]}`,
		`{"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":12}}`,
	))
	req := ask("Paris and Oslo?")
	req.Tools = []llm.ToolSpec{weatherTool}
	evs, err := collect(c.Stream(t.Context(), req))
	require.NoError(t, err)
	assert.Equal(t, []string{"text:Let me check", "text: both.", "call:gemini-call-1:get_weather", "call:gemini-call-2:get_weather", "usage", "done"}, summary(evs))
	resp := done(t, evs)
	assert.Equal(t, llm.StopToolUse, resp.StopReason)
	require.Len(t, resp.Message.Parts, 3, "the empty closing text is not a part")
	assert.Equal(t, llm.TextPart("Let me check both."), resp.Message.Parts[0])
}

func TestStreamThoughtsWithSignatures(t *testing.T) {
	_, c := newFake(t, respondSSE(
		`{"candidates":[{"content":{"parts":[{"text":"Thinking a","thought":true}],"role":"model"}}]}`,
		`{"candidates":[{"content":{"parts":[{"text":"bout it.","thought":true}],"role":"model"}}]}`,
		`{"candidates":[{"content":{"parts":[{"text":"The answer"}],"role":"model"}}]}`,
		`{"candidates":[{"content":{"parts":[{"text":" is 4."}],"role":"model"}}]}`,
		`{"candidates":[{"content":{"parts":[{"text":"","thoughtSignature":"c2lnLWVuZA=="}],"role":"model"},"finishReason":"STOP"}]}`,
	))
	evs, err := collect(c.Stream(t.Context(), ask("2+2?")))
	require.NoError(t, err)
	assert.Equal(t, []string{"reasoning:Thinking a", "reasoning:bout it.", "text:The answer", "text: is 4.", "usage", "done"}, summary(evs))
	assert.Equal(t, []llm.Part{
		{Kind: llm.KindReasoning, Text: "Thinking about it."},
		{Kind: llm.KindText, Text: "The answer is 4.", Opaque: &llm.Opaque{Provider: "gemini", Signature: "c2lnLWVuZA=="}},
	}, done(t, evs).Message.Parts, "the signature closing the run lands on the joined part")
}

// A stream's final response equals what Generate returns for the same
// parts delivered whole.
func TestStreamMatchesGenerate(t *testing.T) {
	whole := `{"candidates":[{"content":{"parts":[
		{"text":"Plan.","thought":true,"thoughtSignature":"dA=="},
		{"text":"Checking."},
		{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"c2ln"},
		{"functionCall":{"name":"get_weather","args":{"city":"Oslo"}}}],"role":"model"},"finishReason":"STOP"}],
		"usageMetadata":{"promptTokenCount":30,"cachedContentTokenCount":10,"candidatesTokenCount":9,"thoughtsTokenCount":4},
		"modelVersion":"gemini-2.5-pro","responseId":"same"}`
	_, c := newFake(t,
		respond(200, whole),
		respondSSE(
			`{"candidates":[{"content":{"parts":[{"text":"Pl","thought":true}],"role":"model"}}],"modelVersion":"gemini-2.5-pro","responseId":"same"}`,
			`{"candidates":[{"content":{"parts":[{"text":"an.","thought":true,"thoughtSignature":"dA=="}],"role":"model"}}],"modelVersion":"gemini-2.5-pro","responseId":"same"}`,
			`{"candidates":[{"content":{"parts":[{"text":"Check"}],"role":"model"}}],"modelVersion":"gemini-2.5-pro","responseId":"same"}`,
			`{"candidates":[{"content":{"parts":[{"text":"ing."},{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"c2ln"}],"role":"model"}}],"modelVersion":"gemini-2.5-pro","responseId":"same"}`,
			`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"city":"Oslo"}}}],"role":"model"},"finishReason":"STOP"}],
			  "usageMetadata":{"promptTokenCount":30,"cachedContentTokenCount":10,"candidatesTokenCount":9,"thoughtsTokenCount":4},"modelVersion":"gemini-2.5-pro","responseId":"same"}`,
		),
	)
	req := ask("weather")
	req.Tools = []llm.ToolSpec{weatherTool}
	want, err := c.Generate(t.Context(), req)
	require.NoError(t, err)
	got, err := llm.Collect(c.Stream(t.Context(), req))
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func respondRaw(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, body)
	}
}

func TestStreamFailures(t *testing.T) {
	complete := sseEvent(textChunks[0])
	tests := []struct {
		name       string
		reply      http.HandlerFunc
		wantEvents []string
		wantErr    error  // errors.Is target, or nil
		wantMsg    string // substring
		retryable  bool
	}{
		{"cut mid-event", respondRaw(complete + `data: {"candidates":[{"content":{"parts":[{"te`),
			[]string{"text:Hel"}, llm.ErrConnection, "unexpected EOF", true},
		{"cut between events without a finish reason", respondRaw(complete),
			[]string{"text:Hel"}, llm.ErrConnection, "ended before a finish reason", true},
		{"empty stream", respondRaw(""), nil, llm.ErrConnection, "ended before a finish reason", true},
		{"error event mid-stream", respondRaw(complete + sseEvent(`{"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}`)),
			[]string{"text:Hel"}, llm.ErrOverloaded, "The model is overloaded.", true},
		{"malformed event", respondRaw(complete + "data: {not json}\r\n\r\n"),
			[]string{"text:Hel"}, nil, "gemini: malformed stream event", false},
		{"malformed function call", respondSSE(`{"candidates":[{"finishReason":"MALFORMED_FUNCTION_CALL","finishMessage":"Malformed function call: get_weather(city=)"}]}`),
			nil, llm.ErrMalformedToolCall, "get_weather(city=)", false},
		{"partial arguments", respondSSE(`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","partialArgs":[{"jsonPath":"$.city","stringValue":"Par"}],"willContinue":true}}]}}]}`),
			nil, nil, "partialArgs", false},
		{"429 before the stream", respond(429, `{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}`, "Retry-After", "3"),
			nil, llm.ErrRateLimited, "RESOURCE_EXHAUSTED", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newFake(t, tt.reply)
			evs, err := collect(c.Stream(t.Context(), ask("hi")))
			require.Error(t, err)
			assert.Equal(t, tt.wantEvents, summary(evs))
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
			}
			assert.ErrorContains(t, err, tt.wantMsg)
			assert.Equal(t, tt.retryable, llm.IsRetryable(err))
		})
	}
}

func TestStreamPromptBlocked(t *testing.T) {
	_, c := newFake(t, respondSSE(`{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":7}}`))
	resp, err := llm.Collect(c.Stream(t.Context(), ask("bad")))
	require.NoError(t, err)
	assert.Equal(t, llm.StopRefusal, resp.StopReason)
	assert.Equal(t, "prompt blocked: PROHIBITED_CONTENT", resp.ProviderStopReason)
}

// blockingSSE sends one chunk, then holds the stream open until the client
// goes away, and reports that on gone.
func blockingSSE(gone chan<- struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, sseEvent(textChunks[0]))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		close(gone)
	}
}

func TestStreamCancelledMidStream(t *testing.T) {
	gone := make(chan struct{})
	_, c := newFake(t, blockingSSE(gone))
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	stop := errors.New("user pressed stop")
	var (
		n      int
		gotErr error
	)
	for ev, err := range c.Stream(ctx, ask("hi")) {
		if err != nil {
			gotErr = err
			break
		}
		n++
		assert.Equal(t, "Hel", ev.Text)
		cancel(stop) // the server never sends more: only cancellation can end this
	}
	assert.Equal(t, 1, n)
	assert.ErrorIs(t, gotErr, stop, "the cause is reported")
	assert.False(t, llm.IsRetryable(gotErr))
	<-gone // the connection was closed
}

func TestStreamBreakClosesTheConnection(t *testing.T) {
	gone := make(chan struct{})
	_, c := newFake(t, blockingSSE(gone))
	for range c.Stream(t.Context(), ask("hi")) {
		break
	}
	<-gone // the server saw the client leave; a leaked body would hang here
}

// FuzzReadStream feeds arbitrary bytes to the stream decoder: it must not
// panic, and a stream it accepts must yield a well-formed response that
// its events add up to.
func FuzzReadStream(f *testing.F) {
	f.Add([]byte(sseBody(textChunks...)))
	f.Add([]byte(sseBody(
		`{"candidates":[{"content":{"parts":[{"text":"a","thought":true},{"text":"b","thoughtSignature":"x"},{"functionCall":{"name":"f","args":{"k":1}}}]},"finishReason":"STOP"}]}`,
		`{"candidates":[{"content":{"parts":[{"functionCall":{"id":"gemini-call-2","name":"f"}},{"text":"","thoughtSignature":"y"}]},"finishReason":"MAX_TOKENS"}]}`)))
	f.Add([]byte(sseBody(`{"promptFeedback":{"blockReason":"SAFETY"}}`)))
	f.Add([]byte(sseBody(`{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"@type":"google.rpc.RetryInfo","retryDelay":"1.5s"}]}}`)))
	f.Add([]byte("data: {\"candidates\":[{\"finishReason\":\"STOP\",\"content\":{\"parts\":[{\"text\":null}]}}]}\n\ndata: {\"candidates\":[]}\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		asm := newAssembler(&llm.Request{}, "m")
		asm.streamed = true
		var (
			text  strings.Builder
			calls []llm.ToolCall
		)
		_, err := readStream(bytes.NewReader(data), asm, func(ev llm.Event) bool {
			switch ev.Kind {
			case llm.EventText:
				text.WriteString(ev.Text)
			case llm.EventToolCall:
				calls = append(calls, *ev.ToolCall)
			}
			return true
		})
		if err != nil {
			return
		}
		resp, err := asm.response()
		if err != nil {
			return
		}
		assert.Equal(t, llm.RoleAssistant, resp.Message.Role)
		assert.Equal(t, text.String(), resp.Message.Text())
		assert.Equal(t, calls, resp.Message.ToolCalls())
		for _, c := range calls {
			assert.NotEmpty(t, c.ID)
			assert.True(t, json.Valid(c.Args), "args %q", c.Args)
		}
		if len(calls) > 0 {
			assert.Contains(t, []llm.StopReason{llm.StopToolUse, llm.StopMaxTokens, llm.StopRefusal}, resp.StopReason)
		}
		u := resp.Usage
		assert.True(t, u.InputTokens >= 0 && u.OutputTokens >= 0 && u.CacheReadTokens >= 0 && u.ReasoningTokens <= u.OutputTokens, "usage %+v", u)
	})
}
