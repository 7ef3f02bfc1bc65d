package sse

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readAll(t testing.TB, r io.Reader) ([]Event, error) {
	t.Helper()
	sr := NewReader(r)
	var evs []Event
	for {
		ev, err := sr.Next()
		if err == io.EOF {
			return evs, nil
		}
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
}

func TestReader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Event
	}{
		{"typed event", "event: ping\ndata: {}\n\n", []Event{{Type: "ping", Data: []byte("{}")}}},
		{"default type", "data: x\n\n", []Event{{Type: "message", Data: []byte("x")}}},
		{"multi-line data", "data: a\ndata: b\n\n", []Event{{Type: "message", Data: []byte("a\nb")}}},
		{"CRLF", "event: e\r\ndata: x\r\n\r\n", []Event{{Type: "e", Data: []byte("x")}}},
		{"lone CR", "event: e\rdata: x\r\r", []Event{{Type: "e", Data: []byte("x")}}},
		{"comments and keep-alives", ": ping\n\ndata: x\n: mid\n\n", []Event{{Type: "message", Data: []byte("x")}}},
		{"no space after colon", "data:x\n\n", []Event{{Type: "message", Data: []byte("x")}}},
		{"two spaces keeps one", "data:  x\n\n", []Event{{Type: "message", Data: []byte(" x")}}},
		{"field without colon", "data\n\n", []Event{{Type: "message", Data: []byte("")}}},
		{"event without data is not dispatched", "event: e\n\ndata: y\n\n", []Event{{Type: "message", Data: []byte("y")}}},
		{"id carries over", "id: 7\ndata: a\n\ndata: b\n\n", []Event{{Type: "message", Data: []byte("a"), ID: "7"}, {Type: "message", Data: []byte("b"), ID: "7"}}},
		{"BOM", "\xEF\xBB\xBFdata: x\n\n", []Event{{Type: "message", Data: []byte("x")}}},
		{"unknown fields ignored", "foo: bar\ndata: x\n\n", []Event{{Type: "message", Data: []byte("x")}}},
		{"openai done", "data: {\"a\":1}\n\ndata: [DONE]\n\n", []Event{{Type: "message", Data: []byte(`{"a":1}`)}, {Type: "message", Data: []byte("[DONE]")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(t, strings.NewReader(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			// The same stream delivered one byte at a time parses the same.
			got, err = readAll(t, iotest.OneByteReader(strings.NewReader(tt.in)))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestReaderRetry(t *testing.T) {
	r := NewReader(strings.NewReader("retry: 1500\ndata: x\n\nretry: 12a\ndata: y\n\n"))
	_, err := r.Next()
	require.NoError(t, err)
	assert.Equal(t, 1500, r.Retry)
	_, err = r.Next()
	require.NoError(t, err)
	assert.Equal(t, 1500, r.Retry, "a retry value with non-digits is ignored")
}

func TestReaderCutMidEvent(t *testing.T) {
	for name, in := range map[string]string{
		"no blank line":     "data: a\n\ndata: {\"partial\":",
		"terminated line":   "data: a\n\ndata: b\n",
		"event field only":  "data: a\n\nevent: e\n",
		"half a CRLF event": "data: a\r\n\r\ndata: b\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			evs, err := readAll(t, strings.NewReader(in))
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
			assert.Len(t, evs, 1, "the complete event before the cut is delivered")
		})
	}
}

func TestReaderUnderlyingError(t *testing.T) {
	boom := errors.New("boom")
	_, err := readAll(t, io.MultiReader(strings.NewReader("data: a\n\n"), iotest.ErrReader(boom)))
	assert.ErrorIs(t, err, boom)
}

func TestReaderEventTooLarge(t *testing.T) {
	r := NewReader(strings.NewReader("data: " + strings.Repeat("x", 100) + "\n\n"))
	r.MaxEventSize = 50
	_, err := r.Next()
	assert.ErrorIs(t, err, ErrEventTooLarge)
}

func TestReaderLongLine(t *testing.T) {
	long := strings.Repeat("y", 200<<10) // longer than the read buffer
	evs, err := readAll(t, strings.NewReader("data: "+long+"\n\n"))
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, long, string(evs[0].Data))
}

// encode writes events the way a server would.
func encode(evs []Event) []byte {
	var b bytes.Buffer
	for _, ev := range evs {
		if ev.Type != "message" {
			b.WriteString("event: " + ev.Type + "\n")
		}
		for _, line := range strings.Split(string(ev.Data), "\n") {
			b.WriteString("data: " + line + "\n")
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

func FuzzReader(f *testing.F) {
	f.Add([]byte("event: a\ndata: b\n\n"), "x", "y\nz")
	f.Add([]byte("data: [DONE]\r\n\r\n"), "content_block_delta", `{"partial_json":"{\"a"}`)
	f.Add([]byte(":\r\rdata\rid: 1\x00\n\n"), "t", "")
	f.Fuzz(func(t *testing.T, raw []byte, typ, data string) {
		// Arbitrary bytes never panic and always end.
		_, _ = readAll(t, bytes.NewReader(raw))

		// Well-formed events round-trip.
		if typ == "" || strings.ContainsAny(typ, "\r\n") || strings.ContainsAny(data, "\r") {
			return
		}
		want := []Event{{Type: typ, Data: []byte(data)}, {Type: "message", Data: []byte("end")}}
		got, err := readAll(t, bytes.NewReader(encode(want)))
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, typ, got[0].Type)
		assert.Equal(t, data, string(got[0].Data))
	})
}

func BenchmarkReader(b *testing.B) {
	chunk := []byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello, world\"}}\n\n")
	stream := bytes.Repeat(chunk, 1000)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytes.NewReader(stream))
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
	}
}
