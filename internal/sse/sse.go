// Package sse reads server-sent event streams as the WHATWG HTML standard
// defines them: lines ending in LF, CRLF or CR; "event", "data", "id" and
// "retry" fields; comments; a blank line dispatching the event.
//
// Unlike a browser, which silently discards an event cut off by the end of
// the stream, [Reader.Next] reports it as [io.ErrUnexpectedEOF], so that a
// truncated model response is an error and not a shorter answer.
package sse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Event is one dispatched server-sent event.
type Event struct {
	// Type is the "event" field, or "message" when the event had none.
	Type string
	// Data is the event's "data" lines joined by newlines.
	Data []byte
	// ID is the last event id the stream set, carried over between events.
	ID string
}

// DefaultMaxEventSize bounds an event's data unless Reader.MaxEventSize says
// otherwise.
const DefaultMaxEventSize = 32 << 20

// bom is the byte order mark a stream may start with.
var bom = []byte("\xEF\xBB\xBF")

// maxFieldName is the room a line has beyond the event bound, for its field
// name ("data: ").
const maxFieldName = 64

// ErrEventTooLarge is returned when an event's data exceeds the limit.
var ErrEventTooLarge = errors.New("sse: event too large")

// Reader reads events from a stream. It is not safe for concurrent use.
type Reader struct {
	// MaxEventSize bounds the data of one event, and the length of any
	// line (plus a few bytes for its field name), comments included; 0
	// means DefaultMaxEventSize. The reader's memory stays within a few
	// times this bound.
	MaxEventSize int
	// Retry is the reconnection time in milliseconds the stream last set.
	Retry int

	br      *bufio.Reader
	line    []byte // the line being read, reused
	skipLF  bool   // the last line ended in CR: an LF right after it belongs to it
	started bool   // the first line has been read (for the BOM)

	data    bytes.Buffer
	typ     string
	prevTyp string
	lastID  string
	pending bool // a field was seen since the last dispatch
}

// NewReader returns a Reader reading from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10)}
}

// Next returns the next event. It returns io.EOF at the end of a stream that
// ends between events, io.ErrUnexpectedEOF when it ends inside one, and the
// underlying reader's error otherwise. The returned Data is valid until the
// next call.
func (r *Reader) Next() (Event, error) {
	for {
		line, err := r.readLine()
		if err == io.EOF {
			if r.pending {
				return Event{}, io.ErrUnexpectedEOF
			}
			return Event{}, io.EOF
		}
		if err != nil {
			return Event{}, err
		}
		if len(line) == 0 {
			if ev, ok := r.dispatch(); ok {
				return ev, nil
			}
			continue
		}
		if line[0] == ':' {
			continue // a comment, such as a keep-alive
		}
		if err := r.field(line); err != nil {
			return Event{}, err
		}
	}
}

func (r *Reader) field(line []byte) error {
	r.pending = true
	name, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		value = bytes.TrimPrefix(value, []byte(" "))
	}
	switch string(name) {
	case "event":
		if string(value) != r.prevTyp { // streams repeat a few types: reuse the string
			r.prevTyp = string(value)
		}
		r.typ = r.prevTyp
	case "data":
		max := r.maxEventSize()
		if r.data.Len()+len(value)+1 > max {
			return fmt.Errorf("%w: more than %d bytes of data", ErrEventTooLarge, max)
		}
		r.data.Write(value)
		r.data.WriteByte('\n')
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			r.lastID = string(value)
		}
	case "retry":
		if n, err := strconv.Atoi(string(value)); err == nil && n >= 0 && isDigits(value) {
			r.Retry = n
		}
	}
	return nil
}

func (r *Reader) maxEventSize() int {
	if r.MaxEventSize <= 0 {
		return DefaultMaxEventSize
	}
	return r.MaxEventSize
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// dispatch ends the event being built. An event without data is not
// dispatched, as the standard says.
func (r *Reader) dispatch() (Event, bool) {
	r.pending = false
	typ := r.typ
	r.typ = ""
	if r.data.Len() == 0 {
		return Event{}, false
	}
	data := r.data.Bytes()
	data = data[:len(data)-1] // the last data line's newline
	r.data.Reset()
	if typ == "" {
		typ = "message"
	}
	// data aliases the buffer until the next Write; Reset keeps the memory,
	// so copy out what the caller may keep across the next field.
	return Event{Type: typ, Data: bytes.Clone(data), ID: r.lastID}, true
}

// readLine returns the next line without its terminator, valid until the
// next call. Lines end at LF, CRLF or a lone CR. A CR is taken as a whole
// terminator at once, and an LF right after it is skipped when the next
// line is read, so an event ended by CRs is dispatched without waiting for
// more input. A line longer than the event bound fails with
// ErrEventTooLarge before more of it is read, so that memory stays bounded
// whatever the stream holds.
func (r *Reader) readLine() ([]byte, error) {
	if r.skipLF {
		r.skipLF = false
		b, err := r.br.Peek(1)
		if err != nil && err != io.EOF {
			return nil, err
		}
		if len(b) == 1 && b[0] == '\n' {
			_, _ = r.br.Discard(1)
		}
	}
	limit := r.maxEventSize() + maxFieldName
	r.line = r.line[:0]
	for {
		if _, err := r.br.Peek(1); err != nil {
			if err != io.EOF {
				return nil, err
			}
			if len(r.line) > 0 && (r.started || !bytes.Equal(r.line, bom)) {
				// Text after the last terminator at the end of the stream:
				// an unterminated line, which the standard discards; it
				// still counts as an unfinished event.
				r.pending = true
			}
			return nil, io.EOF
		}
		buf, _ := r.br.Peek(r.br.Buffered())
		i := bytes.IndexAny(buf, "\r\n")
		n := i
		if i < 0 {
			n = len(buf)
		}
		if len(r.line)+n > limit {
			return nil, fmt.Errorf("%w: a line longer than %d bytes", ErrEventTooLarge, limit)
		}
		if len(r.line)+n > cap(r.line) {
			// Grow by doubling up to the limit, so that a long line costs
			// at most twice the bound (append grows large slices by a
			// quarter, which would cost four times).
			grown := make([]byte, len(r.line), min(max(2*cap(r.line), len(r.line)+n), limit))
			copy(grown, r.line)
			r.line = grown
		}
		r.line = append(r.line, buf[:n]...)
		if i < 0 {
			_, _ = r.br.Discard(n)
			continue
		}
		r.skipLF = buf[i] == '\r'
		_, _ = r.br.Discard(i + 1)
		break
	}
	if !r.started {
		r.started = true
		r.line = bytes.TrimPrefix(r.line, bom)
	}
	return r.line, nil
}
