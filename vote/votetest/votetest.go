// Package votetest checks that a [vote.Strategy] keeps its contract.
//
// [TestStrategy] is the conformance suite every strategy runs, the ones of
// package vote included: it holds votes in every kind of ballot, checks
// that weights count and ballot order does not, and reports a failure at
// the line that called it, with the decisions as indented JSON.
// [CheckResult] checks one decision and suits fuzz tests. A new additive
// strategy is best written as a [vote.Tally], which screens, adds and
// ranks the ballots as the suite expects.
package votetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/conclave-dev/conclave/vote"
)

// abcd are the candidates TestStrategy votes on.
var abcd = []string{"a", "b", "c", "d"}

// TestStrategy checks that s honours the [vote.Strategy] contract, voting
// on the candidates "a", "b", "c" and "d". It does not know which kinds of
// ballot s counts, so every vote it holds is cast in all three kinds by
// different voters: s must count the kinds it counts and ignore the
// others. It checks that
//
//   - a unanimous vote for any candidate elects it, without a tie;
//   - Decide is deterministic, and reordering ballots changes neither the
//     outcome nor which ballots are counted;
//   - ballots naming someone who is not a candidate are ignored, with
//     [vote.ReasonUnknownCandidate], and change nothing;
//   - no candidates is [vote.ErrNoCandidates]; no ballots, or only
//     ballots of weight 0, is [vote.ErrNoBallots], and those are ignored
//     with [vote.ReasonZeroWeight];
//   - a voter with several ballots of one kind has none counted;
//   - weights count: a voter weighing 3 outweighs two weighing 1;
//   - multiplying every weight by the same factor changes no ranking;
//   - concurrent calls agree, and a Result survives a JSON round trip;
//   - the arguments are never modified, and every Result passes
//     [CheckResult].
//
// A failure is reported at the line that called TestStrategy, with the
// decisions involved as indented JSON, weights included. Run it under the
// race detector: it calls s concurrently.
func TestStrategy(t *testing.T, s vote.Strategy) {
	t.Helper()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			t.Helper()
			if err := c.run(s); err != nil {
				t.Error(err)
			}
		})
	}
}

var checks = []struct {
	name string
	run  func(vote.Strategy) error
}{
	{"Unanimous", checkUnanimous},
	{"Deterministic", checkDeterministic},
	{"BallotOrder", checkBallotOrder},
	{"UnknownCandidates", checkUnknown},
	{"NoCandidates", checkNoCandidates},
	{"NoBallots", checkNoBallots},
	{"DuplicateVoters", checkDuplicates},
	{"Weights", checkWeights},
	{"ScaledWeights", checkScaled},
	{"Concurrent", checkConcurrent},
	{"JSON", checkJSON},
}

// decide calls s, turning a panic, a modified argument or a broken
// contract into an error.
func decide(s vote.Strategy, candidates []string, ballots []vote.Ballot) (res *vote.Result, err, problem error) {
	cands, before := slices.Clone(candidates), cloneBallots(ballots)
	defer func() {
		if p := recover(); p != nil {
			problem = fmt.Errorf("Decide panicked: %v", p)
		}
	}()
	res, err = s.Decide(candidates, ballots)
	var errs []error
	if !reflect.DeepEqual(cands, candidates) {
		errs = append(errs, fmt.Errorf("Decide modified the candidates: %q became %q", cands, candidates))
	}
	if !reflect.DeepEqual(before, ballots) {
		errs = append(errs, errors.New("Decide modified the ballots"))
	}
	if cerr := CheckResult(candidates, ballots, res, err); cerr != nil {
		errs = append(errs, cerr)
	}
	return res, err, errors.Join(errs...)
}

// unanimous has three voters of each kind back winner.
func unanimous(winner string) []vote.Ballot {
	var out []vote.Ballot
	for i := 1; i <= 3; i++ {
		approval := map[string]bool{}
		ranking := []string{winner}
		for _, c := range abcd {
			approval[c] = c == winner
			if c != winner {
				ranking = append(ranking, c)
			}
		}
		out = append(out,
			vote.Choose(fmt.Sprintf("choice-%d", i), winner),
			vote.Rank(fmt.Sprintf("ranking-%d", i), ranking...),
			vote.Approve(fmt.Sprintf("approval-%d", i), approval))
	}
	return out
}

// mixed is a split vote with weights, in all three kinds.
func mixed() []vote.Ballot {
	w := func(b vote.Ballot, weight float64) vote.Ballot { b.Weight = weight; return b }
	return []vote.Ballot{
		w(vote.Choose("c1", "a"), 2),
		vote.Choose("c2", "b"),
		w(vote.Choose("c3", "b"), 1.5),
		w(vote.Choose("c4", "c"), 0.5),
		vote.Rank("r1", "b", "a", "c", "d"),
		w(vote.Rank("r2", "a", "b"), 2),
		vote.Rank("r3", "c", "b"),
		vote.Approve("p1", map[string]bool{"a": true, "b": true, "c": false}),
		w(vote.Approve("p2", map[string]bool{"b": true}), 2),
		w(vote.Approve("p3", map[string]bool{"a": false, "b": false, "c": true, "d": false}), 0.5),
	}
}

// random is a seeded vote of 1 to 12 voters, each casting one ballot of a
// random kind and weight.
func random(seed uint64) []vote.Ballot {
	rng := rand.New(rand.NewPCG(seed, 1))
	weights := []float64{0.5, 1, 2, 3}
	var out []vote.Ballot
	for i := range 1 + rng.IntN(12) {
		voter := fmt.Sprintf("v%d", i)
		var b vote.Ballot
		switch rng.IntN(3) {
		case 0:
			b = vote.Choose(voter, abcd[rng.IntN(len(abcd))])
		case 1:
			perm := rng.Perm(len(abcd))
			ranking := make([]string, 1+rng.IntN(len(abcd)))
			for j := range ranking {
				ranking[j] = abcd[perm[j]]
			}
			b = vote.Rank(voter, ranking...)
		default:
			approval := map[string]bool{}
			for _, c := range abcd {
				if rng.IntN(3) > 0 {
					approval[c] = rng.IntN(2) == 0
				}
			}
			if len(approval) == 0 {
				approval["a"] = true
			}
			b = vote.Approve(voter, approval)
		}
		b.Weight = weights[rng.IntN(len(weights))]
		out = append(out, b)
	}
	return out
}

// profiles are the votes the order, determinism and scaling checks use.
func profiles() [][]vote.Ballot {
	out := [][]vote.Ballot{mixed()}
	for seed := range uint64(8) {
		out = append(out, random(seed))
	}
	return out
}

func checkUnanimous(s vote.Strategy) error {
	var errs []error
	for _, c := range abcd {
		res, err, problem := decide(s, abcd, unanimous(c))
		switch {
		case problem != nil:
			errs = append(errs, fmt.Errorf("everyone for %q: %w", c, problem))
		case err != nil:
			errs = append(errs, fmt.Errorf("everyone for %q: %v", c, err))
		case res.Winner != c:
			errs = append(errs, fmt.Errorf("everyone voted for %q but %q won", c, res.Winner))
		case len(res.Tied) > 0:
			errs = append(errs, fmt.Errorf("everyone voted for %q but %q tied", c, res.Tied))
		}
	}
	return errors.Join(errs...)
}

func checkDeterministic(s vote.Strategy) error {
	for i, ballots := range profiles() {
		var first string
		for n := range 5 {
			res, err, problem := decide(s, abcd, ballots)
			if problem != nil {
				return fmt.Errorf("profile %d: %w", i, problem)
			}
			got := encode(res, err)
			if n == 0 {
				first = got
			} else if got != first {
				return fmt.Errorf("profile %d: the same vote decided twice gave\n%s\nthen\n%s", i, first, got)
			}
		}
	}
	return nil
}

func checkBallotOrder(s vote.Strategy) error {
	rng := rand.New(rand.NewPCG(7, 7))
	for i, ballots := range profiles() {
		res, err, problem := decide(s, abcd, ballots)
		if problem != nil {
			return fmt.Errorf("profile %d: %w", i, problem)
		}
		want := outcome(res, err, true)
		for range 5 {
			shuffled := slices.Clone(ballots)
			rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
			res, err, problem := decide(s, abcd, shuffled)
			if problem != nil {
				return fmt.Errorf("profile %d shuffled: %w", i, problem)
			}
			if got := outcome(res, err, true); got != want {
				return fmt.Errorf("profile %d: reordering the ballots changed the outcome from\n%s\nto\n%s", i, want, got)
			}
		}
	}
	return nil
}

func checkUnknown(s vote.Strategy) error {
	base := mixed()
	res, err, problem := decide(s, abcd, base)
	if problem != nil {
		return problem
	}
	want := outcome(res, err, false)
	strays := []vote.Ballot{
		vote.Choose("u1", "zz"),
		vote.Rank("u2", "a", "zz"),
		vote.Approve("u3", map[string]bool{"a": true, "zz": true}),
	}
	res, err, problem = decide(s, abcd, append(base, strays...))
	if problem != nil {
		return problem
	}
	var errs []error
	if got := outcome(res, err, false); got != want {
		errs = append(errs, fmt.Errorf("ballots naming a non-candidate changed the outcome from\n%s\nto\n%s", want, got))
	}
	for _, stray := range strays {
		if !ignoredFor(res, stray.Voter, vote.ReasonUnknownCandidate) {
			errs = append(errs, fmt.Errorf("%q named a non-candidate but was not ignored with %q", stray.Voter, vote.ReasonUnknownCandidate))
		}
	}
	return errors.Join(errs...)
}

func checkNoCandidates(s vote.Strategy) error {
	var errs []error
	for _, cands := range [][]string{nil, {}} {
		for _, ballots := range [][]vote.Ballot{nil, mixed()} {
			_, err, problem := decide(s, cands, ballots)
			if problem != nil {
				errs = append(errs, problem)
			} else if !errors.Is(err, vote.ErrNoCandidates) {
				errs = append(errs, fmt.Errorf("candidates %#v, %d ballots: error %v, want vote.ErrNoCandidates", cands, len(ballots), err))
			}
		}
	}
	return errors.Join(errs...)
}

func checkNoBallots(s vote.Strategy) error {
	var errs []error
	weightless := unanimous("a")
	for i := range weightless {
		weightless[i].Weight = 0
	}
	for _, ballots := range [][]vote.Ballot{nil, {}, weightless} {
		res, err, problem := decide(s, abcd, ballots)
		if problem != nil {
			errs = append(errs, problem)
			continue
		}
		if !errors.Is(err, vote.ErrNoBallots) {
			errs = append(errs, fmt.Errorf("%d ballots of weight 0: error %v, want vote.ErrNoBallots", len(ballots), err))
		}
		for _, b := range res.Counted {
			errs = append(errs, fmt.Errorf("counted %q's ballot of weight 0", b.Voter))
		}
	}
	res, _, problem := decide(s, abcd, weightless)
	if problem == nil {
		for _, ig := range res.Ignored {
			if ig.Reason != vote.ReasonZeroWeight && ig.Reason != vote.ReasonWrongKind {
				errs = append(errs, fmt.Errorf("%q's ballot of weight 0 was ignored for %q, want %q", ig.Ballot.Voter, ig.Reason, vote.ReasonZeroWeight))
			}
		}
	}
	return errors.Join(errs...)
}

func checkDuplicates(s vote.Strategy) error {
	ballots := unanimous("a")
	for _, b := range unanimous("b") {
		b.Voter = "dup-" + b.Voter
		ballots = append(ballots, b, b, b)
	}
	res, err, problem := decide(s, abcd, ballots)
	if problem != nil {
		return problem
	}
	var errs []error
	for _, b := range res.Counted {
		if len(b.Voter) > 4 && b.Voter[:4] == "dup-" {
			errs = append(errs, fmt.Errorf("counted a ballot of %q, which cast three", b.Voter))
		}
	}
	if err != nil || res.Winner != "a" {
		errs = append(errs, fmt.Errorf("voters backing %q once and others backing %q thrice each: winner %q, error %v; want %q", "a", "b", res.Winner, err, "a"))
	}
	return errors.Join(errs...)
}

// weighty has, in each kind, one voter of weight 3 back "a" and two of
// weight 1 back "b" (in a ranking, each puts the other second): "a" wins
// by weight, "b" by numbers.
func weighty() []vote.Ballot {
	w := func(b vote.Ballot, weight float64) vote.Ballot { b.Weight = weight; return b }
	return []vote.Ballot{
		w(vote.Choose("heavy-choice", "a"), 3),
		vote.Choose("light-choice-1", "b"),
		vote.Choose("light-choice-2", "b"),
		w(vote.Rank("heavy-ranking", "a", "b", "c", "d"), 3),
		vote.Rank("light-ranking-1", "b", "a", "c", "d"),
		vote.Rank("light-ranking-2", "b", "a", "c", "d"),
		w(vote.Approve("heavy-approval", map[string]bool{"a": true, "b": false, "c": false, "d": false}), 3),
		vote.Approve("light-approval-1", map[string]bool{"a": false, "b": true, "c": false, "d": false}),
		vote.Approve("light-approval-2", map[string]bool{"a": false, "b": true, "c": false, "d": false}),
	}
}

func checkWeights(s vote.Strategy) error {
	res, err, problem := decide(s, abcd, weighty())
	if problem != nil {
		return problem
	}
	// A rule such as a majority threshold may elect nobody; the ranking
	// still shows what the weights did.
	if len(res.Ranking) == 0 || res.Ranking[0] != "a" || (err == nil && res.Winner != "a") {
		return fmt.Errorf("a voter of weight 3 for %q and two of weight 1 for %q each, in every kind: want %q first, got winner %q, error %v; the weights were not counted:\n%s",
			"a", "b", "a", res.Winner, err, dump(res))
	}
	return nil
}

func checkScaled(s vote.Strategy) error {
	for i, ballots := range profiles() {
		res, err, problem := decide(s, abcd, ballots)
		if problem != nil {
			return fmt.Errorf("profile %d: %w", i, problem)
		}
		scaled := cloneBallots(ballots)
		for j := range scaled {
			scaled[j].Weight *= 4
		}
		res4, err4, problem := decide(s, abcd, scaled)
		if problem != nil {
			return fmt.Errorf("profile %d scaled: %w", i, problem)
		}
		if (err == nil) != (err4 == nil) || res.Winner != res4.Winner || !slices.Equal(res.Ranking, res4.Ranking) || !slices.Equal(res.Tied, res4.Tied) {
			return fmt.Errorf("profile %d: weights times 4 changed the outcome from\n%s\nto\n%s", i, outcome(res, err, true), outcome(res4, err4, true))
		}
	}
	return nil
}

func checkConcurrent(s vote.Strategy) error {
	ballots := mixed()
	got := make([]string, 8)
	problems := make([]error, len(got))
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			res, err, problem := decide(s, abcd, ballots)
			got[i], problems[i] = encode(res, err), problem
		})
	}
	wg.Wait()
	if err := errors.Join(problems...); err != nil {
		return err
	}
	for i := range got {
		if got[i] != got[0] {
			return fmt.Errorf("concurrent calls disagree:\n%s\n%s", got[0], got[i])
		}
	}
	return nil
}

func checkJSON(s vote.Strategy) error {
	for i, ballots := range append(profiles(), nil) {
		res, _, problem := decide(s, abcd, ballots)
		if problem != nil {
			return fmt.Errorf("profile %d: %w", i, problem)
		}
		data, err := json.Marshal(res)
		if err != nil {
			return fmt.Errorf("profile %d: %v", i, err)
		}
		var back vote.Result
		if err := json.Unmarshal(data, &back); err != nil {
			return fmt.Errorf("profile %d: decoding %s: %v", i, data, err)
		}
		again, _ := json.Marshal(&back)
		if string(again) != string(data) {
			return fmt.Errorf("profile %d: the Result changed in a JSON round trip:\n%s\n%s", i, data, again)
		}
	}
	return nil
}

// outcome renders what a decision decided; with ballots, also which
// ballots it counted and ignored, with their weights, in a canonical
// order.
func outcome(res *vote.Result, err error, ballots bool) string {
	o := struct {
		Winner   string             `json:"winner"`
		Ranking  []string           `json:"ranking"`
		Scores   map[string]float64 `json:"scores"`
		Total    float64            `json:"total"`
		Tied     []string           `json:"tied"`
		Sentinel string             `json:"error,omitempty"`
		Counted  []vote.Ballot      `json:"counted,omitempty"`
		Ignored  []vote.Ignored     `json:"ignored,omitempty"`
	}{Winner: res.Winner, Ranking: res.Ranking, Scores: res.Scores, Total: res.Total, Tied: res.Tied}
	for _, s := range []error{vote.ErrNoCandidates, vote.ErrNoBallots, vote.ErrNoWinner} {
		if errors.Is(err, s) {
			o.Sentinel = s.Error()
		}
	}
	if err != nil && o.Sentinel == "" {
		o.Sentinel = "other"
	}
	if ballots {
		o.Counted = sortedBy(res.Counted)
		o.Ignored = sortedBy(res.Ignored)
	}
	return dump(o)
}

// sortedBy returns a copy of xs sorted by their JSON.
func sortedBy[T any](xs []T) []T {
	keys := make([]string, len(xs))
	order := make([]int, len(xs))
	for i, x := range xs {
		data, _ := json.Marshal(x)
		keys[i], order[i] = string(data), i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	out := make([]T, len(xs))
	for i, j := range order {
		out[i] = xs[j]
	}
	return out
}

// encode renders a whole decision.
func encode(res *vote.Result, err error) string {
	return fmt.Sprintf("%s\nerror: %v", dump(res), err)
}

// dump is the one way the suite shows data: indented JSON.
func dump(v any) string {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprintf("%+v (not JSON: %v)", v, err)
	}
	return string(data)
}

func ignoredFor(res *vote.Result, voter string, reason vote.Reason) bool {
	for _, ig := range res.Ignored {
		if ig.Ballot.Voter == voter && ig.Reason == reason {
			return true
		}
	}
	return false
}

func cloneBallots(ballots []vote.Ballot) []vote.Ballot {
	if ballots == nil {
		return nil
	}
	out := make([]vote.Ballot, len(ballots))
	for i, b := range ballots {
		b.Ranking = slices.Clone(b.Ranking)
		if b.Approval != nil {
			m := make(map[string]bool, len(b.Approval))
			for k, v := range b.Approval {
				m[k] = v
			}
			b.Approval = m
		}
		out[i] = b
	}
	return out
}
