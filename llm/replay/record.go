package replay

import (
	"context"
	"fmt"
	"io"
	"iter"
	"sync"

	"github.com/conclave-dev/conclave/llm"
)

// Record returns middleware that appends each call of the model it wraps
// to w as one line (see the package documentation), with a single Write
// once the call has ended, so that concurrent calls never interleave and a
// crash loses at most the line being written. Calls the caller abandons
// mid-stream are not recorded. A failed write fails the call: a recording
// with a hole would not replay.
func Record(w io.Writer) llm.Middleware {
	rec := &recorder{w: w}
	return func(m llm.Model) llm.Model { return &recording{m: m, rec: rec} }
}

type recorder struct {
	mu sync.Mutex
	w  io.Writer
}

func (r *recorder) write(req *llm.Request, resp *llm.Response, err error) error {
	c := Call{Request: req, Response: resp}
	if err != nil {
		c.Response, c.Error = nil, newError(err)
	}
	line, merr := marshalLine(c)
	if merr != nil {
		return fmt.Errorf("replay: recording a call: %w", merr)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, werr := r.w.Write(line); werr != nil {
		return fmt.Errorf("replay: recording a call: %w", werr)
	}
	return nil
}

// recording is a recorded model; it streams when the inner model does.
type recording struct {
	m   llm.Model
	rec *recorder
}

func (r *recording) Generate(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	resp, err := r.m.Generate(ctx, req)
	if werr := r.rec.write(req, resp, err); werr != nil && err == nil {
		return nil, werr
	}
	return resp, err
}

func (r *recording) Stream(ctx context.Context, req *llm.Request) iter.Seq2[llm.Event, error] {
	return func(yield func(llm.Event, error) bool) {
		for ev, err := range llm.Stream(ctx, r.m, req) {
			switch {
			case err != nil:
				if werr := r.rec.write(req, nil, err); werr != nil {
					err = fmt.Errorf("%w (and %v)", err, werr)
				}
			case ev.Kind == llm.EventDone:
				if werr := r.rec.write(req, ev.Response, nil); werr != nil {
					yield(llm.Event{}, werr)
					return
				}
			}
			if !yield(ev, err) {
				return
			}
		}
	}
}
