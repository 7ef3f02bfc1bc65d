package gemini

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/conclave-dev/conclave/internal/sse"
	"github.com/conclave-dev/conclave/llm"
)

// benchStream is a realistic stream: thought pieces, a few hundred text
// pieces, parallel calls and the closing chunk with usage, as Gemini sends
// them (each event a whole GenerateContentResponse).
func benchStream() []byte {
	var chunks []string
	meta := `"usageMetadata":{"promptTokenCount":2048,"totalTokenCount":2048},"modelVersion":"gemini-2.5-flash","responseId":"bench"`
	for i := range 20 {
		chunks = append(chunks, fmt.Sprintf(`{"candidates":[{"content":{"parts":[{"text":"Considering step %d of the plan. ","thought":true}],"role":"model"},"index":0}],%s}`, i, meta))
	}
	for i := range 400 {
		chunks = append(chunks, fmt.Sprintf(`{"candidates":[{"content":{"parts":[{"text":"The function parse() at line %d reads past the buffer; "}],"role":"model"},"index":0}],%s}`, i, meta))
	}
	chunks = append(chunks,
		`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"str_replace_editor","args":{"command":"view","path":"/repo/parse.go","view_range":[1,80]}},"thoughtSignature":"`+strings.Repeat("QUJD", 200)+`"},`+
			`{"functionCall":{"name":"bash","args":{"command":"go test ./... -run TestParse"}}}],"role":"model"},"finishReason":"STOP","index":0}],`+
			`"usageMetadata":{"promptTokenCount":2048,"cachedContentTokenCount":1024,"candidatesTokenCount":5000,"thoughtsTokenCount":600,"totalTokenCount":7648},"modelVersion":"gemini-2.5-flash","responseId":"bench"}`)
	return []byte(sseBody(chunks...))
}

// parseSSE is the baseline: reading the same bytes as bare server-sent
// events, without decoding them.
func parseSSE(b *testing.B, data []byte) {
	r := sse.NewReader(bytes.NewReader(data))
	for {
		_, err := r.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func decodeGemini(b *testing.B, data []byte) {
	asm := newAssembler(&llm.Request{}, "m")
	asm.streamed = true
	if _, err := readStream(bytes.NewReader(data), asm, func(llm.Event) bool { return true }); err != nil {
		b.Fatal(err)
	}
	if _, err := asm.response(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStreamDecode measures decoding a Gemini stream into llm events
// and a response (Gemini), beside bare SSE parsing of the same bytes
// (SSE). Gemini also reports x-sse: its time per stream over the time bare
// parsing takes for as many streams, timed right after in the same run, so
// the ratio is the cost of decoding and assembly relative to reading the
// events at all.
func BenchmarkStreamDecode(b *testing.B) {
	data := benchStream()
	b.Run("SSE", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			parseSSE(b, data)
		}
	})
	b.Run("Gemini", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			decodeGemini(b, data)
		}
		decode := b.Elapsed()
		start := time.Now()
		for range b.N {
			parseSSE(b, data)
		}
		b.ReportMetric(float64(decode)/float64(time.Since(start)), "x-sse")
	})
}
