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

// ErrEventTooLarge is returned when an event's data exceeds the limit.
var ErrEventTooLarge = errors.New("sse: event too large")

// Reader reads events from a stream. It is not safe for concurrent use.
type Reader struct {
	// MaxEventSize bounds the data of one event; 0 means DefaultMaxEventSize.
	MaxEventSize int
	// Retry is the reconnection time in milliseconds the stream last set.
	Retry int

	br      *bufio.Reader
	lines   [][]byte // lines split from the current chunk
	next    int      // the first line of lines not yet read
	chunk   []byte
	started bool // the first line has been read (for the BOM)
	eof     bool

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
		max := r.MaxEventSize
		if max <= 0 {
			max = DefaultMaxEventSize
		}
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

// readLine returns the next line without its terminator. Lines end at LF,
// CRLF or a lone CR. The stream is read in chunks ending at LF, so a CRLF
// pair is never split across chunks and any other CR in a chunk is a lone
// CR terminator.
func (r *Reader) readLine() ([]byte, error) {
	for r.next == len(r.lines) {
		if r.eof {
			return nil, io.EOF
		}
		if err := r.readChunk(); err != nil {
			return nil, err
		}
	}
	r.next++
	return r.lines[r.next-1], nil
}

func (r *Reader) readChunk() error {
	r.chunk, r.lines, r.next = r.chunk[:0], r.lines[:0], 0
	for {
		b, err := r.br.ReadSlice('\n')
		r.chunk = append(r.chunk, b...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			r.eof = true
			break
		}
		if err != nil {
			return err
		}
		break
	}
	if !r.started {
		r.started = true
		r.chunk = bytes.TrimPrefix(r.chunk, []byte("\xEF\xBB\xBF"))
	}
	rest := r.chunk
	for len(rest) > 0 {
		i := bytes.IndexAny(rest, "\r\n")
		if i < 0 {
			// Text after the last terminator at the end of the stream: an
			// unterminated line, which the standard discards; it still
			// counts as an unfinished event.
			if r.eof {
				r.pending = true
			}
			break
		}
		r.lines = append(r.lines, rest[:i])
		if rest[i] == '\r' && i+1 < len(rest) && rest[i+1] == '\n' {
			i++
		}
		rest = rest[i+1:]
	}
	return nil
}
