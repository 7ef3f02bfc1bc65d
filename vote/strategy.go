package vote

import (
	"cmp"
	"fmt"
	"slices"
)

// Plurality counts choice ballots: each adds its weight to the candidate it
// picks, and the highest total wins. The zero value is ready to use.
type Plurality struct {
	Tiebreak Tiebreak
}

// Decide implements [Strategy].
func (p Plurality) Decide(candidates []string, ballots []Ballot) (*Result, error) {
	return tally("plurality", p.Tiebreak, kindsChoice, candidates, ballots, choicePoints)
}

var (
	kindsChoice   = []Kind{KindChoice}
	kindsApproval = []Kind{KindApproval}
	kindsRanking  = []Kind{KindRanking}
)

func choicePoints(b Ballot, set map[string]int, scores []float64) {
	scores[set[b.Choice]] += b.Weight
}

// Majority counts choice ballots like [Plurality], but the leader wins only
// with more than Threshold of the weight counted; otherwise Decide returns
// [ErrNoWinner] with the Result ranked and scored. The zero value asks for
// a strict majority (more than half).
type Majority struct {
	// Threshold is the share of the counted weight a winner must exceed,
	// in (0, 1); 0 means 0.5. For "at least two thirds" use a value just
	// below, such as 0.66, as shares are floating-point.
	Threshold float64
	Tiebreak  Tiebreak
}

// Decide implements [Strategy].
func (m Majority) Decide(candidates []string, ballots []Ballot) (*Result, error) {
	th := cmp.Or(m.Threshold, 0.5)
	if !(th > 0 && th < 1) {
		return &Result{Strategy: "majority"}, fmt.Errorf("vote: Majority.Threshold %v is outside (0, 1): use a share such as 0.5 for more than half", m.Threshold)
	}
	res, err := tally("majority", m.Tiebreak, kindsChoice, candidates, ballots, choicePoints)
	res.Threshold = th
	if err != nil {
		return res, err
	}
	if lead := res.Scores[res.Winner]; !(lead/res.Total > th) {
		err = fmt.Errorf("%w: %q leads with %g of %g counted, not more than the threshold %g", ErrNoWinner, res.Winner, lead, res.Total, th)
		res.Winner = ""
		return res, err
	}
	return res, nil
}

// Approval counts approval ballots, such as a judge's 0 or 1 for each
// candidate: each yes adds the ballot's weight to that candidate, a no or a
// candidate left out adds nothing, and the highest total wins. A ballot
// rejecting every candidate still counts, in [Result.Total]. A candidate
// nobody approved never wins: when no ballot approves anyone, Decide
// returns [ErrNoWinner] with the Result ranked and scored. The zero value
// is ready to use.
type Approval struct {
	Tiebreak Tiebreak
}

// Decide implements [Strategy].
func (a Approval) Decide(candidates []string, ballots []Ballot) (*Result, error) {
	res, err := tally("approval", a.Tiebreak, kindsApproval, candidates, ballots, func(b Ballot, set map[string]int, scores []float64) {
		for c, yes := range b.Approval {
			if yes {
				scores[set[c]] += b.Weight
			}
		}
	})
	if err == nil && res.Scores[res.Winner] == 0 {
		res.Winner = ""
		return res, fmt.Errorf("%w: none of the %d ballots counted approves any candidate", ErrNoWinner, len(res.Counted))
	}
	return res, err
}

// Borda counts ranking ballots. With m candidates, a ranking gives m-1
// points to its first, m-2 to its second, and so on, times its weight; the
// highest total wins.
//
// A partial ranking of k candidates gives its listed candidates m-1 down
// to m-k points, and each candidate left out the average of the points
// left, (m-k-1)/2: the voter is read as indifferent among those it did not
// rank. Every ballot thus hands out the same m(m-1)/2 points, so a short
// ranking weighs as much as a full one, and a ranking of one candidate
// reads as a single choice. The zero value is ready to use.
type Borda struct {
	Tiebreak Tiebreak
}

// Decide implements [Strategy].
func (bc Borda) Decide(candidates []string, ballots []Ballot) (*Result, error) {
	return tally("borda", bc.Tiebreak, kindsRanking, candidates, ballots, func(b Ballot, set map[string]int, scores []float64) {
		m, k := len(candidates), len(b.Ranking)
		listed := make([]bool, m)
		for i, c := range b.Ranking {
			scores[set[c]] += b.Weight * float64(m-1-i)
			listed[set[c]] = true
		}
		rest := b.Weight * float64(m-k-1) / 2
		for i := range listed {
			if !listed[i] {
				scores[i] += rest
			}
		}
	})
}

// Weighted applies a weight per voter to another strategy: each ballot's
// weight is multiplied by its voter's entry in VoterWeights before Strategy
// counts it. A voter missing from VoterWeights keeps its ballots' weights
// (a factor of 1, the neutral weight [Reliability] gives a voter with no
// record); a voter weighted 0 is ignored with [ReasonZeroWeight].
// The Result's ballots carry the weights applied.
//
// The zero value weights nothing and counts by [Plurality]. Weighted is
// safe for concurrent use as long as VoterWeights is not modified.
type Weighted struct {
	Strategy     Strategy // nil means Plurality
	VoterWeights map[string]float64
}

// Decide implements [Strategy].
func (w Weighted) Decide(candidates []string, ballots []Ballot) (*Result, error) {
	inner := w.Strategy
	if inner == nil {
		inner = Plurality{}
	}
	scaled := make([]Ballot, len(ballots))
	for i, b := range ballots {
		if f, ok := w.VoterWeights[b.Voter]; ok {
			b.Weight *= f
		}
		scaled[i] = b
	}
	res, err := inner.Decide(candidates, scaled)
	if res == nil {
		res = &Result{}
	}
	res.Strategy = "weighted(" + res.Strategy + ")"
	return res, err
}

// Tally is a strategy that adds up points, the way [Plurality], [Approval]
// and [Borda] do; a new additive strategy needs only say how many points a
// ballot gives. Decide screens the ballots for the Kinds counted
// ([Screen]), adds each counted ballot's points in voter order (so the
// order of the ballots cannot change a score, not even in its last bit),
// totals the weight counted, orders the candidates by Tiebreak, and
// returns the errors every strategy returns: [ErrNoCandidates], a bad
// candidate list, and [ErrNoBallots] saying what was ignored and why.
//
// Tally is safe for concurrent use when Points is.
type Tally struct {
	// Name names the strategy in [Result.Strategy]; "" means "tally".
	Name string
	// Kinds are the kinds of ballot counted; the others are ignored with
	// [ReasonWrongKind]. At least one.
	Kinds []Kind
	// Points gives a counted ballot's points: it calls add for each
	// candidate the ballot gives points to, with a finite number, usually
	// scaled by b.Weight; several calls for one candidate add up.
	// candidates is the list being decided. A call naming someone not in
	// it is a bug in Points and panics.
	Points   func(b Ballot, candidates []string, add func(candidate string, points float64))
	Tiebreak Tiebreak
}

// Decide implements [Strategy].
func (t Tally) Decide(candidates []string, ballots []Ballot) (*Result, error) {
	name := cmp.Or(t.Name, "tally")
	switch {
	case len(t.Kinds) == 0:
		return &Result{Strategy: name}, fmt.Errorf("vote: Tally.Kinds is empty: list the kinds of ballot %s counts", name)
	case t.Points == nil:
		return &Result{Strategy: name}, fmt.Errorf("vote: Tally.Points is nil: set the function giving a ballot's points")
	}
	return tally(name, t.Tiebreak, t.Kinds, candidates, ballots, func(b Ballot, set map[string]int, scores []float64) {
		t.Points(b, candidates, func(c string, points float64) {
			i, ok := set[c]
			if !ok {
				panic(fmt.Sprintf("vote: %s gave points to %q, which is not a candidate", name, c))
			}
			scores[i] += points
		})
	})
}

// tally is the work the additive strategies share: screen the ballots, add
// each counted ballot's points, rank.
func tally(name string, tb Tiebreak, kinds []Kind, candidates []string, ballots []Ballot,
	points func(b Ballot, set map[string]int, scores []float64)) (*Result, error) {
	res := &Result{Strategy: name, TieRule: tb.String()}
	set, err := candidateSet(candidates)
	if set == nil {
		return res, err
	}
	res.Counted, res.Ignored = screen(set, ballots, true, kinds)
	if err != nil {
		return res, fmt.Errorf("%w: list the candidates to vote on", err)
	}
	if len(res.Counted) == 0 {
		return res, noBallots(name, res.Ignored, kinds)
	}
	// Add in voter order, unique among counted ballots, so that the order
	// of the ballots cannot change a score, not even in its last bit.
	order := make([]int, len(res.Counted))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(res.Counted[a].Voter, res.Counted[b].Voter) })
	scores := make([]float64, len(candidates))
	for _, i := range order {
		points(res.Counted[i], set, scores)
		res.Total += res.Counted[i].Weight
	}
	res.Scores = scoreMap(candidates, scores)
	res.Ranking, res.Tied = tb.rank(candidates, scores)
	res.Winner = res.Ranking[0]
	return res, nil
}
