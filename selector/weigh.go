package selector

import (
	"context"
	"fmt"
	"maps"
)

// Weigh sets how much each source's candidates weigh in the syntax vote,
// typically from the sources' track records:
//
//	est, err := vote.Reliability{Options: 7}.FromOutcomes(records)
//	stage := selector.Weigh{Weights: est.Weights}
//
// A source missing from Weights weighs 1, the weight vote.Reliability
// gives a source without a record; a source weighing 0 does not count.
// The stage records each candidate's weight, and notes the sources it has
// no weight for. It is named "weigh".
type Weigh struct {
	Weights map[string]float64 // by source
}

// Run implements [Stage].
func (w Weigh) Run(_ context.Context, p *Pool) (*Step, error) {
	step := &Step{Stage: "weigh"}
	if err := checkWeights("Weigh.Weights", w.Weights); err != nil {
		return step, err
	}
	p.Weights = maps.Clone(w.Weights)
	if p.Weights == nil {
		p.Weights = map[string]float64{}
	}
	step.Weights = make(map[string]float64, len(p.Candidates))
	unknown := map[string]bool{}
	for _, c := range p.Candidates {
		step.Weights[c.ID] = p.weight(c)
		if _, ok := p.Weights[c.From()]; !ok && !unknown[c.From()] {
			unknown[c.From()] = true
			step.Notes = append(step.Notes, fmt.Sprintf("no weight for source %q: it weighs 1", c.From()))
		}
	}
	return step, nil
}
