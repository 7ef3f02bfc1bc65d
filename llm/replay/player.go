package replay

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/conclave-dev/conclave/llm"
)

// maxLine bounds one line of a recording.
const maxLine = 64 << 20

// ErrExhausted is returned by a [Player] asked for more calls than its
// recording holds.
var ErrExhausted = errors.New("replay: the recording has no more calls")

// ErrMismatch is wrapped by every [*MismatchError].
var ErrMismatch = errors.New("replay: the request differs from the recording")

// MismatchError reports the first difference between a request and the
// recorded one.
type MismatchError struct {
	// Call is the 1-based number of the call.
	Call int
	// Path names the difference, such as "messages[3].role" or
	// "tools[1].name".
	Path     string
	Recorded string
	Got      string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("replay: call %d differs from the recording at %s:\n  recorded: %s\n  got:      %s", e.Call, e.Path, e.Recorded, e.Got)
}

func (e *MismatchError) Unwrap() error { return ErrMismatch }

// Player is an [llm.Model] serving a recording: the n-th call gets the n-th
// recorded response (or error). It is safe for concurrent use; concurrent
// calls take lines in the order they arrive. Each call gets its own copy
// of the response.
type Player struct {
	// Check compares each request with the recorded one, when the line has
	// one, and fails the call with a *MismatchError at the first
	// difference in tool names, message count and roles, or tool-result
	// call ids.
	Check bool

	mu    sync.Mutex
	lines [][]byte
	next  int
}

// Load reads a recording. Every line must be a [Call] with a response or
// an error; the error names the first line that is not.
func Load(r io.Reader) (*Player, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	p := &Player{}
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var c Call
		if err := json.Unmarshal(line, &c); err != nil {
			return nil, fmt.Errorf("replay: line %d is not a recorded call: %w", n, err)
		}
		if c.Response == nil && c.Error == nil {
			return nil, fmt.Errorf("replay: line %d has neither \"response\" nor \"error\"; every call needs one", n)
		}
		p.lines = append(p.lines, bytes.Clone(line))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("replay: reading the recording: %w", err)
	}
	return p, nil
}

// Open loads the recording in the file at path.
func Open(path string) (*Player, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	defer f.Close()
	p, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return p, nil
}

// Remaining returns how many recorded calls have not been served.
func (p *Player) Remaining() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.lines) - p.next
}

// Generate serves the next recorded call.
func (p *Player) Generate(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	if err := context.Cause(ctx); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	p.mu.Lock()
	n := p.next
	if n >= len(p.lines) {
		p.mu.Unlock()
		return nil, fmt.Errorf("%w: call %d, %d recorded", ErrExhausted, n+1, len(p.lines))
	}
	p.next++
	line := p.lines[n]
	p.mu.Unlock()

	var c Call
	if err := json.Unmarshal(line, &c); err != nil {
		return nil, fmt.Errorf("replay: call %d: %w", n+1, err)
	}
	if p.Check && c.Request != nil {
		if err := compare(n+1, c.Request, req); err != nil {
			return nil, err
		}
	}
	if c.Error != nil {
		return nil, c.Error.err()
	}
	return c.Response, nil
}

// compare returns the first difference between the recorded request and
// got in what decides a run's course.
func compare(call int, recorded, got *llm.Request) error {
	diff := func(path string, r, g any) error {
		return &MismatchError{Call: call, Path: path, Recorded: fmt.Sprint(r), Got: fmt.Sprint(g)}
	}
	rt, gt := toolNames(recorded), toolNames(got)
	for i := range max(len(rt), len(gt)) {
		if i >= len(rt) || i >= len(gt) || rt[i] != gt[i] {
			return diff(fmt.Sprintf("tools[%d].name", i), at(rt, i), at(gt, i))
		}
	}
	for i := range max(len(recorded.Messages), len(got.Messages)) {
		if i >= len(recorded.Messages) || i >= len(got.Messages) {
			return diff("messages", fmt.Sprintf("%d messages", len(recorded.Messages)), fmt.Sprintf("%d messages", len(got.Messages)))
		}
		rm, gm := recorded.Messages[i], got.Messages[i]
		if rm.Role != gm.Role {
			return diff(fmt.Sprintf("messages[%d].role", i), rm.Role, gm.Role)
		}
		if r, g := resultIDs(rm), resultIDs(gm); !slices.Equal(r, g) {
			return diff(fmt.Sprintf("messages[%d].tool_results.call_ids", i), strings.Join(r, ","), strings.Join(g, ","))
		}
	}
	return nil
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "(none)"
}

func toolNames(req *llm.Request) []string {
	names := make([]string, len(req.Tools))
	for i, t := range req.Tools {
		names[i] = t.Name
	}
	return names
}

func resultIDs(m llm.Message) []string {
	var ids []string
	for _, p := range m.Parts {
		if p.ToolResult != nil {
			ids = append(ids, p.ToolResult.CallID)
		}
	}
	return ids
}
