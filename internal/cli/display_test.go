package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conclave-dev/conclave"
)

// On a terminal the table is redrawn in place: each redraw moves up over
// the lines drawn before and rewrites them.
func TestLiveDisplay(t *testing.T) {
	var w bytes.Buffer
	d := newDisplay(&w, true, []string{"a", "b"})
	d.observe(conclave.Event{Kind: conclave.EventCoder, Round: 1, Coder: "a", State: conclave.StateRunning, Steps: 3, Tool: "bash", Tokens: 12500, Cost: 0.0125})
	first := w.String()
	assert.Contains(t, first, "a                        running       3  bash                     12.5k   $0.0125")
	assert.Contains(t, first, "b                        waiting")
	assert.NotContains(t, first, "\x1b[3A")

	d.observe(conclave.Event{Kind: conclave.EventCoder, Round: 1, Coder: "b", State: conclave.StateDone, Steps: 9, Tokens: 2_500_000})
	d.observe(conclave.Event{Kind: conclave.EventStage, Round: 1, Stage: "syntax_vote", State: conclave.StateDone, Text: "winner a"})
	d.finish()
	rest := strings.TrimPrefix(w.String(), first)
	assert.Contains(t, rest, "\x1b[3A", "the second redraw goes back over the three lines of the first")
	assert.Contains(t, rest, "done          9")
	assert.Contains(t, rest, "2.5M")
	assert.Contains(t, rest, "stage 1/syntax_vote          done      winner a")
}

// Elsewhere, a plain line per change of state, not per step.
func TestPlainDisplay(t *testing.T) {
	var w bytes.Buffer
	d := newDisplay(&w, false, []string{"a"})
	d.observe(conclave.Event{Kind: conclave.EventCoder, Round: 1, Coder: "a", State: conclave.StateRunning})
	d.observe(conclave.Event{Kind: conclave.EventCoder, Round: 1, Coder: "a", State: conclave.StateRunning, Steps: 1, Tool: "bash"})
	d.observe(conclave.Event{Kind: conclave.EventCoder, Round: 2, Coder: "a", State: conclave.StateFailed, Steps: 4, Text: "coder a: budget\nstack"})
	assert.Equal(t, "coder a: running\ncoder a (round 2): failed after 4 steps, 0 tokens, $0.0000: coder a: budget\n", w.String())
}
