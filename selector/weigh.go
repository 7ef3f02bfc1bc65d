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
//	stage := selector.Weigh{SourceWeights: est.VoterWeights}
//
// A source missing from SourceWeights weighs 1, the weight
// vote.Reliability gives a source without a record; a source weighing 0
// does not count. The stage records the weights set and each candidate's
// weight, and notes the sources it has no weight for. It is named
// "weigh".
type Weigh struct {
	SourceWeights map[string]float64
}

// Run implements [Stage].
func (w Weigh) Run(_ context.Context, p *Pool) (*Step, error) {
	step := &Step{Stage: "weigh", Settings: &Settings{SourceWeights: maps.Clone(w.SourceWeights)}}
	if err := checkWeights("Weigh.SourceWeights", w.SourceWeights); err != nil {
		return step, err
	}
	p.SourceWeights = maps.Clone(w.SourceWeights)
	if p.SourceWeights == nil {
		p.SourceWeights = map[string]float64{}
	}
	step.CandidateWeights = make(map[string]float64, len(p.Candidates))
	unknown := map[string]bool{}
	for _, c := range p.Candidates {
		step.CandidateWeights[c.ID] = p.weight(c)
		if _, ok := p.SourceWeights[c.From()]; !ok && !unknown[c.From()] {
			unknown[c.From()] = true
			step.Notes = append(step.Notes, fmt.Sprintf("no weight for source %q: it weighs 1", c.From()))
		}
	}
	return step, nil
}
