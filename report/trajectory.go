package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/llm"
)

// Bounds on what a report holds of untrusted text, so a huge trajectory
// or patch makes a page of bounded weight: each text keeps its head and
// tail, and says how much it left out.
const (
	maxText       = 16 << 10  // a model message, tool argument or tool output
	maxPatch      = 512 << 10 // a patch
	maxLine       = 64 << 20  // one trajectory line, as agent.ReadTrajectory reads it
	maxTrajectory = 1 << 30   // the bytes of a trajectory file read
	maxSteps      = 5000      // the steps of one trajectory kept
)

// maxKept bounds the text kept of one trajectory, all steps together (a
// variable for the tests).
var maxKept = 32 << 20

// Trajectory is an agent's trajectory as a report shows it: its steps in
// order, each with the model's text, its tool calls and their results,
// tokens and cost, and the trims of the context.
type Trajectory struct {
	// Agent names the agent, such as "coder claude, round 1".
	Agent string
	// Path is the file's path inside the run directory.
	Path string
	// Candidate is the candidate the agent made, for a Coder; Trace is the
	// trajectory path a judge's trace names.
	Candidate, Trace string
	// Start and Stop are the run's first and last events, when recorded.
	Start *agent.Start
	Stop  *agent.Stop
	// Steps are the steps, in order; a subagent's steps are among them,
	// named by their Agent.
	Steps []*Step
	// Tokens and Cost sum the steps' model calls.
	Tokens int
	Cost   float64
	// Errors counts the steps with an error.
	Errors int
	// Problem says why the trajectory could not be read whole.
	Problem string
}

// Step is one step of a trajectory.
type Step struct {
	N     int
	Agent string // the agent's name in the events; a subagent's is parent/child
	Sub   bool   // a subagent's step
	// Text and Reasoning are the model's words, bounded.
	Text, Reasoning string
	Calls           []*Call
	Trims           []agent.Trim
	Nudge           string
	// Error is the model call's error.
	Error  string
	Tokens int
	Cost   float64
	// Latency is the model call's.
	Latency time.Duration
}

// Call is one tool call of a step and its result.
type Call struct {
	ID, Name string
	// Args are the arguments, indented when they are JSON; Output is the
	// result the model read. Both are bounded.
	Args, Output string
	IsError      bool
	Failure      agent.Failure
	Done         bool
	Answered     bool
	Duration     time.Duration
}

// HasError reports whether the step failed: a model error, a failed tool
// call or a tool call's error result.
func (s *Step) HasError() bool {
	if s.Error != "" {
		return true
	}
	for _, c := range s.Calls {
		if c.IsError || c.Failure != "" {
			return true
		}
	}
	return false
}

// read reads a trajectory's events from r, as agent.ReadTrajectory does
// (a last line cut short by a crash is left out), keeping a bounded view
// of each instead of the events.
func (t *Trajectory) read(r io.Reader) error {
	sc := bufio.NewScanner(io.LimitReader(r, maxTrajectory))
	sc.Buffer(make([]byte, 64<<10), maxLine)
	kept := 0
	// keep bounds s, and once the trajectory's text is past maxKept keeps
	// none of it.
	keep := func(s string) string {
		if kept >= maxKept && s != "" {
			return fmt.Sprintf("[… %d bytes left out: this trajectory's text is past %d MiB …]", len(s), maxKept>>20)
		}
		s = bound(s, maxText)
		kept += len(s)
		return s
	}
	var (
		pending error
		root    string
		curBy   = map[string]*Step{} // each agent's step, a subagent's too
		byID    = map[string]*Call{}
	)
	for n := 1; sc.Scan(); n++ {
		if pending != nil {
			return pending
		}
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var ev agent.Event
		if err := json.Unmarshal(line, &ev); err != nil {
			pending = fmt.Errorf("line %d is not an event: %v", n, err)
			continue
		}
		if root == "" {
			root = ev.Agent
		}
		sub := ev.Agent != root
		switch ev.Kind {
		case agent.EventStart:
			if !sub && ev.Start != nil {
				s := *ev.Start
				s.Task, s.System = keep(s.Task), keep(s.System)
				t.Start = &s
			}
		case agent.EventStep:
			if len(t.Steps) >= maxSteps {
				return fmt.Errorf("more than %d steps: the rest are left out", maxSteps)
			}
			st := &Step{N: ev.Step, Agent: ev.Agent, Sub: sub}
			curBy[ev.Agent] = st
			t.Steps = append(t.Steps, st)
		case agent.EventStop:
			if !sub && ev.Stop != nil {
				s := *ev.Stop
				s.Final, s.Error = keep(s.Final), keep(s.Error)
				t.Stop = &s
			}
		}
		cur := curBy[ev.Agent]
		if cur == nil {
			continue // an event before its agent's first step
		}
		switch ev.Kind {
		case agent.EventTrim:
			if ev.Trim != nil {
				tr := *ev.Trim
				tr.History = nil
				cur.Trims = append(cur.Trims, tr)
			}
		case agent.EventModelCall:
			if m := ev.Model; m != nil {
				cur.Error, cur.Cost, cur.Latency = keep(m.Error), m.Cost, m.Latency
				if m.Response != nil {
					cur.Tokens = m.Response.Usage.Total()
					var text, reasoning []string
					for _, p := range m.Response.Message.Parts {
						switch p.Kind {
						case llm.KindText:
							text = append(text, p.Text)
						case llm.KindReasoning:
							reasoning = append(reasoning, p.Text)
						}
					}
					cur.Text = keep(strings.Join(text, "\n"))
					cur.Reasoning = keep(strings.Join(reasoning, "\n"))
				}
				t.Tokens += cur.Tokens
				t.Cost += cur.Cost
			}
		case agent.EventToolCall:
			if ev.Call != nil {
				c := &Call{ID: ev.Call.ID, Name: ev.Call.Name, Args: keep(args(ev.Call.Args))}
				cur.Calls = append(cur.Calls, c)
				byID[ev.Call.ID] = c
			}
		case agent.EventToolResult:
			if tr := ev.Tool; tr != nil {
				c := byID[tr.Call.ID]
				if c == nil {
					c = &Call{ID: tr.Call.ID, Name: tr.Call.Name, Args: keep(args(tr.Call.Args))}
					cur.Calls = append(cur.Calls, c)
				}
				c.Output, c.IsError, c.Failure, c.Done, c.Duration, c.Answered = keep(tr.Content), tr.IsError, tr.Failure, tr.Done, tr.Duration, true
			}
		case agent.EventNudge:
			cur.Nudge = keep(ev.Text)
		}
	}
	for _, s := range t.Steps {
		if s.HasError() {
			t.Errors++
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("a line is longer than %d MiB: the rest is left out", maxLine>>20)
		}
		return err
	}
	return nil
}

// args returns a tool call's arguments for reading: indented JSON, or the
// raw text when it is not JSON.
func args(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return bound(string(raw), maxText)
	}
	return bound(b.String(), maxText)
}

// bound returns s when it is at most n bytes, else its head and tail
// around a line saying how much was left out.
func bound(s string, n int) string {
	if len(s) <= n {
		return s
	}
	head, tail := validHead(s[:n/2]), validTail(s[len(s)-n/2:])
	return fmt.Sprintf("%s\n[… %d bytes left out …]\n%s", head, len(s)-len(head)-len(tail), tail)
}

// validHead and validTail cut a partial UTF-8 sequence off the end or the
// start of s.
func validHead(s string) string {
	for i := len(s) - 1; i >= 0 && i >= len(s)-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			if !utf8.FullRuneInString(s[i:]) {
				return s[:i]
			}
			break
		}
	}
	return s
}

func validTail(s string) string {
	for i := 0; i < len(s) && i < utf8.UTFMax; i++ {
		if utf8.RuneStart(s[i]) {
			return s[i:]
		}
	}
	return "" // no rune starts here: s is not UTF-8, or only a rune's end
}
