package selector

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/conclave-dev/conclave/vote"
)

// Tournament compares the candidates two at a time in a knockout bracket,
// for pools too large for one-shot picking: an LLM shown many candidates at
// once does worse past five or six (Trae's finding), while a bracket of
// pairwise matches scales to any number.
//
// # Bracket
//
// The bracket is drawn from the pool's seed. Each round pairs the
// candidates still in it in order, first with second, third with fourth;
// an odd one out advances unopposed and plays first in the next round.
// Winners advance, in the order of their matches, until one is left. N
// candidates play N-1 matches in ⌈log₂ N⌉ rounds; the matches of a round
// are played concurrently.
//
// # A match
//
// A match between a and b, where a comes before b in the pool's order (the
// ranker's, when one ran), is a choice question with two candidates.
// Judges take matches in turn, in name order from an offset drawn from the
// seed. The match's judge is asked twice, shown a then b and b then a: if
// it picks the same candidate both times, that candidate wins. A judge
// that favours a position contradicts itself instead, and so does one
// that is unsure; then, or when one of its answers failed, the next judge
// in turn, if the panel has another, is asked the same two questions, and
// wins the match for the candidate it picks both times. When no judge
// picks one candidate in both orders, a wins: the pool's order breaks
// the tie. So no judge decides a match by position, and each decision is
// one judge's, consistent across orders ([MatchAgreed]), or the pool's
// ([MatchPoolOrder]).
//
// # Bound
//
// A match asks at most two judges twice each, one judge with a single
// judge: a tournament of N candidates calls judges at most 4(N-1) times,
// 2(N-1) with one judge ([MaxJudgeCalls]), and 2(N-1) when every first
// judge is consistent. For 24 candidates: 23 matches in 5 rounds, at most
// 92 judge calls.
//
// # Outcome and evidence
//
// The champion wins, and the pool is ranked by how far each candidate got,
// then by pool order. When no match was decided by a judge (every match
// went to pool order: the judges failed or only contradicted themselves),
// the tournament decides nothing, says so, and the selection goes on.
// Every match is in Step.Matches with every judgement (who, the order
// shown, the pick, why, the judge's trace) and the rule that decided it;
// failed calls are in Step.Failures. A lone candidate wins without a match.
//
// The stage composes with the others: after the syntax vote, it plays
// among the clusters' representatives. It is named "tournament" and is
// safe for concurrent use if its judges are and its maps are not modified.
type Tournament struct {
	// Judges play the matches, by name; at least one.
	Judges map[string]Judge
	// Criteria are shown to every judge; nil means DefaultCriteria().
	Criteria []Criterion
	// Timeout bounds each call to a judge; 0 means no bound but ctx's.
	Timeout time.Duration
	// Parallel bounds the judge calls made at once; 0 means all the calls
	// of a round's phase at once.
	Parallel int
}

// The rules that decide a match.
const (
	MatchAgreed    = "agreed"     // a judge picked the same candidate in both orders
	MatchPoolOrder = "pool_order" // no judge did: the candidate earlier in pool order won
)

// Match is one match of a [Tournament].
type Match struct {
	Round int `json:"round"`
	// Pair is the two candidates, the one earlier in pool order first.
	Pair [2]string `json:"pair"`
	// Judgements are the answers asked for, in the order asked.
	Judgements []Judgement `json:"judgements"`
	Winner     string      `json:"winner"`
	// Rule is what decided: MatchAgreed or MatchPoolOrder; By names the
	// judge that agreed with itself.
	Rule string `json:"rule"`
	By   string `json:"by,omitempty"`
}

// Judgement is one judge's answer to one showing of a pair.
type Judgement struct {
	By string `json:"by"`
	// Shown is the pair in the order the judge saw it.
	Shown [2]string `json:"shown"`
	// Choice is the candidate picked; "" when the call failed (see
	// Step.Failures).
	Choice string `json:"choice,omitempty"`
	Reason string `json:"reason,omitempty"`
	Trace  *Trace `json:"trace,omitempty"`
}

// MaxJudgeCalls returns the most judge calls a [Tournament] of n candidates
// with the given number of judges makes: 4(n-1), or 2(n-1) with one judge.
func MaxJudgeCalls(n, judges int) int {
	if n < 2 || judges < 1 {
		return 0
	}
	return 2 * min(judges, 2) * (n - 1)
}

// Run implements [Stage].
func (t Tournament) Run(ctx context.Context, p *Pool) (*Step, error) {
	criteria := t.Criteria
	if criteria == nil {
		criteria = DefaultCriteria()
	}
	step := &Step{Stage: "tournament", Settings: &Settings{Criteria: criteria, Timeout: Duration(t.Timeout), Parallel: t.Parallel}}
	seats, err := seatJudges("Tournament", t.Judges, nil, step)
	if err != nil {
		return step, err
	}
	if t.Parallel < 0 {
		return step, fmt.Errorf("selector: Tournament.Parallel is %d: use at least 1, or 0 for no bound", t.Parallel)
	}
	if decided := p.trivial(step); decided {
		return step, nil
	}
	rank := map[string]int{}
	for i, c := range p.Candidates {
		rank[c.ID] = i
	}
	b := bracket{t: t, p: p, step: step, seats: seats, criteria: criteria, rank: rank, offset: int(seedHash(p.Seed, "tournament:judges") % uint64(len(seats)))}
	alive := shuffled(p.ids(), p.Seed, "tournament:draw", 0)
	out := map[string]int{} // the round each candidate lost in
	for round := 1; len(alive) > 1; round++ {
		var bye string
		if len(alive)%2 == 1 {
			bye, alive = alive[len(alive)-1], alive[:len(alive)-1]
			step.Notes = append(step.Notes, fmt.Sprintf("round %d: %s advances unopposed", round, bye))
		}
		matches, err := b.play(ctx, round, alive)
		if err != nil {
			return step, err
		}
		alive = nil
		if bye != "" {
			alive = append(alive, bye)
		}
		for _, m := range matches {
			alive = append(alive, m.Winner)
			loser := m.Pair[0]
			if loser == m.Winner {
				loser = m.Pair[1]
			}
			out[loser] = round
		}
		step.Matches = append(step.Matches, matches...)
	}
	judged := slices.ContainsFunc(step.Matches, func(m Match) bool { return m.Rule != MatchPoolOrder })
	if !judged {
		step.Notes = append(step.Notes, "no match was decided by a judge (every one went to pool order): the tournament decides nothing and the pool goes on unchanged")
		return step, nil
	}
	champion := alive[0]
	ranking := p.ids()
	slices.SortStableFunc(ranking, func(a, b string) int {
		ra, rb := out[a], out[b]
		if a == champion {
			ra = len(p.Candidates) + 1
		}
		if b == champion {
			rb = len(p.Candidates) + 1
		}
		return cmp.Compare(rb, ra) // later losers first
	})
	p.Winner = champion
	p.reorder(ranking)
	return step, nil
}

// bracket is the state of one tournament.
type bracket struct {
	t        Tournament
	p        *Pool
	step     *Step
	seats    []seat
	criteria []Criterion
	rank     map[string]int // pool order at the start
	offset   int            // the seat that judges the first match
	played   int            // matches played so far
}

// play plays the matches of one round among alive, paired in order.
func (b *bracket) play(ctx context.Context, round int, alive []string) ([]Match, error) {
	matches := make([]Match, len(alive)/2)
	judges := make([]int, len(matches)) // the seat judging each match
	var asks []ask
	for i := range matches {
		x, y := alive[2*i], alive[2*i+1]
		if b.rank[y] < b.rank[x] {
			x, y = y, x
		}
		matches[i] = Match{Round: round, Pair: [2]string{x, y}}
		judges[i] = (b.offset + b.played) % len(b.seats)
		b.played++
		asks = append(asks, ask{match: i, seat: judges[i], shown: [2]string{x, y}}, ask{match: i, seat: judges[i], shown: [2]string{y, x}})
	}
	if err := b.ask(ctx, round, matches, asks); err != nil {
		return nil, err
	}
	var seconds []ask
	for i, m := range matches {
		if agreed(m.Judgements) != "" || len(b.seats) == 1 {
			continue
		}
		s := (judges[i] + 1) % len(b.seats)
		x, y := m.Pair[0], m.Pair[1]
		seconds = append(seconds, ask{match: i, seat: s, shown: [2]string{x, y}}, ask{match: i, seat: s, shown: [2]string{y, x}})
	}
	if err := b.ask(ctx, round, matches, seconds); err != nil {
		return nil, err
	}
	for i := range matches {
		settle(&matches[i])
	}
	return matches, nil
}

// ask is one judgement to ask for: a seat shown a pair in an order.
type ask struct {
	match, seat int
	shown       [2]string
}

// ask makes the calls of asks concurrently and adds each judgement to its
// match, in the order of asks.
func (b *bracket) ask(ctx context.Context, round int, matches []Match, asks []ask) error {
	outs, err := callAll(ctx, b.p.Calls, len(asks), b.t.Parallel, b.t.Timeout, func(ctx context.Context, i int) (Answer, error) {
		a := asks[i]
		q := Question{Issue: b.p.Issue, Kind: vote.KindChoice, Criteria: b.criteria, Round: round}
		for _, id := range a.shown {
			c, _ := b.p.byID(id)
			q.Candidates = append(q.Candidates, c)
		}
		return b.seats[a.seat].judge.Judge(ctx, q)
	})
	if err != nil {
		return err
	}
	for i, o := range outs {
		a := asks[i]
		s := b.seats[a.seat]
		if o.kind == "" {
			q := Question{Kind: vote.KindChoice, Candidates: []Candidate{{ID: a.shown[0]}, {ID: a.shown[1]}}}
			if err := o.val.check(q); err != nil {
				o.kind, o.detail = FailInvalid, err.Error()
			}
		}
		j := Judgement{By: s.name, Shown: a.shown}
		if o.kind != "" {
			f := o.failure(s.name, "", round)
			f.Detail = fmt.Sprintf("match %s v %s: %s", matches[a.match].Pair[0], matches[a.match].Pair[1], f.Detail)
			b.step.Failures = append(b.step.Failures, f)
		} else {
			j.Choice, j.Reason, j.Trace = o.val.Choice, o.val.Reason, o.val.Trace
		}
		matches[a.match].Judgements = append(matches[a.match].Judgements, j)
	}
	return nil
}

// settle decides m: for the first judge that picked one candidate in both
// orders, or else by pool order.
func settle(m *Match) {
	for js := m.Judgements; len(js) >= 2; js = js[2:] {
		if w := agreed(js[:2]); w != "" {
			m.Winner, m.Rule, m.By = w, MatchAgreed, js[0].By
			return
		}
	}
	m.Winner, m.Rule = m.Pair[0], MatchPoolOrder
}

// agreed returns the candidate both of a judge's first two judgements
// picked, or "".
func agreed(js []Judgement) string {
	if len(js) >= 2 && js[0].Choice != "" && js[0].Choice == js[1].Choice {
		return js[0].Choice
	}
	return ""
}

// seedHash mixes the pool's seed with a purpose, so that each random
// choice of a stage draws from its own stream.
func seedHash(seed uint64, purpose string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(purpose))
	return h.Sum64() ^ seed*0x9e3779b97f4a7c15
}
