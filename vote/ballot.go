package vote

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Kind is what a ballot expresses.
type Kind string

const (
	// KindChoice picks one candidate ([Ballot.Choice]).
	KindChoice Kind = "choice"
	// KindRanking orders candidates, best first ([Ballot.Ranking]).
	KindRanking Kind = "ranking"
	// KindApproval says yes or no to each candidate it names
	// ([Ballot.Approval]).
	KindApproval Kind = "approval"
)

// MaxWeight is the largest weight a ballot may carry. The bound keeps every
// score finite, so a [Result] always encodes as JSON.
const MaxWeight = 1e12

// Ballot is one voter's vote in one decision. Exactly one of Choice,
// Ranking and Approval is set, and that decides the ballot's [Kind].
//
// Weight is how much the ballot counts, and zero means it does not: a
// ballot written as a literal must set it ([Choose], [Rank] and [Approve]
// set 1). A weight must be finite, not negative and at most [MaxWeight].
//
// Names (voter and candidates) must be valid UTF-8, so that evidence
// survives a JSON round trip unchanged.
type Ballot struct {
	Voter  string  `json:"voter"`
	Weight float64 `json:"weight"`
	// Choice is the one candidate picked.
	Choice string `json:"choice,omitempty"`
	// Ranking lists candidates best first, each at most once. It may be
	// partial; each strategy says how it reads the candidates left out.
	Ranking []string `json:"ranking,omitempty"`
	// Approval holds a yes (true) or no (false) for each candidate the
	// voter judged; a candidate left out was not judged.
	Approval map[string]bool `json:"approval,omitempty"`
}

// Choose returns a ballot of weight 1 by which voter picks candidate.
func Choose(voter, candidate string) Ballot {
	return Ballot{Voter: voter, Weight: 1, Choice: candidate}
}

// Rank returns a ballot of weight 1 by which voter ranks candidates, best
// first.
func Rank(voter string, best ...string) Ballot {
	return Ballot{Voter: voter, Weight: 1, Ranking: best}
}

// Approve returns a ballot of weight 1 by which voter approves (true) or
// rejects (false) each candidate of approval. The ballot keeps the map.
func Approve(voter string, approval map[string]bool) Ballot {
	return Ballot{Voter: voter, Weight: 1, Approval: approval}
}

// Kind reports what b expresses, or "" when b sets none or more than one
// of Choice, Ranking and Approval.
func (b Ballot) Kind() Kind {
	var k Kind
	n := 0
	if b.Choice != "" {
		k, n = KindChoice, n+1
	}
	if len(b.Ranking) > 0 {
		k, n = KindRanking, n+1
	}
	if len(b.Approval) > 0 {
		k, n = KindApproval, n+1
	}
	if n != 1 {
		return ""
	}
	return k
}

// clone returns a deep copy of b, so evidence never shares memory with the
// caller's ballots.
func (b Ballot) clone() Ballot {
	b.Ranking = slices.Clone(b.Ranking)
	if b.Approval != nil {
		m := make(map[string]bool, len(b.Approval))
		for k, v := range b.Approval {
			m[k] = v
		}
		b.Approval = m
	}
	return b
}

// jsonSafe is a deep copy of b that survives a JSON round trip unchanged.
func (b Ballot) jsonSafe() Ballot {
	fix := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
	b.Voter, b.Choice = fix(b.Voter), fix(b.Choice)
	if math.IsNaN(b.Weight) || math.IsInf(b.Weight, 0) {
		b.Weight = 0
	}
	if b.Ranking != nil {
		ranking := make([]string, len(b.Ranking))
		for i, c := range b.Ranking {
			ranking[i] = fix(c)
		}
		b.Ranking = ranking
	}
	if b.Approval != nil {
		approval := make(map[string]bool, len(b.Approval))
		for c, yes := range b.Approval {
			approval[fix(c)] = yes
		}
		b.Approval = approval
	}
	return b
}

// Reason says why a ballot was not counted.
type Reason string

// The reasons a ballot is ignored, in the order [Screen] checks them: the
// first that applies is reported.
const (
	// ReasonMalformed: no voter, a name that is not UTF-8, none or several
	// of Choice, Ranking and Approval, or a ranking naming a candidate twice.
	ReasonMalformed Reason = "malformed"
	// ReasonUnknownCandidate: the ballot names someone not among the
	// candidates. The whole ballot is ignored: counting the rest would
	// change what the voter meant.
	ReasonUnknownCandidate Reason = "unknown_candidate"
	// ReasonWrongKind: the strategy does not count this kind of ballot.
	ReasonWrongKind Reason = "wrong_kind"
	// ReasonInvalidWeight: a negative, infinite or NaN weight, or one above
	// MaxWeight.
	ReasonInvalidWeight Reason = "invalid_weight"
	// ReasonZeroWeight: the ballot weighs nothing.
	ReasonZeroWeight Reason = "zero_weight"
	// ReasonDuplicateVoter: the voter cast several ballots that would
	// count. None of them counts, since nothing says which one it meant.
	ReasonDuplicateVoter Reason = "duplicate_voter"
)

// fix tells the caller how to get a ballot ignored for r counted.
func (r Reason) fix(kinds []Kind) string {
	switch r {
	case ReasonMalformed:
		return "name the voter and set exactly one of Choice, Ranking and Approval"
	case ReasonUnknownCandidate:
		return "name only the listed candidates"
	case ReasonWrongKind:
		return "this strategy counts " + kindList(kinds) + " ballots"
	case ReasonInvalidWeight:
		return "use a finite weight between 0 and MaxWeight"
	case ReasonZeroWeight:
		return "set Weight; Choose, Rank and Approve set 1"
	case ReasonDuplicateVoter:
		return "cast one ballot per voter"
	}
	return ""
}

// Ignored is a ballot a strategy did not count, and why. What JSON cannot
// hold is recorded as JSON would read it back: a NaN or infinite weight
// as 0 (Detail names it), bytes that are not UTF-8 in a name as U+FFFD.
type Ignored struct {
	Ballot Ballot `json:"ballot"`
	Reason Reason `json:"reason"`
	// Detail names the problem, such as the unknown candidate.
	Detail string `json:"detail,omitempty"`
}

// Screen splits ballots into those a strategy counting the given kinds
// counts and those it ignores, by the rules every strategy of this package
// follows. It checks each ballot for, in order: [ReasonMalformed],
// [ReasonUnknownCandidate], [ReasonWrongKind], [ReasonInvalidWeight] and
// [ReasonZeroWeight]; then it ignores every ballot of a voter with more
// than one ballot left ([ReasonDuplicateVoter]).
//
// Both results keep the order of ballots and hold deep copies. The error,
// if any, is about the candidate list: [ErrNoCandidates] when it is empty
// (every ballot is then ignored as naming an unknown candidate), or a
// candidate that is empty, not UTF-8 or listed twice (no ballot is then
// screened).
//
// Screen is for writing a strategy that [Tally] cannot express: score the
// counted ballots, then order the candidates with [Tiebreak.Order].
func Screen(candidates []string, ballots []Ballot, kinds ...Kind) (counted []Ballot, ignored []Ignored, err error) {
	set, err := candidateSet(candidates)
	if err != nil && set == nil {
		return nil, nil, err
	}
	counted, ignored = screen(set, ballots, true, kinds)
	return counted, ignored, err
}

// candidateSet maps each candidate to its position. For an empty list it
// returns an empty set and ErrNoCandidates; for a bad list, nil and an
// error naming the problem.
func candidateSet(candidates []string) (map[string]int, error) {
	set := make(map[string]int, len(candidates))
	for i, c := range candidates {
		switch _, dup := set[c]; {
		case c == "":
			return nil, fmt.Errorf("vote: candidate %d has an empty name: name every candidate", i)
		case !utf8.ValidString(c):
			return nil, fmt.Errorf("vote: candidate %d, %q, is not valid UTF-8: use UTF-8 names", i, c)
		case dup:
			return nil, fmt.Errorf("vote: candidate %q is listed twice: list each candidate once", c)
		}
		set[c] = i
	}
	if len(set) == 0 {
		return set, ErrNoCandidates
	}
	return set, nil
}

// screen is [Screen] on a candidate set; weighed=false skips the weight
// checks (Dawid–Skene reads ballots for their content only).
func screen(set map[string]int, ballots []Ballot, weighed bool, kinds []Kind) ([]Ballot, []Ignored) {
	var (
		counted []Ballot
		ignored []Ignored
		keep    = make([]bool, len(ballots))
		voters  = make(map[string]int, len(ballots))
	)
	for i, b := range ballots {
		reason, detail := check(set, b, weighed, kinds)
		if reason != "" {
			ignored = append(ignored, Ignored{Ballot: b.jsonSafe(), Reason: reason, Detail: detail})
			continue
		}
		keep[i] = true
		voters[b.Voter]++
	}
	for i, b := range ballots {
		if !keep[i] {
			continue
		}
		if n := voters[b.Voter]; n > 1 {
			ignored = append(ignored, Ignored{Ballot: b.clone(), Reason: ReasonDuplicateVoter,
				Detail: fmt.Sprintf("voter %q cast %d ballots", b.Voter, n)})
			continue
		}
		counted = append(counted, b.clone())
	}
	return counted, ignored
}

// check returns why b is not counted, or "".
func check(set map[string]int, b Ballot, weighed bool, kinds []Kind) (Reason, string) {
	kind := b.Kind()
	switch {
	case b.Voter == "":
		return ReasonMalformed, "no voter"
	case !utf8.ValidString(b.Voter):
		return ReasonMalformed, "voter name is not UTF-8"
	case kind == "":
		return ReasonMalformed, "sets none or several of choice, ranking and approval"
	}
	if c, ok := repeated(b.Ranking); ok {
		return ReasonMalformed, fmt.Sprintf("ranks %q twice", c)
	}
	if unknown, ok := firstUnknown(set, b, kind); ok {
		return ReasonUnknownCandidate, fmt.Sprintf("%q is not a candidate", unknown)
	}
	if !slices.Contains(kinds, kind) {
		return ReasonWrongKind, fmt.Sprintf("a %s ballot; counted: %s", kind, kindList(kinds))
	}
	if !weighed {
		return "", ""
	}
	switch w := b.Weight; {
	case math.IsNaN(w) || w < 0 || w > MaxWeight:
		return ReasonInvalidWeight, fmt.Sprintf("weight %v", w)
	case w == 0:
		return ReasonZeroWeight, ""
	}
	return "", ""
}

// repeated returns the first name listed twice in ranking, in linear time
// however long the ranking.
func repeated(ranking []string) (string, bool) {
	if len(ranking) <= 16 {
		for i, c := range ranking {
			if slices.Contains(ranking[:i], c) {
				return c, true
			}
		}
		return "", false
	}
	seen := make(map[string]bool, len(ranking))
	for _, c := range ranking {
		if seen[c] {
			return c, true
		}
		seen[c] = true
	}
	return "", false
}

// firstUnknown returns a name b gives that is not in set: for an
// approval, the least such name, so the report does not depend on map
// order.
func firstUnknown(set map[string]int, b Ballot, kind Kind) (unknown string, found bool) {
	in := func(c string) bool { _, ok := set[c]; return ok }
	switch kind {
	case KindChoice:
		return b.Choice, !in(b.Choice)
	case KindRanking:
		for _, c := range b.Ranking {
			if !in(c) {
				return c, true
			}
		}
	case KindApproval:
		for c := range b.Approval {
			if !in(c) && (!found || c < unknown) {
				unknown, found = c, true
			}
		}
	}
	return unknown, found
}

// noBallots is the ErrNoBallots of a decision that counted nothing: it
// says what was ignored and how to fix it.
func noBallots(strategy string, ignored []Ignored, kinds []Kind) error {
	if len(ignored) == 0 {
		return fmt.Errorf("%w: %s was given none", ErrNoBallots, strategy)
	}
	counts := map[Reason]int{}
	for _, ig := range ignored {
		counts[ig.Reason]++
	}
	var parts []string
	for _, r := range sortedKeys(counts) {
		parts = append(parts, fmt.Sprintf("%d %s (%s)", counts[r], r, r.fix(kinds)))
	}
	return fmt.Errorf("%w: %s ignored all %d: %s", ErrNoBallots, strategy, len(ignored), strings.Join(parts, "; "))
}

func kindList(kinds []Kind) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, " and ")
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
