package openai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/conclave-dev/conclave/llm"
)

// checkStream checks what any decoded stream must satisfy.
func checkStream(t *testing.T, evs []llm.Event, err error, textMatches bool) {
	t.Helper()
	if err != nil {
		for _, ev := range evs {
			if ev.Kind == llm.EventDone {
				t.Fatalf("a done event and then the error %v", err)
			}
		}
		return
	}
	if len(evs) == 0 || evs[len(evs)-1].Kind != llm.EventDone || evs[len(evs)-1].Response == nil {
		t.Fatalf("a stream without error must end with a done event: %v", kinds(evs))
	}
	resp := evs[len(evs)-1].Response
	if textMatches && textOf(evs, llm.EventText) != resp.Message.Text() {
		t.Fatalf("text events %q, response text %q", textOf(evs, llm.EventText), resp.Message.Text())
	}
	if got, want := len(calls(evs)), len(resp.Message.ToolCalls()); got != want {
		t.Fatalf("%d tool call events, %d calls in the response", got, want)
	}
}

func decodeChat(data []byte) ([]llm.Event, error) {
	var evs []llm.Event
	err := decodeChatStream(bytes.NewReader(data), "req", func(ev llm.Event) bool { evs = append(evs, ev); return true })
	return evs, err
}

func decodeResponses(data []byte) ([]llm.Event, error) {
	var evs []llm.Event
	err := decodeResponsesStream(bytes.NewReader(data), "req", func(ev llm.Event) bool { evs = append(evs, ev); return true })
	return evs, err
}

func FuzzChatStream(f *testing.F) {
	f.Add([]byte(chatSSE(chatTextChunks...)))
	f.Add([]byte(chatSSE(chatParallelChunks...)))
	f.Add([]byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"function\":{\"arguments\":{\"a\":1}}}]}}]}\n\ndata: [DONE]\n\n"))
	f.Add([]byte("data: {\"error\":{\"message\":\"x\",\"code\":5}}\n\n"))
	f.Add([]byte(chatSSE(routerChunks...)))
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := decodeChat(data)
		checkStream(t, evs, err, true)
	})
}

func FuzzResponsesStream(f *testing.F) {
	f.Add([]byte(respSSE(respParallelEvents...)))
	f.Add([]byte(respSSE(`{"type":"response.function_call_arguments.delta","output_index":4,"delta":"{"}`,
		`{"type":"response.output_item.done","output_index":4,"item":{"type":"function_call","name":"x"}}`,
		`{"type":"response.completed","response":{"output":[]}}`)))
	f.Add([]byte(respSSE(`{"type":"error","code":"server_error","message":"boom"}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := decodeResponses(data)
		// The final response comes from the server's last event, which need
		// not agree with the deltas an arbitrary stream sent before it.
		checkStream(t, evs, err, false)
	})
}

// FuzzFragmentJoin splits tool calls into fragments the way servers do
// (with or without the index, repeating the id and name or not) and checks
// that the stream puts them back together.
func FuzzFragmentJoin(f *testing.F) {
	f.Add([]byte(`{"city":"Paris"}`+"\xff"+`{"city":"Rome"}`), []byte{3, 1, 4, 1, 5}, false, false)
	f.Add([]byte(`{}`), []byte{0}, true, true)
	f.Add([]byte("\xff\xff{\"a\":[1,2,3]}"), []byte{7, 7}, true, false)
	f.Fuzz(func(t *testing.T, argsData, cuts []byte, repeat, noIndex bool) {
		argList := bytes.Split(argsData, []byte{0xff})
		if len(argList) > 8 {
			argList = argList[:8]
		}
		var want []llm.ToolCall
		var chunks []string
		cut := 0
		for i := range argList {
			// JSON strings hold valid UTF-8, so fragments are cut between
			// runes.
			argList[i] = []byte(strings.ToValidUTF8(string(argList[i]), "?"))
			args := argList[i]
			call := llm.ToolCall{ID: fmt.Sprintf("call_%d", i), Name: fmt.Sprintf("tool_%d", i), Args: json.RawMessage(args)}
			want = append(want, call)
			// Fragments of the arguments, at least one per call.
			var pieces []string
			rest := string(args)
			for len(rest) > 0 {
				n := 1
				if len(cuts) > 0 {
					n = 1 + int(cuts[cut%len(cuts)])%(len(rest))
					cut++
				}
				for n < len(rest) && !utf8.RuneStart(rest[n]) {
					n++
				}
				pieces = append(pieces, rest[:n])
				rest = rest[n:]
			}
			if len(pieces) == 0 {
				pieces = []string{""}
			}
			for j, p := range pieces {
				frag := map[string]any{"function": map[string]any{"arguments": p}}
				if !noIndex {
					frag["index"] = i
				}
				if j == 0 || repeat {
					frag["id"] = call.ID
					frag["function"].(map[string]any)["name"] = call.Name
				}
				chunk, _ := json.Marshal(map[string]any{"id": "x", "choices": []any{map[string]any{"index": 0, "delta": map[string]any{"tool_calls": []any{frag}}}}})
				chunks = append(chunks, string(chunk))
			}
		}
		evs, err := decodeChat([]byte(chatSSE(chunks...)))
		if err != nil {
			t.Fatal(err)
		}
		got := done(t, evs).Message.ToolCalls()
		if len(want) == 0 {
			want = nil
		}
		if !equalCalls(got, want) {
			t.Fatalf("calls %v, want %v", got, want)
		}
		if !equalCalls(calls(evs), want) {
			t.Fatalf("call events %v, want %v", calls(evs), want)
		}
		var deltas strings.Builder
		for _, ev := range evs {
			if ev.Kind == llm.EventToolCallDelta {
				deltas.WriteString(ev.Text)
			}
		}
		if deltas.String() != string(bytes.Join(argList, nil)) {
			t.Fatalf("argument fragments %q, want %q", deltas.String(), bytes.Join(argList, nil))
		}
	})
}

func equalCalls(a, b []llm.ToolCall) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Name != b[i].Name || !bytes.Equal(a[i].Args, b[i].Args) {
			return false
		}
	}
	return true
}

func FuzzResponseBodies(f *testing.F) {
	for _, s := range []string{chatPlain, chatParallel, respPlain, respParallel, `{"choices":[]}`, `{"status":"failed"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var cr chatResponse
		if json.Unmarshal(data, &cr) == nil {
			if turn, err := cr.turn(); err == nil {
				_ = turn.response("req")
			}
		}
		var rr respResponse
		if json.Unmarshal(data, &rr) == nil {
			_, _ = rr.response("req")
		}
		var e llm.APIError
		parseError(400, data, &e)
	})
}

func FuzzStrictSchema(f *testing.F) {
	for _, s := range []string{
		`{"type":"object","properties":{"a":{"type":"string"},"b":{"type":["null","array"],"items":{"type":"integer"}}},"required":["a"]}`,
		`{"type":"object","properties":{"p":{"$ref":"#/$defs/P","description":"d"}},"$defs":{"P":{"type":"object","properties":{"x":{"const":1}}}}}`,
		`{"type":"object","properties":{"u":{"oneOf":[{"type":"string","enum":["a"]},{"type":"object","properties":{}}]}}}`,
		`{"type":"object","properties":{"t":{"type":["object","string","null"],"properties":{"k":{"type":"number"}},"minLength":2}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := strictSchema(data)
		if err != nil {
			return
		}
		tree, err := parseTree(out)
		if err != nil {
			t.Fatalf("output is not JSON: %v: %s", err, out)
		}
		checkClosed(t, tree)
		again, err := strictSchema(out)
		if err != nil {
			t.Fatalf("the strict schema %s is refused on a second pass: %v", out, err)
		}
		if !bytes.Equal(out, again) {
			t.Fatalf("not idempotent:\n%s\n%s", out, again)
		}
	})
}

// checkClosed fails if an object schema in v is open or leaves a property
// out of required.
func checkClosed(t *testing.T, v any) {
	switch v := v.(type) {
	case *object:
		if props, ok := v.vals["properties"].(*object); ok {
			if v.vals["additionalProperties"] != false {
				t.Fatalf("an object schema without additionalProperties false: %v", v.keys)
			}
			req, _ := v.vals["required"].([]any)
			if len(req) != len(props.keys) {
				t.Fatalf("required %v does not list every property of %v", req, props.keys)
			}
		}
		for _, k := range v.keys {
			checkClosed(t, v.vals[k])
		}
	case []any:
		for _, e := range v {
			checkClosed(t, e)
		}
	}
}
