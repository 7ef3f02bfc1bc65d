package anthropic

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conclave-dev/conclave/internal/sse"
)

// longStream is a long streamed answer: about 90 KB of text and a tool call
// writing a 17 KB file, in deltas of 16 characters, as the API streams them.
func longStream() []byte {
	stop := "tool_use"
	return streamOf(fakeMessage{
		ID: "msg_bench", Type: "message", Role: "assistant", Model: "claude-bench", StopReason: &stop,
		Content: []map[string]any{
			{"type": "text", "text": strings.Repeat("The quick brown fox jumps over the lazy dog. ", 2000)},
			{"type": "tool_use", "id": "toolu_bench", "name": "write_file", "input": map[string]any{
				"path": "main.go", "content": strings.Repeat("func main() { fmt.Println(\"hello\") }\n", 450),
			}},
		},
		Usage: map[string]int{"input_tokens": 3000, "output_tokens": 25000},
	}, 16)
}

// interleaved runs op in b's loop, and baseline after each op with the
// timer stopped, and reports op's time as a multiple of baseline's under
// the given unit. Alternating the two at each iteration exposes them to
// the same load on a shared machine.
func interleaved(b *testing.B, unit string, op, baseline func()) {
	var opTime, baseTime time.Duration
	for b.Loop() {
		start := time.Now()
		op()
		opTime += time.Since(start)
		b.StopTimer()
		start = time.Now()
		baseline()
		baseTime += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(float64(opTime)/float64(baseTime), unit)
}

// BenchmarkStream measures decoding a long stream into llm events. Its
// x-bare-sse metric is the time it takes as a multiple of bare
// internal/sse parsing of the same bytes (sub-benchmark SSE alone),
// interleaved with it in the same run.
func BenchmarkStream(b *testing.B) {
	body := longStream()
	bare := func() {
		r := sse.NewReader(bytes.NewReader(body))
		for {
			if _, err := r.Next(); err == io.EOF {
				return
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("SSE", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			bare()
		}
	})
	b.Run("Decode", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		interleaved(b, "x-bare-sse", func() {
			d := &decoder{}
			for _, err := range d.events(bytes.NewReader(body)) {
				if err != nil {
					b.Fatal(err)
				}
			}
		}, bare)
	})
}

// BenchmarkGenerate measures a whole Generate call against a local server.
// Its x-bare-http metric is the time it takes as a multiple of posting the
// same request body with net/http and reading the same response (sub-benchmark
// HTTP alone), interleaved with it in the same run.
func BenchmarkGenerate(b *testing.B) {
	srv, _ := fixtureServer(b, "tool")
	c := newTestClient(b, srv)
	req := followUp()
	req.ReasoningBudget = 0
	ctx := context.Background()
	wire, err := c.request(req, false)
	if err != nil {
		b.Fatal(err)
	}
	payload, err := json.Marshal(wire)
	if err != nil {
		b.Fatal(err)
	}
	bare := func() {
		resp, err := srv.Client().Post(srv.URL+"/v1/messages", "application/json", bytes.NewReader(payload))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
	b.Run("HTTP", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bare()
		}
	})
	b.Run("Generate", func(b *testing.B) {
		b.ReportAllocs()
		interleaved(b, "x-bare-http", func() {
			if _, err := c.Generate(ctx, req); err != nil {
				b.Fatal(err)
			}
		}, bare)
	})
}
