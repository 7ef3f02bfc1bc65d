package bash

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"
	"unicode/utf8"
)

// clip holds what was written to it within a bound: the first max/2 bytes
// and the last max-max/2, counting what fell in between. Memory stays below
// twice the bound however much a command prints.
type clip struct {
	max  int
	head []byte
	tail []byte // the last bytes; holds up to twice its share between compactions
	n    int64  // bytes written
}

func (c *clip) Write(p []byte) {
	c.n += int64(len(p))
	if room := c.max/2 - len(c.head); room > 0 {
		k := min(room, len(p))
		c.head = append(c.head, p[:k]...)
		p = p[k:]
	}
	share := c.max - c.max/2
	c.tail = append(c.tail, p...)
	if len(c.tail) > 2*share {
		c.tail = append(c.tail[:0], c.tail[len(c.tail)-share:]...)
	}
}

// parts returns the kept head and tail and the number of bytes cut
// between them.
func (c *clip) parts() (head, tail []byte, cut int64) {
	tail = c.tail
	if share := c.max - c.max/2; len(tail) > share {
		tail = tail[len(tail)-share:]
	}
	return c.head, tail, c.n - int64(len(c.head)) - int64(len(tail))
}

// text renders the clip in at most budget bytes of kept output, cutting
// from the middle, and returns how many bytes it left out. A cut says how
// much it removed and never splits a UTF-8 sequence.
func (c *clip) text(name string, budget int) (string, int64) {
	head, tail, cut := c.parts()
	if len(head)+len(tail) > budget {
		h := min(budget/2, len(head))
		t := max(len(tail)-(budget-h), 0)
		cut += int64(len(head) - h + t)
		head, tail = head[:h], tail[t:]
	}
	if cut == 0 {
		return string(head) + string(tail), 0
	}
	head, tail, n := runeEdges(head, tail)
	cut += int64(n)
	return fmt.Sprintf("%s\n[... %d bytes of %s cut here ...]\n%s", head, cut, name, tail), cut
}

// runeEdges drops the bytes of a UTF-8 sequence split by a cut between head
// and tail, and returns how many it dropped.
func runeEdges(head, tail []byte) ([]byte, []byte, int) {
	n := 0
	for i := len(head) - 1; i >= 0 && i >= len(head)-utf8.UTFMax; i-- {
		if utf8.RuneStart(head[i]) {
			if !utf8.FullRune(head[i:]) {
				n += len(head) - i
				head = head[:i]
			}
			break
		}
	}
	for k := 0; k < utf8.UTFMax-1 && len(tail) > 0 && !utf8.RuneStart(tail[0]); k++ {
		tail = tail[1:]
		n++
	}
	return head, tail, n
}

// render formats a command's output for the model: stdout, then stderr
// after a "[stderr]" line, within max bytes of kept output in all. When both
// are long each gets half; when one is short the other gets the rest. cut
// reports whether anything was left out.
func render(stdout, stderr *clip, max int) (text string, cut bool) {
	errBudget := min(kept(stderr), max-min(kept(stdout), max/2))
	out, outCut := stdout.text("stdout", max-errBudget)
	if stderr.n == 0 {
		return out, outCut > 0
	}
	errs, errCut := stderr.text("stderr", errBudget)
	if out != "" && !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	return out + "[stderr]\n" + errs, outCut+errCut > 0
}

func kept(c *clip) int {
	head, tail, _ := c.parts()
	return len(head) + len(tail)
}

// segment is a stream's output up to an end marker and the NUL-terminated
// fields the shell printed after the marker.
type segment struct {
	out    *clip
	fields []string
}

// stream reads one output pipe of the shell and splits it into segments at
// the end markers. Bytes that arrive after a marker (from background jobs)
// start the next segment.
type stream struct {
	f       *os.File
	marker  []byte
	nfields int
	max     int
	notify  chan<- struct{} // signalled, without blocking, on each segment
	done    chan struct{}   // closed when read returns

	mu   sync.Mutex
	segs []segment

	cur *clip // the segment being read; read by others only after done
}

// newStream returns a stream of f split at marker, after which come nfields
// NUL-terminated fields; max bounds the output kept per segment.
func newStream(f *os.File, marker []byte, nfields, max int, notify chan<- struct{}) *stream {
	return &stream{
		f: f, marker: marker, nfields: nfields, max: max,
		notify: notify, done: make(chan struct{}), cur: &clip{max: max},
	}
}

// read runs until the pipe is at EOF or closed.
func (s *stream) read() {
	defer close(s.done)
	buf := make([]byte, 32<<10)
	var pending []byte // bytes that may belong to a marker
	for {
		n, err := s.f.Read(buf)
		pending = s.scan(append(pending, buf[:n]...))
		if err != nil {
			s.cur.Write(pending)
			return
		}
	}
}

// scan moves output out of p into segments and returns the bytes it cannot
// classify yet: a possible start of a marker, or a marker whose fields are
// incomplete.
func (s *stream) scan(p []byte) []byte {
	for {
		i := bytes.Index(p, s.marker)
		if i < 0 {
			keep := min(len(p), len(s.marker)-1)
			s.cur.Write(p[:len(p)-keep])
			return append(p[:0], p[len(p)-keep:]...)
		}
		rest := p[i+len(s.marker):]
		var fields []string
		for range s.nfields {
			j := bytes.IndexByte(rest, 0)
			if j < 0 {
				s.cur.Write(p[:i])
				return append(p[:0], p[i:]...)
			}
			fields = append(fields, string(rest[:j]))
			rest = rest[j+1:]
		}
		s.cur.Write(p[:i])
		s.mu.Lock()
		s.segs = append(s.segs, segment{out: s.cur, fields: fields})
		s.mu.Unlock()
		s.cur = &clip{max: s.max}
		select {
		case s.notify <- struct{}{}:
		default:
		}
		p = rest
	}
}

// take returns the oldest segment not yet taken, or nil.
func (s *stream) take() *segment {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.segs) == 0 {
		return nil
	}
	seg := s.segs[0]
	s.segs = s.segs[1:]
	return &seg
}
