package selector

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"time"

	"github.com/conclave-dev/conclave/vote"
)

// Panel is ACoder's judge panel: each judge gives every candidate in the
// running a yes or no against the criteria, the yeses are tallied (by
// [vote.Approval] unless Strategy says otherwise, through [vote.Weighted]
// when the judges have JudgeWeights), and while the top is tied another
// round is held among the tied only ([vote.Runoff]). A tie still standing
// after MaxRounds goes to the earliest of the tied in pool order. The
// panel decides, and ranks the pool by the tally.
//
// A candidate nobody approved never wins: when no judge approves any
// candidate, the panel decides nothing, says so, and the selection goes
// on to the next stage or, failing any, to the pool's order, which the
// Decision then doubts.
//
// Each judge sees the candidates in its own order, shuffled from the pool's
// seed for each round (models favour some positions), while IDs stay the
// same. Judges are called concurrently; one that fails or answers nonsense
// is recorded in Step.Failures and left out of the round. A round nobody
// answered ends the vote without a decision (Step.Error says so) and the
// selection goes on. A lone candidate wins without a vote. The step
// records the settings, the order each judge saw the candidates in, every
// ballot and round.
//
// The stage is named "panel". It is safe for concurrent use if its judges
// are and JudgeWeights and Criteria are not modified.
type Panel struct {
	// Judges are the panel, by name; at least one.
	Judges map[string]Judge
	// Criteria are shown to every judge; nil means DefaultCriteria().
	Criteria []Criterion
	// Strategy tallies each round's approval ballots, one per judge; nil
	// means vote.Approval{}.
	Strategy vote.Strategy
	// JudgeWeights holds each judge's weight, such as a [vote.Estimate]'s
	// VoterWeights from the judges' track records; a judge missing from it
	// weighs 1, and one weighing 0 is not asked.
	JudgeWeights map[string]float64
	// MaxRounds bounds the rounds; 0 means 3.
	MaxRounds int
	// Timeout bounds each call to a judge; 0 means no bound but ctx's.
	Timeout time.Duration
}

// Run implements [Stage].
func (pn Panel) Run(ctx context.Context, p *Pool) (*Step, error) {
	criteria := pn.Criteria
	if criteria == nil {
		criteria = DefaultCriteria()
	}
	step := &Step{Stage: "panel", Settings: &Settings{
		Criteria: criteria, JudgeWeights: maps.Clone(pn.JudgeWeights), MaxRounds: cmp.Or(pn.MaxRounds, 3), Timeout: Duration(pn.Timeout),
	}}
	seats, err := seatJudges("Panel", pn.Judges, pn.JudgeWeights, step)
	if err != nil {
		return step, err
	}
	maxRounds, err := rounds("Panel.MaxRounds", pn.MaxRounds, 3)
	if err != nil {
		return step, err
	}
	if decided := p.trivial(step); decided {
		return step, nil
	}
	var strategy vote.Strategy = vote.Approval{}
	if pn.Strategy != nil {
		strategy = pn.Strategy
	}
	if pn.JudgeWeights != nil {
		strategy = vote.Weighted{Strategy: strategy, VoterWeights: pn.JudgeWeights}
	}
	res, err := vote.Runoff{
		Strategy:  strategy,
		Poll:      p.poll(step, seats, vote.KindApproval, criteria, pn.Timeout),
		MaxRounds: maxRounds,
	}.Run(ctx, p.ids())
	return step, p.settleVote(ctx, step, res, err)
}

// MultiSelect is Trae's multi-selection vote: each judge picks the one
// candidate it prefers, round after round, and the votes add up
// ([vote.UntilMajority]). With J judges and MaxRounds rounds, J × MaxRounds
// votes are planned, and the vote stops as soon as the leader has more
// than any other candidate could still reach: three judges agreeing stop
// it after two of three rounds, a candidate with more than half the planned
// votes wins at once. A tie at the end goes to the earliest of the tied in
// pool order. It decides, and ranks the pool by votes.
//
// Judges, failures, shuffling and a lone candidate are handled as by
// [Panel]. The stage is named "multi_select".
type MultiSelect struct {
	Judges map[string]Judge
	// JudgeWeights holds each judge's weight; missing means 1, 0 not
	// asked.
	JudgeWeights map[string]float64
	// MaxRounds bounds the rounds; 0 means 3.
	MaxRounds int
	// Timeout bounds each call to a judge; 0 means no bound but ctx's.
	Timeout time.Duration
}

// Run implements [Stage].
func (ms MultiSelect) Run(ctx context.Context, p *Pool) (*Step, error) {
	step := &Step{Stage: "multi_select", Settings: &Settings{
		JudgeWeights: maps.Clone(ms.JudgeWeights), MaxRounds: cmp.Or(ms.MaxRounds, 3), Timeout: Duration(ms.Timeout),
	}}
	seats, err := seatJudges("MultiSelect", ms.Judges, ms.JudgeWeights, step)
	if err != nil {
		return step, err
	}
	maxRounds, err := rounds("MultiSelect.MaxRounds", ms.MaxRounds, 3)
	if err != nil {
		return step, err
	}
	if decided := p.trivial(step); decided {
		return step, nil
	}
	perRound := 0.0
	for _, s := range seats {
		perRound += s.weight
	}
	res, err := vote.UntilMajority{
		Planned:   perRound * float64(maxRounds),
		Poll:      p.poll(step, seats, vote.KindChoice, nil, ms.Timeout),
		MaxRounds: maxRounds,
	}.Run(ctx, p.ids())
	return step, p.settleVote(ctx, step, res, err)
}

// trivial decides a pool of at most one candidate without a vote.
func (p *Pool) trivial(step *Step) bool {
	switch len(p.Candidates) {
	case 0:
		step.Notes = append(step.Notes, "no candidate to vote on")
		return true
	case 1:
		p.Winner = p.Candidates[0].ID
		step.Notes = append(step.Notes, "one candidate in the running: it wins without a vote")
		return true
	}
	return false
}

// settleVote records a judges' vote and, if it has a winner, decides.
// Only ctx ending is an error: a vote that failed otherwise leaves the pool
// undecided.
func (p *Pool) settleVote(ctx context.Context, step *Step, res *vote.Result, err error) error {
	step.Vote = res
	if err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		step.Error = err.Error()
		why := "the vote ended without a winner"
		if errors.Is(err, vote.ErrNoWinner) {
			why = "no judge approved any candidate, so the panel chose none"
		}
		step.Notes = append(step.Notes, why+"; the pool goes on unchanged")
		return nil
	}
	p.Winner = res.Winner
	p.reorder(res.Ranking)
	return nil
}
