package vote

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
)

// Conditions callers branch on with [errors.Is]. The errors returned wrap
// them with what was ignored and how to fix it.
var (
	// ErrNoCandidates: the candidate list is empty.
	ErrNoCandidates = errors.New("vote: no candidates")
	// ErrNoBallots: no ballot counted, because none was given or every
	// one was ignored; [Result.Ignored] says why.
	ErrNoBallots = errors.New("vote: no ballots counted")
	// ErrNoWinner: ballots counted but no candidate met the rule, such as
	// [Majority]'s threshold. The Result still ranks and scores everyone.
	ErrNoWinner = errors.New("vote: no winner")
)

// Strategy decides a vote.
//
// Decide picks a winner among candidates from ballots. The order of
// candidates is meaningful: tie rules use it. A Strategy must be
// deterministic (the same arguments give the same Result), must decide the
// same whatever the order of ballots (Counted and Ignored keep that
// order), must not modify its arguments, and must be safe for concurrent
// use. It returns a non-nil Result even with an error,
// holding the evidence it gathered; Winner is set exactly when the error is
// nil. votetest.TestStrategy checks all of this.
type Strategy interface {
	Decide(candidates []string, ballots []Ballot) (*Result, error)
}

// StrategyFunc adapts a function to [Strategy].
type StrategyFunc func(candidates []string, ballots []Ballot) (*Result, error)

// Decide calls f.
func (f StrategyFunc) Decide(candidates []string, ballots []Ballot) (*Result, error) {
	return f(candidates, ballots)
}

// Result is a decision and its evidence. It encodes as JSON with the field
// names below, which are stable.
//
// A Result owns its slices and maps: they share no memory with the
// arguments of the decision.
type Result struct {
	// Strategy names the rule that decided, such as "plurality" or
	// "runoff(approval)".
	Strategy string `json:"strategy"`
	// Winner is the candidate chosen, or "" when the decision failed.
	Winner string `json:"winner,omitempty"`
	// Ranking lists every candidate, best first: by score, equal scores
	// ordered by the tie rule. Empty when no ballot counted.
	Ranking []string `json:"ranking,omitempty"`
	// Scores holds each candidate's score; what a point means is the
	// strategy's. For rounds: the score in the last round the candidate
	// took part in.
	Scores map[string]float64 `json:"scores,omitempty"`
	// Total is the weight of the ballots counted (for rounds: of the final
	// round, or of all rounds for UntilMajority).
	Total float64 `json:"total,omitempty"`
	// Threshold is the share of Total a winner had to exceed, for a
	// strategy with one ([Majority]).
	Threshold float64 `json:"threshold,omitempty"`
	// TieRule is the rule that ordered equal scores, in the words of
	// [Tiebreak.String].
	TieRule string `json:"tie_rule,omitempty"`
	// Tied lists, in candidate order, the candidates that shared the top
	// score when there were several (the tie rule ordered them in
	// Ranking); nil otherwise.
	Tied []string `json:"tied,omitempty"`
	// Counted holds the ballots counted, in the order given, as counted
	// (with [Weighted]'s weights applied).
	Counted []Ballot `json:"counted,omitempty"`
	// Ignored holds the ballots not counted, in the order given, with why.
	Ignored []Ignored `json:"ignored,omitempty"`
	// Rounds holds every round of a vote in rounds ([Runoff],
	// [UntilMajority]); their ballots are there, and Counted and Ignored
	// above are empty.
	Rounds []Round `json:"rounds,omitempty"`
}

// Round is one round of a vote in rounds: the candidates polled, the
// ballots returned, and the standing after it.
type Round struct {
	Number     int      `json:"number"` // from 1
	Candidates []string `json:"candidates"`
	// Scores after the round: that round's for Runoff, the running totals
	// for UntilMajority.
	Scores  map[string]float64 `json:"scores,omitempty"`
	Tied    []string           `json:"tied,omitempty"`
	Counted []Ballot           `json:"counted,omitempty"`
	Ignored []Ignored          `json:"ignored,omitempty"`
	// Error is the failure that ended the vote in this round.
	Error string `json:"error,omitempty"`
}

// Tiebreak is a tie rule: it orders candidates whose scores are exactly
// equal. The zero value keeps the order of the candidate list, so the
// earliest listed wins a tie.
//
// Prefer expresses a rule of your own, such as "the shortest patch wins",
// without reordering the candidate list; Random settles what is still
// tied by a seeded shuffle instead of the list order. A Result records the
// rule it used in [Result.TieRule], as [Tiebreak.String] words it.
type Tiebreak struct {
	// Prefer, when set, orders candidates of equal score first: a goes
	// before b when Prefer(a, b) < 0. It must be deterministic and a
	// consistent order, as for [slices.SortFunc]. Candidates it holds
	// equal are ordered by the rules below.
	Prefer func(a, b string) int
	// Rule says in words what Prefer does, for the evidence, such as
	// "shortest patch first".
	Rule string
	// Random, when set, orders what is still tied by a shuffle drawn from
	// Seed instead of the list order: the same Seed and scores give the
	// same order.
	Random bool
	Seed   uint64
}

// String words the rule, as [Result.TieRule] records it: "list order",
// "random, seed 7", or Rule (a custom order when Rule is empty) followed by
// what settles the rest.
func (t Tiebreak) String() string {
	rest := "list order"
	if t.Random {
		rest = fmt.Sprintf("random, seed %d", t.Seed)
	}
	if t.Prefer == nil {
		return rest
	}
	return cmp.Or(t.Rule, "a custom order") + ", then " + rest
}

// Order orders candidates by score, best first, equal scores by t. Scores
// missing from the map count as 0. tied lists, in candidate order, the
// candidates sharing the top score when there are several; nil otherwise.
func (t Tiebreak) Order(candidates []string, scores map[string]float64) (ranking, tied []string) {
	s := make([]float64, len(candidates))
	for i, c := range candidates {
		s[i] = scores[c]
	}
	return t.rank(candidates, s)
}

func (t Tiebreak) rank(candidates []string, scores []float64) (ranking, tied []string) {
	if len(candidates) == 0 {
		return nil, nil
	}
	order := make([]int, len(candidates))
	for i := range order {
		order[i] = i
	}
	same := func(a, b int) bool {
		return scores[a] == scores[b] && (t.Prefer == nil || t.Prefer(candidates[a], candidates[b]) == 0)
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(scores[b], scores[a]); c != 0 || t.Prefer == nil {
			return c
		}
		return t.Prefer(candidates[a], candidates[b])
	})
	if t.Random {
		rng := rand.New(rand.NewPCG(t.Seed, 0x9e3779b97f4a7c15))
		for i := 0; i < len(order); {
			j := i + 1
			for j < len(order) && same(order[j], order[i]) {
				j++
			}
			group := order[i:j]
			rng.Shuffle(len(group), func(a, b int) { group[a], group[b] = group[b], group[a] })
			i = j
		}
	}
	ranking = make([]string, len(order))
	for i, k := range order {
		ranking[i] = candidates[k]
	}
	top := scores[order[0]]
	for i, c := range candidates {
		if scores[i] == top {
			tied = append(tied, c)
		}
	}
	if len(tied) < 2 {
		tied = nil
	}
	return ranking, tied
}
