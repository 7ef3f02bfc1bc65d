package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/conclave-dev/conclave"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// display shows a run's progress: on a terminal, a table redrawn in place
// with a line per Coder (step, last tool, tokens, cost, state) and per
// selection stage; elsewhere, a plain line for each change of state.
type display struct {
	w    io.Writer
	live bool

	mu      sync.Mutex
	coders  []string
	rows    map[string]conclave.Event // latest event per Coder
	stages  []string
	stageOf map[string]conclave.Event
	notes   []string // tests and judges, latest last
	drawn   int      // lines drawn by the last redraw
	last    time.Time
}

func newDisplay(w io.Writer, live bool, coders []string) *display {
	return &display{w: w, live: live, coders: coders, rows: map[string]conclave.Event{}, stageOf: map[string]conclave.Event{}}
}

// observe is the Pipeline's observer.
func (d *display) observe(e conclave.Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	changed := true
	switch e.Kind {
	case conclave.EventCoder:
		prev, seen := d.rows[key(e)]
		changed = !seen || prev.State != e.State
		if !slices.Contains(d.coders, key(e)) {
			d.coders = append(d.coders, key(e))
		}
		d.rows[key(e)] = e
	case conclave.EventStage:
		name := fmt.Sprintf("%d/%s", e.Round, e.Stage)
		if !slices.Contains(d.stages, name) {
			d.stages = append(d.stages, name)
		}
		d.stageOf[name] = e
	default:
		d.notes = append(d.notes, line(e))
		if len(d.notes) > 4 {
			d.notes = d.notes[len(d.notes)-4:]
		}
	}
	if !d.live {
		if changed {
			fmt.Fprintln(d.w, line(e))
		}
		return
	}
	// Redraw at most ten times a second, but always on a change of state.
	if !changed && time.Since(d.last) < 100*time.Millisecond {
		return
	}
	d.redraw()
}

// key names a Coder's row: its ID, with its round after the first.
func key(e conclave.Event) string {
	if e.Round > 1 {
		return fmt.Sprintf("%s (round %d)", e.Coder, e.Round)
	}
	return e.Coder
}

// finish draws the last state.
func (d *display) finish() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.live {
		d.redraw()
	}
}

func (d *display) redraw() {
	d.last = time.Now()
	var b strings.Builder
	if d.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", d.drawn)
	}
	lines := d.lines()
	for _, l := range lines {
		b.WriteString("\x1b[2K" + l + "\n")
	}
	d.drawn = len(lines)
	io.WriteString(d.w, b.String())
}

func (d *display) lines() []string {
	out := []string{fmt.Sprintf("%-24s %-9s %5s  %-20s %9s %9s", "coder", "state", "step", "last tool", "tokens", "cost")}
	for _, c := range d.coders {
		e, ok := d.rows[c]
		if !ok {
			out = append(out, fmt.Sprintf("%-24s %-9s", c, "waiting"))
			continue
		}
		out = append(out, fmt.Sprintf("%-24s %-9s %5d  %-20s %9s %9s", clip(c, 24), e.State, e.Steps, clip(e.Tool, 20), tokens(e.Tokens), dollars(e.Cost)))
	}
	for _, s := range d.stages {
		e := d.stageOf[s]
		out = append(out, clip(fmt.Sprintf("stage %-22s %-9s %s", s, e.State, e.Text), 110))
	}
	for _, n := range d.notes {
		out = append(out, clip(n, 110))
	}
	return out
}

// line is an event as one plain line.
func line(e conclave.Event) string {
	switch e.Kind {
	case conclave.EventCoder:
		s := fmt.Sprintf("coder %s: %s", key(e), e.State)
		if e.State != conclave.StateRunning {
			s += fmt.Sprintf(" after %d steps, %s tokens, %s", e.Steps, tokens(e.Tokens), dollars(e.Cost))
		}
		if e.Text != "" {
			s += ": " + firstLine(e.Text)
		}
		return s
	case conclave.EventStage:
		return fmt.Sprintf("round %d, stage %s: %s %s", e.Round, e.Stage, e.State, e.Text)
	case conclave.EventJudge:
		return fmt.Sprintf("judge %s (%s): %s %s", e.Judge, e.Stage, e.State, firstLine(e.Text))
	case conclave.EventTests:
		return fmt.Sprintf("tests: %s %s", e.State, firstLine(e.Text))
	}
	return fmt.Sprintf("round %d: %s", e.Round, e.Text)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func tokens(n int) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

func dollars(c float64) string { return fmt.Sprintf("$%.4f", c) }
