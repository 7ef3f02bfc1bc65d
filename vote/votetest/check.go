package votetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/conclave-dev/conclave/vote"
)

// CheckResult reports how res and err, returned by a strategy's Decide for
// candidates and ballots, break the [vote.Strategy] contract, or nil. It
// holds for any input, so a fuzz test of a strategy can call it:
//
//   - the Result is not nil, and Winner is set exactly when err is nil;
//   - a winner is a candidate, first in a Ranking that lists every
//     candidate once, and at least one ballot counted for it;
//   - Scores name only candidates, are finite and do not increase along
//     the Ranking; Tied, if set, is the group sharing the top score;
//   - every ballot is counted or ignored, once; a counted ballot names
//     only candidates, has a valid positive weight and a voter with no
//     other counted ballot; an ignored one has a known Reason;
//   - a bad candidate list (an empty, non-UTF-8 or repeated name) is an
//     error, and an empty one is [vote.ErrNoCandidates];
//   - the Result encodes as JSON.
func CheckResult(candidates []string, ballots []vote.Ballot, res *vote.Result, err error) error {
	if res == nil {
		return fmt.Errorf("Decide returned a nil Result (error %v); return the evidence even with an error", err)
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch {
	case err == nil && res.Winner == "":
		bad("no error but no winner")
	case err != nil && res.Winner != "":
		bad("winner %q despite the error %v", res.Winner, err)
	}
	validList := goodList(candidates)
	switch {
	case !validList && err == nil:
		bad("the bad candidate list %q was accepted", candidates)
	case len(candidates) == 0 && !errors.Is(err, vote.ErrNoCandidates):
		bad("no candidates: error %v does not wrap vote.ErrNoCandidates", err)
	}
	if res.Winner != "" {
		if !slices.Contains(candidates, res.Winner) {
			bad("the winner %q is not a candidate", res.Winner)
		}
		if len(res.Ranking) == 0 || res.Ranking[0] != res.Winner {
			bad("the winner %q does not head the ranking %q", res.Winner, res.Ranking)
		}
		if len(res.Counted) == 0 {
			bad("the winner %q won without a counted ballot", res.Winner)
		}
	}
	if len(res.Ranking) > 0 && validList && !isPermutation(res.Ranking, candidates) {
		bad("the ranking %q is not a permutation of the candidates %q", res.Ranking, candidates)
	}
	checkScores(res, candidates, bad)
	if validList && (err == nil || errors.Is(err, vote.ErrNoBallots) || errors.Is(err, vote.ErrNoWinner) || errors.Is(err, vote.ErrNoCandidates)) {
		checkBallots(res, candidates, ballots, bad)
	}
	if _, jerr := json.Marshal(res); jerr != nil {
		bad("the Result does not encode as JSON: %v", jerr)
	}
	return errors.Join(errs...)
}

func checkScores(res *vote.Result, candidates []string, bad func(string, ...any)) {
	for c, s := range res.Scores {
		if !slices.Contains(candidates, c) {
			bad("a score for %q, not a candidate", c)
		}
		if math.IsNaN(s) || math.IsInf(s, 0) {
			bad("the score of %q is %v", c, s)
		}
	}
	if math.IsNaN(res.Total) || math.IsInf(res.Total, 0) || res.Total < 0 {
		bad("the total weight is %v", res.Total)
	}
	if len(res.Scores) == 0 || len(res.Ranking) == 0 {
		if len(res.Tied) == 1 {
			bad("Tied lists one candidate, %q", res.Tied)
		}
		return
	}
	for i := 1; i < len(res.Ranking); i++ {
		if a, b := res.Ranking[i-1], res.Ranking[i]; res.Scores[a] < res.Scores[b] {
			bad("the ranking puts %q (%v) above %q (%v)", a, res.Scores[a], b, res.Scores[b])
		}
	}
	top := res.Scores[res.Ranking[0]]
	var group []string
	for _, c := range candidates {
		if res.Scores[c] == top {
			group = append(group, c)
		}
	}
	switch {
	case len(group) >= 2 && !isPermutation(res.Tied, group):
		bad("Tied is %q, but %q share the top score %v", res.Tied, group, top)
	case len(group) < 2 && len(res.Tied) > 0:
		bad("Tied is %q, but only %q has the top score %v", res.Tied, group, top)
	}
}

func checkBallots(res *vote.Result, candidates []string, ballots []vote.Ballot, bad func(string, ...any)) {
	given := map[string]int{}
	for _, b := range ballots {
		given[key(b)]++
	}
	seen := map[string]int{}
	voters := map[string]bool{}
	for _, b := range res.Counted {
		seen[key(b)]++
		if voters[b.Voter] {
			bad("voter %q has several counted ballots", b.Voter)
		}
		voters[b.Voter] = true
		if b.Voter == "" || b.Kind() == "" {
			bad("counted a malformed ballot:\n%s", dump(b))
		}
		for _, c := range names(b) {
			if !slices.Contains(candidates, c) {
				bad("counted %q's ballot naming %q, not a candidate", b.Voter, c)
			}
		}
		if !(b.Weight > 0 && b.Weight <= vote.MaxWeight) {
			bad("counted %q's ballot of weight %v", b.Voter, b.Weight)
		}
	}
	for _, ig := range res.Ignored {
		seen[key(ig.Ballot)]++
		if !slices.Contains(reasons, ig.Reason) {
			bad("ignored %q's ballot for the unknown reason %q", ig.Ballot.Voter, ig.Reason)
		}
	}
	for k, n := range given {
		if seen[k] != n {
			bad("ballot %s (weight aside) given %d times, counted or ignored %d times", k, n, seen[k])
		}
	}
	for k, n := range seen {
		if given[k] == 0 {
			bad("ballot %s (weight aside) counted or ignored %d times but never given", k, n)
		}
	}
}

var reasons = []vote.Reason{
	vote.ReasonMalformed, vote.ReasonUnknownCandidate, vote.ReasonWrongKind,
	vote.ReasonInvalidWeight, vote.ReasonZeroWeight, vote.ReasonDuplicateVoter,
}

// key identifies a ballot by everything but its weight (which Weighted
// changes), as it reads after a JSON round trip (which evidence survives).
func key(b vote.Ballot) string {
	b.Weight = 0
	data, _ := json.Marshal(b)
	var back vote.Ballot
	_ = json.Unmarshal(data, &back)
	data, _ = json.Marshal(back)
	return string(data)
}

// names lists every candidate b names, whatever its kind.
func names(b vote.Ballot) []string {
	var out []string
	if b.Choice != "" {
		out = append(out, b.Choice)
	}
	out = append(out, b.Ranking...)
	for c := range b.Approval {
		out = append(out, c)
	}
	return out
}

func goodList(candidates []string) bool {
	seen := map[string]bool{}
	for _, c := range candidates {
		if c == "" || !utf8.ValidString(c) || seen[c] {
			return false
		}
		seen[c] = true
	}
	return true
}

func isPermutation(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
