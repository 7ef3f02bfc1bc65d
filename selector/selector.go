package selector

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// ErrNoCandidates means a selection was given no candidates.
var ErrNoCandidates = errors.New("selector: no candidates")

// Stage is one step of a selection. Run works on the pool: it may drop
// candidates (removing them from p.Candidates and listing each in
// Step.Dropped with why), reorder them, group them into p.Clusters, set
// p.SourceWeights, or decide by setting p.Winner to a candidate in the
// running and putting it first. It may not add candidates.
//
// Run returns the evidence of what it did, non-nil even with an error. An
// error means the stage could not do its work at all, because it is
// misconfigured or ctx ended, and stops the selection. A judge, verifier or
// test runner that fails is not an error: the stage records a [Failure],
// leaves the answer out and goes on.
type Stage interface {
	Run(ctx context.Context, p *Pool) (*Step, error)
}

// StageFunc adapts a function to [Stage].
type StageFunc func(ctx context.Context, p *Pool) (*Step, error)

// Run calls f.
func (f StageFunc) Run(ctx context.Context, p *Pool) (*Step, error) { return f(ctx, p) }

// Selector runs stages, in order, until one decides. The zero value runs
// no stage, so the first candidate wins.
type Selector struct {
	Stages []Stage
}

// DecidedByOrder is [Decision.DecidedBy] when no stage chose: the first
// candidate left in the pool won.
const DecidedByOrder = "pool_order"

// TieRuleOrder is [Decision.TieRule] when the pool's order chose the
// winner.
const TieRuleOrder = "pool order"

// Decision is the outcome of a selection and the evidence for it: read on
// its own, it says what decided and why. It encodes as JSON with the field
// names below, which are stable; [Decision.Explain] writes it for a
// reader.
type Decision struct {
	// Winner is the ID of the chosen candidate.
	Winner string `json:"winner"`
	// DecidedBy names the stage that chose the winner, or
	// [DecidedByOrder].
	DecidedBy string `json:"decided_by"`
	// Confident is false when the winner was not chosen on its merits:
	// every candidate failed a filter and all were kept, or no stage
	// chose and the pool's order did. Doubts say why, in words.
	Confident bool     `json:"confident"`
	Doubts    []string `json:"doubts,omitempty"`
	// Seed is the pool's seed, which drove every random choice; TieRule
	// is the rule that settled a tie in the vote that chose the winner
	// (as [vote.Tiebreak.String] words it), or [TieRuleOrder].
	Seed    uint64 `json:"seed"`
	TieRule string `json:"tie_rule,omitempty"`
	// Candidates are the IDs of the candidates given, in order.
	Candidates []string `json:"candidates"`
	// Ranking lists every candidate, best first: the winner, then the
	// pool in order, each candidate followed by the other members of its
	// cluster, then the dropped candidates, the last dropped first.
	Ranking []string `json:"ranking"`
	// Clusters are the clusters of the last stage that formed any.
	Clusters []Cluster `json:"clusters,omitempty"`
	// Steps holds each stage's evidence, in the order they ran.
	Steps []Step `json:"steps"`
}

// Run runs the stages on p, in order, records each one's [Step] in p, and
// stops after a stage that decides. It returns the pool's decision: the
// winner a stage chose, or else the first candidate left.
//
// Run enforces two rules for every stage: a stage that would leave no
// candidate drops none (Trae keeps all candidates when none passes its
// tests, and a selection must always have an answer: Step.KeptFailing
// lists them, Step.KeptAll is set, and the Decision is not Confident),
// and a stage may not put in the pool a candidate that was not in the
// running, nor choose one that is not. A stage that changes nothing says
// so in a note.
//
// Running another Selector on the same pool afterwards continues the
// selection, and its Decision holds the steps of both. A pool that has a
// winner runs no more stages.
//
// Errors: the first of [ErrNoCandidates], a bad candidate list, or a
// stage's error (wrapped with its name). With a stage's error, or when ctx
// ends between stages, Run returns the decision so far as well. Run is
// deterministic when its stages are: the same pool (Seed included) gives
// the same Decision.
func (s Selector) Run(ctx context.Context, p *Pool) (*Decision, error) {
	if err := p.start(); err != nil {
		return nil, err
	}
	for i, st := range s.Stages {
		if p.Winner != "" {
			break
		}
		if ctx.Err() != nil {
			return p.decision(), fmt.Errorf("selector: stopped before stage %d: %w", i+1, context.Cause(ctx))
		}
		if st == nil {
			return p.decision(), fmt.Errorf("selector: Selector.Stages[%d] is nil: remove it or set a stage", i)
		}
		before := p.snapshot()
		step, err := st.Run(ctx, p)
		if step == nil {
			step = &Step{}
		}
		if step.Stage == "" {
			step.Stage = fmt.Sprintf("stage %d", i+1)
		}
		if serr := p.settle(before.candidates, step); serr != nil && err == nil {
			err = serr
		}
		if err == nil && before.same(p, step) && !step.KeptAll {
			step.Notes = append(step.Notes, fmt.Sprintf("no change: the %d candidates go on as they were", len(p.Candidates)))
		}
		p.steps = append(p.steps, *step)
		if err != nil {
			return p.decision(), fmt.Errorf("selector: %s: %w", step.Stage, err)
		}
	}
	return p.decision(), nil
}

// settle checks what a stage did to the pool, given the candidates before
// it, and records the drops.
func (p *Pool) settle(before []Candidate, step *Step) error {
	was := make(map[string]bool, len(before))
	for _, c := range before {
		was[c.ID] = true
	}
	now := make(map[string]bool, len(p.Candidates))
	for _, c := range p.Candidates {
		if !was[c.ID] || now[c.ID] {
			p.Candidates, p.Winner = before, ""
			return fmt.Errorf("put candidate %q in the pool twice or from outside the running: a stage may only drop and reorder candidates", c.ID)
		}
		now[c.ID] = true
	}
	if p.Winner != "" && !now[p.Winner] {
		bad := p.Winner
		p.Candidates, p.Winner = before, ""
		return fmt.Errorf("chose %q, which is not in the running", bad)
	}
	if len(p.Candidates) == 0 && len(before) > 0 {
		p.Candidates = before
		step.KeptAll = true
		step.KeptFailing = append(step.KeptFailing, step.Dropped...)
		step.Dropped = nil
		step.Notes = append(step.Notes, "every candidate failed this stage, so all were kept")
		return nil
	}
	listed := map[string]bool{}
	for _, d := range step.Dropped {
		listed[d.Candidate] = true
	}
	for _, c := range before {
		if now[c.ID] {
			continue
		}
		if !listed[c.ID] {
			step.Dropped = append(step.Dropped, Rejection{Candidate: c.ID, Reason: ReasonRemoved})
		}
		p.dropped = append(p.dropped, c.ID)
	}
	if p.Winner != "" {
		p.reorder([]string{p.Winner})
		step.Winner = p.Winner
	}
	return nil
}

// snapshot is what a stage may change in a pool.
type snapshot struct {
	candidates []Candidate
	clusters   []Cluster
	weights    map[string]float64
}

func (p *Pool) snapshot() snapshot {
	return snapshot{slices.Clone(p.Candidates), slices.Clone(p.Clusters), maps.Clone(p.SourceWeights)}
}

// same reports whether a stage that left step changed nothing in p.
func (s snapshot) same(p *Pool, step *Step) bool {
	return p.Winner == "" && len(step.Dropped) == 0 &&
		slices.EqualFunc(s.candidates, p.Candidates, func(a, b Candidate) bool { return a.ID == b.ID }) &&
		reflect.DeepEqual(s.clusters, p.Clusters) && maps.Equal(s.weights, p.SourceWeights)
}

// decision is the pool's decision so far.
func (p *Pool) decision() *Decision {
	d := &Decision{Steps: slices.Clone(p.steps), Seed: p.Seed, Confident: true}
	for _, c := range p.all {
		d.Candidates = append(d.Candidates, c.ID)
	}
	for _, st := range p.steps {
		if st.Clusters != nil {
			d.Clusters = st.Clusters
		}
		switch {
		case st.KeptAll:
			d.Doubts = append(d.Doubts, fmt.Sprintf("every candidate failed %s (%s); all were kept so that there is an answer", st.Stage, reasons(st.KeptFailing)))
		case len(st.KeptFailing) > 0:
			d.Doubts = append(d.Doubts, fmt.Sprintf("no candidate passed %s (%s); the least bad were kept", st.Stage, reasons(st.KeptFailing)))
		}
	}
	switch {
	case p.Winner != "":
		d.Winner = p.Winner
		for _, st := range p.steps {
			if st.Winner == p.Winner {
				d.DecidedBy = st.Stage
				if st.Vote != nil {
					d.TieRule = st.Vote.TieRule
				}
			}
		}
	case len(p.Candidates) > 0:
		d.Winner, d.DecidedBy, d.TieRule = p.Candidates[0].ID, DecidedByOrder, TieRuleOrder
		for _, st := range p.steps {
			if st.Error != "" {
				d.Doubts = append(d.Doubts, fmt.Sprintf("%s decided nothing: %s", st.Stage, st.Error))
			}
		}
		d.Doubts = append(d.Doubts, "no stage chose a winner, so the first candidate left in pool order won")
	}
	d.Confident = len(d.Doubts) == 0
	clusterOf := map[string][]string{}
	for _, cl := range d.Clusters {
		for _, m := range cl.Members {
			clusterOf[m] = cl.Members
		}
	}
	listed := map[string]bool{}
	add := func(id string) {
		if id == "" || listed[id] {
			return
		}
		listed[id] = true
		d.Ranking = append(d.Ranking, id)
	}
	// A candidate's cluster follows it: its members are equivalent to it.
	withCluster := func(id string) {
		add(id)
		for _, m := range clusterOf[id] {
			add(m)
		}
	}
	withCluster(d.Winner)
	for _, c := range p.Candidates {
		withCluster(c.ID)
	}
	for _, id := range slices.Backward(p.dropped) {
		add(id)
	}
	for _, c := range p.all {
		add(c.ID)
	}
	return d
}

// reasons lists the distinct reasons of rejections, in order.
func reasons(rs []Rejection) string {
	var out []string
	for _, r := range rs {
		if !slices.Contains(out, string(r.Reason)) {
			out = append(out, string(r.Reason))
		}
	}
	return strings.Join(out, ", ")
}
