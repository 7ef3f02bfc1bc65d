package vote

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Poll collects the ballots of one round of a vote in rounds: round counts
// from 1 and candidates are those still in the running, in the order of
// the original list (the slice is the poll's to keep). A poll typically
// asks a panel of judges, which may run concurrently inside it; the runner
// calls it once at a time and waits.
//
// An error ends the vote: the runner records it in the round and returns
// it, wrapped.
type Poll func(ctx context.Context, round int, candidates []string) ([]Ballot, error)

// Runoff votes again among the tied, as ACoder's judge panel does: round 1
// polls every candidate and Strategy decides; while the top is tied,
// another round polls only the tied candidates. The vote ends when a round
// has no tie at the top or after MaxRounds rounds; a tie still standing
// then is broken by Strategy's tie rule (by default the earliest in the
// candidate list wins) and reported in [Result.Tied]. A later round in
// which Strategy finds no winner ([ErrNoWinner], as when [Approval]'s
// voters approve none of the tied) cannot separate them either: the tie
// of the round before stands and is broken the same way.
//
// The Result ranks the candidates of the last round first, by that round,
// then those left out earlier, later rounds first; each candidate's score
// is from the last round it took part in. Each [Round] holds its ballots
// and Strategy's scores.
//
// A poll error, an error from Strategy in round 1 (such as [ErrNoBallots]
// or [ErrNoWinner]) or any other error from it later, or the context
// ending before a poll, ends the vote: Run returns the error, wrapped with
// the round, and a Result whose Rounds show what happened and whose Winner
// is "". Run polls nothing once ctx is done.
type Runoff struct {
	Strategy  Strategy // decides each round; nil means Plurality
	Poll      Poll
	MaxRounds int // the bound on rounds, at least 1; 0 means 3
}

// Run holds the vote among candidates. It is safe for concurrent use when
// Poll and Strategy are.
func (r Runoff) Run(ctx context.Context, candidates []string) (*Result, error) {
	inner := r.Strategy
	if inner == nil {
		inner = Plurality{}
	}
	res := &Result{Strategy: "runoff"}
	maxRounds := cmp.Or(r.MaxRounds, 3)
	switch {
	case r.Poll == nil:
		return res, fmt.Errorf("vote: Runoff.Poll is nil: set it to the function that collects a round's ballots")
	case maxRounds < 1:
		return res, fmt.Errorf("vote: Runoff.MaxRounds is %d: use at least 1, or 0 for 3", r.MaxRounds)
	}
	if _, err := candidateSet(candidates); err != nil {
		return res, err
	}
	var (
		running = slices.Clone(candidates)
		scores  = map[string]float64{}
		out     [][]string // the candidates left out by each round, best first
		prev    *Result    // the round before, whose tie this round re-votes
	)
	finish := func(rr *Result, running, tied []string) {
		res.Winner, res.Scores, res.Total, res.TieRule = rr.Winner, scores, rr.Total, rr.TieRule
		res.Threshold = rr.Threshold
		if len(tied) >= 2 {
			res.Tied = tied
		}
		res.Ranking = keep(rr.Ranking, running)
		for i := len(out) - 1; i >= 0; i-- {
			res.Ranking = append(res.Ranking, out[i]...)
		}
	}
	for n := 1; ; n++ {
		round := Round{Number: n, Candidates: slices.Clone(running)}
		ballots, err := poll(ctx, r.Poll, n, running)
		var rr *Result
		if err == nil {
			rr, err = inner.Decide(slices.Clone(running), ballots)
			if rr == nil && err == nil {
				err = fmt.Errorf("vote: %T returned no Result and no error", inner)
			}
			if rr != nil {
				round.Scores, round.Tied, round.Counted, round.Ignored = rr.Scores, rr.Tied, rr.Counted, rr.Ignored
				if n == 1 {
					res.Strategy = "runoff(" + rr.Strategy + ")"
				}
			}
		}
		if err != nil {
			round.Error = err.Error()
			res.Rounds = append(res.Rounds, round)
			if prev != nil && rr != nil && errors.Is(err, ErrNoWinner) {
				// The tied of the round before stand as they were.
				finish(prev, running, running)
				return res, nil
			}
			return res, fmt.Errorf("vote: runoff round %d: %w", n, err)
		}
		res.Rounds = append(res.Rounds, round)
		for _, c := range running {
			scores[c] = rr.Scores[c]
		}
		tied := keep(running, rr.Tied)
		if len(tied) < 2 || n == maxRounds {
			finish(rr, running, tied)
			return res, nil
		}
		out = append(out, slices.DeleteFunc(keep(rr.Ranking, running), func(c string) bool { return slices.Contains(tied, c) }))
		running, prev = tied, rr
	}
}

// UntilMajority is Trae's multi-selection: judges each pick one candidate
// (choice ballots), round after round, until the votes planned could no
// longer change the outcome. Each round polls every candidate and adds its
// counted ballots to running totals; the vote stops after the first round
// in which the leader has more than any other candidate could still reach
// with the planned weight not yet cast. A leader with more than half of
// Planned has thus won; and one that cannot be caught wins early without
// a majority.
//
// The vote also stops once the weight counted reaches Planned, or after
// MaxRounds rounds; the leader by then wins, and a tie at the top is broken
// by Tiebreak (by default the earliest in the candidate list wins) and
// reported in [Result.Tied]. Each judge may vote once a round; a voter
// with several ballots in one round is ignored for that round.
//
// The Result holds the totals in Scores and Total, and each [Round] the
// totals after it. A poll error or the context ending before a poll ends
// the vote as for [Runoff]. [ErrNoBallots] means no round counted a ballot.
type UntilMajority struct {
	// Planned is the weight of the votes planned: with ballots of weight
	// 1, the number of votes N. It must be positive and at most MaxWeight.
	Planned float64
	Poll    Poll
	// MaxRounds bounds the rounds; 0 means Planned rounded up (one round
	// per planned vote of weight 1).
	MaxRounds int
	Tiebreak  Tiebreak
}

// Run holds the vote among candidates. It is safe for concurrent use when
// Poll is.
func (u UntilMajority) Run(ctx context.Context, candidates []string) (*Result, error) {
	const name = "until_majority"
	res := &Result{Strategy: name, TieRule: u.Tiebreak.String()}
	switch {
	case u.Poll == nil:
		return res, fmt.Errorf("vote: UntilMajority.Poll is nil: set it to the function that collects a round's ballots")
	case !(u.Planned > 0 && u.Planned <= MaxWeight):
		return res, fmt.Errorf("vote: UntilMajority.Planned is %v: set the number of votes planned (their total weight), above 0 and at most MaxWeight", u.Planned)
	case u.MaxRounds < 0:
		return res, fmt.Errorf("vote: UntilMajority.MaxRounds is %d: use at least 1, or 0 for one round per planned vote", u.MaxRounds)
	}
	maxRounds := u.MaxRounds
	if maxRounds == 0 {
		maxRounds = int(math.Ceil(u.Planned))
	}
	set, err := candidateSet(candidates)
	if err != nil {
		return res, err
	}
	kinds := []Kind{KindChoice}
	scores := make([]float64, len(candidates))
	for n := 1; n <= maxRounds; n++ {
		round := Round{Number: n, Candidates: slices.Clone(candidates)}
		ballots, err := poll(ctx, u.Poll, n, candidates)
		if err != nil {
			round.Error = err.Error()
			res.Rounds = append(res.Rounds, round)
			return res, fmt.Errorf("vote: until_majority round %d: %w", n, err)
		}
		round.Counted, round.Ignored = screen(set, ballots, true, kinds)
		// Add in voter order, unique within a round, so the order of a
		// round's ballots cannot change a total.
		counted := slices.Clone(round.Counted)
		slices.SortFunc(counted, func(a, b Ballot) int { return cmp.Compare(a.Voter, b.Voter) })
		for _, b := range counted {
			scores[set[b.Choice]] += b.Weight
			res.Total += b.Weight
		}
		round.Scores = scoreMap(candidates, scores)
		_, round.Tied = u.Tiebreak.rank(candidates, scores)
		res.Rounds = append(res.Rounds, round)
		if res.Total >= u.Planned || decided(scores, u.Planned-res.Total) {
			break
		}
	}
	if res.Total == 0 {
		var ignored []Ignored
		for _, r := range res.Rounds {
			ignored = append(ignored, r.Ignored...)
		}
		return res, noBallots(name, ignored, kinds)
	}
	res.Scores = scoreMap(candidates, scores)
	res.Ranking, res.Tied = u.Tiebreak.rank(candidates, scores)
	res.Winner = res.Ranking[0]
	return res, nil
}

// decided reports whether the leader has any votes and more than any other
// candidate could reach with the remaining weight.
func decided(scores []float64, remaining float64) bool {
	lead, second := math.Inf(-1), math.Inf(-1)
	for _, s := range scores {
		if s > lead {
			lead, second = s, lead
		} else if s > second {
			second = s
		}
	}
	return lead > 0 && lead > second+remaining
}

// poll calls p unless ctx is done.
func poll(ctx context.Context, p Poll, n int, candidates []string) ([]Ballot, error) {
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	ballots, err := p(ctx, n, slices.Clone(candidates))
	if err != nil {
		return nil, fmt.Errorf("poll: %w", err)
	}
	return ballots, nil
}

// keep returns the elements of list that are in set, in list's order.
func keep(list, set []string) []string {
	var out []string
	for _, c := range list {
		if slices.Contains(set, c) {
			out = append(out, c)
		}
	}
	return out
}

func scoreMap(candidates []string, scores []float64) map[string]float64 {
	m := make(map[string]float64, len(candidates))
	for i, c := range candidates {
		m[c] = scores[i]
	}
	return m
}
