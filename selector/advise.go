package selector

import (
	"context"
	"fmt"
)

// Advise runs a stage for its evidence and its order only: when the stage
// chooses a winner, the choice stands as the pool's order (the winner
// first) but does not decide, and the selection goes on. Under Advise a
// [Panel]'s votes become a signal for a later stage, such as [Rank]'s
// approval feature, instead of the last word.
//
// The step is the inner stage's, named after it, with a note saying its
// winner only leads.
type Advise struct {
	Stage Stage
}

// Run implements [Stage].
func (a Advise) Run(ctx context.Context, p *Pool) (*Step, error) {
	if a.Stage == nil {
		return &Step{Stage: "advise"}, fmt.Errorf("selector: Advise.Stage is nil: set the stage to run")
	}
	step, err := a.Stage.Run(ctx, p)
	if step == nil {
		step = &Step{Stage: "advise"}
	}
	if p.Winner != "" {
		step.Notes = append(step.Notes, fmt.Sprintf("advisory: %s leads, but this stage does not decide", p.Winner))
		p.reorder([]string{p.Winner})
		p.Winner = ""
	}
	return step, err
}
