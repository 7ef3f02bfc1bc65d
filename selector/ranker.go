package selector

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/conclave-dev/conclave/selector/rank"
	"github.com/conclave-dev/conclave/vote"
)

// ReasonRankedOut is why [Rank] with Keep drops a candidate: it scored
// below the candidates kept.
const ReasonRankedOut Reason = "ranked_out"

// Rank orders the pool by the score of a trained ranker ([rank.Model]):
// each candidate's features are computed from the pool ([rank.Extract]:
// its source's track record, its size, its agreement with the others, its
// flags) and from what earlier stages of the selection found, and scored
// by the model. The best scoring candidate wins; with Keep, the Keep best
// stay in the running, in score order, and a later stage (a judge panel,
// say) chooses among them. Equal scores keep pool order.
//
// # The combined policy
//
// The model's signal features carry the rest of a selection into the
// same ranking. [rank.Regressions] counts the tests a candidate broke in
// the last [Regression] stage before (a run that failed breaks them all),
// and [rank.Approval] the share of the judges' weight that
// approved the candidate in the first round of the last approval vote
// before, such as a [Panel] run under [Advise] so that it does not decide
// alone. One score then weighs patch features, tests and judges, with the
// weights learned from history ([rank.History.Train] on pools whose
// candidates carry their test results and votes); without tests or
// judges those features are 0 for every candidate and count for nothing.
//
// The model's [rank.ClusterShare] feature needs the pool clustered, as in
// training: put [SyntaxCluster] before Rank. The step records the
// model's weights, every candidate's features and score, and the ranking.
// The stage is named "rank".
type Rank struct {
	Model *rank.Model
	// Records are the sources' track records for the [rank.TrackRecord]
	// feature; nil means the model's own.
	Records map[string]vote.Record
	// Keep, when positive, keeps the Keep best candidates and decides
	// nothing; 0 means the best wins.
	Keep int
}

// Run implements [Stage].
func (r Rank) Run(ctx context.Context, p *Pool) (*Step, error) {
	step := &Step{Stage: "rank"}
	switch {
	case r.Model == nil:
		return step, fmt.Errorf("selector: Rank.Model is nil: train one with rank.Train and set it")
	case r.Keep < 0:
		return step, fmt.Errorf("selector: Rank.Keep is %d: use 0 to decide, or the number of candidates to keep", r.Keep)
	}
	if err := r.Model.Check(); err != nil {
		return step, fmt.Errorf("selector: Rank.Model: %w", err)
	}
	weights := r.Model.FeatureWeights()
	step.Settings = &Settings{FeatureWeights: weights, Keep: r.Keep}
	if weights[rank.ClusterShare.String()] != 0 && p.Clusters == nil {
		return step, fmt.Errorf("selector: Rank's model weighs %s, but the pool is not clustered: put SyntaxCluster before Rank, as in training", rank.ClusterShare)
	}
	if err := ctx.Err(); err != nil {
		return step, context.Cause(ctx)
	}
	records := r.Records
	if records == nil {
		records = r.Model.Records
	}
	in := p.ForRank()
	vectors := rank.Extract(in, records)
	scores := make(map[string]float64, len(vectors))
	step.Scores = make([]Score, len(vectors))
	for i, v := range vectors {
		id := p.Candidates[i].ID
		scores[id] = r.Model.Score(v)
		step.Scores[i] = Score{Candidate: id, Score: scores[id], Features: v.Map()}
	}
	ranking, tied := vote.Tiebreak{}.Order(p.ids(), scores)
	slices.SortStableFunc(step.Scores, func(a, b Score) int { return cmp.Compare(b.Score, a.Score) })
	p.reorder(ranking)
	if len(tied) > 0 {
		step.Notes = append(step.Notes, fmt.Sprintf("%s share the best score; pool order puts %s first", quoteList(tied), ranking[0]))
	}
	if r.Keep == 0 {
		p.Winner = ranking[0]
		return step, nil
	}
	if r.Keep >= len(ranking) {
		step.Notes = append(step.Notes, fmt.Sprintf("ordered by score; all %d candidates kept (Keep is %d)", len(ranking), r.Keep))
		return step, nil
	}
	cut := scores[ranking[r.Keep-1]]
	for _, id := range ranking[r.Keep:] {
		step.Dropped = append(step.Dropped, Rejection{Candidate: id, Reason: ReasonRankedOut,
			Detail: fmt.Sprintf("scored %.3g, below the %d kept (the last kept scored %.3g)", scores[id], r.Keep, cut)})
	}
	kept := map[string]bool{}
	for _, id := range ranking[:r.Keep] {
		kept[id] = true
	}
	p.retain(func(c Candidate) bool { return kept[c.ID] })
	return step, nil
}

// ForRank returns the candidates in the running as a ranker sees them, in
// order: each one's source and patch, its cluster (equal for members of
// one cluster of Pool.Clusters, a cluster of its own for a candidate in
// none), and the signals of the steps run so far, as [Rank] reads them.
// Training a model on pools made this way keeps its features the same as
// in selection.
func (p *Pool) ForRank() []rank.Candidate {
	regressions, approval := p.signals()
	clusterOf := map[string]string{}
	for i, g := range p.groups() {
		for _, m := range g.Members {
			clusterOf[m] = strconv.Itoa(i)
		}
	}
	out := make([]rank.Candidate, len(p.Candidates))
	for i, c := range p.Candidates {
		out[i] = rank.Candidate{Source: c.From(), Patch: c.Patch, Cluster: clusterOf[c.ID],
			Regressions: regressions[c.ID], Approval: approval[c.ID]}
	}
	return out
}

// signals reads, from the steps run so far, how many regression tests
// each candidate broke (the last step with test runs) and the share of the
// judges' weight that approved each (the first round of the last vote
// with approval ballots).
func (p *Pool) signals() (regressions map[string]int, approval map[string]float64) {
	regressions, approval = map[string]int{}, map[string]float64{}
	tests, voted := false, false
	for _, st := range slices.Backward(p.steps) {
		if !tests && len(st.Tests) > 0 {
			tests = true
			if st.Tests[0].Error == "" {
				for _, run := range st.Tests[1:] {
					regressions[run.Candidate] = len(run.Regressions)
				}
			}
		}
		if !voted && st.Vote != nil {
			ballots := st.Vote.Counted
			if len(st.Vote.Rounds) > 0 {
				ballots = st.Vote.Rounds[0].Counted
			}
			yes, all := map[string]float64{}, map[string]float64{}
			for _, b := range ballots {
				for id, ok := range b.Approval {
					all[id] += b.Weight
					if ok {
						yes[id] += b.Weight
					}
				}
			}
			if len(all) > 0 {
				voted = true
				for id, w := range all {
					if w > 0 {
						approval[id] = yes[id] / w
					}
				}
			}
		}
	}
	return regressions, approval
}

// Score is a candidate's score in a ranking by a model, and the features
// it was scored on, by name.
type Score struct {
	Candidate string             `json:"candidate"`
	Score     float64            `json:"score"`
	Features  map[string]float64 `json:"features"`
}
