package openai

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/conclave-dev/conclave/internal/sse"
	"github.com/conclave-dev/conclave/llm"
)

// benchChat is a long Chat Completions stream: text in small deltas, as
// models send it, then a tool call in fragments.
func benchChat() []byte {
	var chunks []string
	for i := range 2000 {
		chunks = append(chunks, fmt.Sprintf(`{"id":"chatcmpl-b","object":"chat.completion.chunk","created":1700000000,"model":"gpt-test","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":"word%d "},"logprobs":null,"finish_reason":null}],"usage":null}`, i))
	}
	chunks = append(chunks, `{"id":"chatcmpl-b","model":"gpt-test","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"edit","arguments":""}}]}}]}`)
	for range 500 {
		chunks = append(chunks, `{"id":"chatcmpl-b","model":"gpt-test","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"line of code\\n"}}]}}]}`)
	}
	chunks = append(chunks, `{"id":"chatcmpl-b","model":"gpt-test","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
		`{"id":"chatcmpl-b","model":"gpt-test","choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":2500}}`)
	return []byte(chatSSE(chunks...))
}

// benchResponses is the same answer as a Responses stream.
func benchResponses() []byte {
	var events []string
	for i := range 2000 {
		events = append(events, fmt.Sprintf(`{"type":"response.output_text.delta","sequence_number":%d,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"word%d ","logprobs":[]}`, i, i))
	}
	events = append(events, `{"type":"response.output_item.added","output_index":1,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"edit","arguments":""}}`)
	for i := range 500 {
		events = append(events, fmt.Sprintf(`{"type":"response.function_call_arguments.delta","sequence_number":%d,"item_id":"fc_1","output_index":1,"delta":"line of code\n"}`, 2000+i))
	}
	events = append(events, `{"type":"response.completed","response":`+respParallel+`}`)
	return []byte(respSSE(events...))
}

// benchDecode measures decode over data, and reports its cost as a ratio
// to parsing the same bytes with bare internal/sse. The two alternate in
// every iteration, so that both see the same load on the machine.
func benchDecode(b *testing.B, data []byte, decode func(io.Reader, string, func(llm.Event) bool) error) {
	var base time.Duration
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		start := time.Now()
		rd := sse.NewReader(bytes.NewReader(data))
		for {
			if _, err := rd.Next(); err != nil {
				break
			}
		}
		base += time.Since(start)
		b.StartTimer()
		if err := decode(bytes.NewReader(data), "req", func(llm.Event) bool { return true }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(base), "x-sse")
}

func BenchmarkDecodeChatStream(b *testing.B) { benchDecode(b, benchChat(), decodeChatStream) }

func BenchmarkDecodeResponsesStream(b *testing.B) {
	benchDecode(b, benchResponses(), decodeResponsesStream)
}

func BenchmarkStrictSchema(b *testing.B) {
	schema := []byte(`{"type":"object","properties":{"command":{"type":"string","enum":["view","create","str_replace","insert","undo_edit"]},"path":{"type":"string"},
		"file_text":{"type":"string"},"old_str":{"type":"string"},"new_str":{"type":"string"},"insert_line":{"type":"integer"},
		"view_range":{"type":["null","array"],"items":{"type":"integer"}}},"required":["command","path"],"additionalProperties":false}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := strictSchema(schema); err != nil {
			b.Fatal(err)
		}
	}
}
