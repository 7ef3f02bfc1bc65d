package sse

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// endless yields head, then body repeated until limit bytes in all have
// been read, then io.EOF. It allocates nothing per read and counts what
// was read, so a test can tell how far a reader went.
type endless struct {
	head, body []byte
	limit, n   int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n >= e.limit {
		return 0, io.EOF
	}
	if int64(len(p)) > e.limit-e.n {
		p = p[:e.limit-e.n]
	}
	w := 0
	for w < len(p) {
		var src []byte
		if e.n < int64(len(e.head)) {
			src = e.head[e.n:]
		} else {
			off := (e.n - int64(len(e.head))) % int64(len(e.body))
			src = e.body[off:]
		}
		c := copy(p[w:], src)
		w += c
		e.n += int64(c)
	}
	return w, nil
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// The event bound holds for a line that never ends: the reader fails once
// the line passes the bound, having read and kept no more than the bound
// and one buffer beyond it. Before, the line was gathered whole (a 1 GiB
// line took 3 GB).
func TestReaderBoundsALineWithoutEnd(t *testing.T) {
	const bound = 1 << 20
	src := &endless{head: []byte("data: "), body: []byte("x"), limit: 64 << 20}
	r := NewReader(src)
	r.MaxEventSize = bound
	var err error
	alloc := allocated(func() { _, err = r.Next() })
	require.ErrorIs(t, err, ErrEventTooLarge)
	assert.ErrorContains(t, err, "longer than")
	assert.LessOrEqual(t, src.n, int64(bound+64+64<<10), "read past the bound")
	assert.Less(t, alloc, uint64(4*bound), "allocated %d bytes for a %d-byte bound", alloc, bound)
}

// Comments ended by lone CRs are lines like any other: they are read one
// by one and dropped. Before, the reader gathered everything up to the
// next LF, so 16 MiB of them took 16 MiB and more.
func TestReaderBoundsCommentsEndedByCR(t *testing.T) {
	head, comment := "data: a\n\n", ": keep-alive\r"
	size := int64(len(head) + (16<<20)/len(comment)*len(comment)) // ends after a whole comment
	src := &endless{head: []byte(head), body: []byte(comment), limit: size}
	r := NewReader(src)
	r.MaxEventSize = 1 << 10
	var evs []Event
	var err error
	alloc := allocated(func() {
		for {
			var ev Event
			if ev, err = r.Next(); err != nil {
				break
			}
			evs = append(evs, ev)
		}
	})
	assert.Equal(t, io.EOF, err)
	assert.Len(t, evs, 1)
	assert.Equal(t, size, src.n, "the whole stream was read")
	assert.Less(t, alloc, uint64(1<<20), "allocated %d bytes for %d bytes of comments", alloc, size)
}

// A long comment is held to the same bound as a data line.
func TestReaderBoundsComments(t *testing.T) {
	r := NewReader(strings.NewReader(":" + strings.Repeat("c", 100) + "\ndata: x\n\n"))
	r.MaxEventSize = 10
	_, err := r.Next()
	assert.ErrorIs(t, err, ErrEventTooLarge)
}

// splitLines is the standard's line splitting, written plainly, for the
// fuzz test to compare with.
func splitLines(b []byte) (lines []string, tail string) {
	for len(b) > 0 {
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			return lines, string(b)
		}
		lines = append(lines, string(b[:i]))
		if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			i++
		}
		b = b[i+1:]
	}
	return lines, ""
}

// FuzzReaderLines checks the bounded line reader against splitLines, for
// any bytes delivered in any pieces, and that no line passes the bound.
func FuzzReaderLines(f *testing.F) {
	f.Add([]byte("a\r\nb\rc\nd"), uint8(1), uint16(100))
	f.Add([]byte("\r\r\n\n\rx"), uint8(3), uint16(2))
	f.Add([]byte("\xEF\xBB\xBFdata: x\r"), uint8(2), uint16(0))
	f.Fuzz(func(t *testing.T, raw []byte, piece uint8, bound uint16) {
		want, tail := splitLines(bytes.TrimPrefix(raw, []byte("\xEF\xBB\xBF")))
		r := NewReader(&pieces{b: raw, n: int(piece%7) + 1})
		r.MaxEventSize = int(bound) + 1
		limit := r.MaxEventSize + 64 // room for the field name
		var got []string
		for {
			line, err := r.readLine()
			if err == io.EOF {
				break
			}
			if err != nil {
				require.ErrorIs(t, err, ErrEventTooLarge)
				refused := tail
				if len(got) < len(want) {
					refused = want[len(got)]
				}
				require.Greater(t, len(refused), limit, "a line within the bound was refused")
				return
			}
			require.LessOrEqual(t, len(line), limit)
			got = append(got, string(line))
		}
		if len(tail) > limit {
			return // the reader may refuse an overlong unterminated tail or drop it
		}
		assert.Equal(t, want, got)
		assert.Equal(t, tail != "", r.pending, "an unterminated last line leaves the event pending")
	})
}

// pieces delivers b n bytes at a time.
type pieces struct {
	b []byte
	n int
}

func (p *pieces) Read(out []byte) (int, error) {
	if len(p.b) == 0 {
		return 0, io.EOF
	}
	k := copy(out[:min(len(out), p.n)], p.b)
	p.b = p.b[k:]
	return k, nil
}
