package votetest

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/vote"
)

// run runs the checks on s and returns the failures by check name. The
// Concurrent check runs only when asked: a strategy that modifies its
// arguments is a data race, which -race would report as a failure of this
// test rather than of the strategy.
func run(s vote.Strategy, concurrent bool) map[string]error {
	failed := map[string]error{}
	for _, c := range checks {
		if c.name == "Concurrent" && !concurrent {
			continue
		}
		if err := c.run(s); err != nil {
			failed[c.name] = err
		}
	}
	return failed
}

// count is a plurality written with Screen and Tiebreak.Order, with a hook
// to break it.
func count(candidates []string, counted []vote.Ballot, ignored []vote.Ignored, bump func(scores map[string]float64)) *vote.Result {
	res := &vote.Result{Strategy: "broken", Counted: counted, Ignored: ignored, Scores: map[string]float64{}}
	for _, c := range candidates {
		res.Scores[c] = 0
	}
	for _, b := range counted {
		res.Scores[b.Choice] += b.Weight
		res.Total += b.Weight
	}
	if bump != nil {
		bump(res.Scores)
	}
	res.Ranking, res.Tied = vote.Tiebreak{}.Order(candidates, res.Scores)
	res.Winner = res.Ranking[0]
	return res
}

func TestSuiteCatchesBrokenStrategies(t *testing.T) {
	var calls atomic.Int64
	tests := []struct {
		name  string
		s     vote.StrategyFunc
		check string // the check that must fail
		want  string // in its message
	}{
		{
			name: "first ballot counts double",
			s: func(c []string, b []vote.Ballot) (*vote.Result, error) {
				counted, ignored, err := vote.Screen(c, b, vote.KindChoice)
				if err != nil || len(counted) == 0 {
					return vote.Plurality{}.Decide(c, b)
				}
				return count(c, counted, ignored, func(s map[string]float64) { s[counted[0].Choice] += counted[0].Weight }), nil
			},
			check: "BallotOrder", want: "reordering the ballots changed",
		},
		{
			name: "tie rule alternates between calls",
			s: func(c []string, b []vote.Ballot) (*vote.Result, error) {
				res, err := vote.Plurality{}.Decide(c, b)
				if err == nil && calls.Add(1)%2 == 0 {
					rev := slices.Clone(c)
					slices.Reverse(rev)
					ranking, _ := vote.Tiebreak{}.Order(rev, res.Scores)
					res.Ranking, res.Winner = ranking, ranking[0]
				}
				return res, err
			},
			check: "Deterministic", want: "decided twice",
		},
		{
			name: "leaks a call count into the result",
			s: func(c []string, b []vote.Ballot) (*vote.Result, error) {
				res, err := vote.Plurality{}.Decide(c, b)
				res.Strategy = fmt.Sprintf("plurality#%d", calls.Add(1))
				return res, err
			},
			check: "Concurrent", want: "concurrent calls disagree",
		},
		{
			name: "sorts the caller's ballots",
			s: func(c []string, b []vote.Ballot) (*vote.Result, error) {
				slices.SortFunc(b, func(x, y vote.Ballot) int { return strings.Compare(y.Voter, x.Voter) })
				return vote.Plurality{}.Decide(c, b)
			},
			check: "Unanimous", want: "modified the ballots",
		},
		{
			name: "elects an outsider",
			s: func(c []string, b []vote.Ballot) (*vote.Result, error) {
				res, err := vote.Plurality{}.Decide(c, b)
				if err == nil {
					res.Winner = "zz"
				}
				return res, err
			},
			check: "Unanimous", want: "not a candidate",
		},
		{
			name: "counts votes for non-candidates",
			s: func(c []string, b []vote.Ballot) (*vote.Result, error) {
				all := slices.Clone(c)
				for _, x := range b {
					if x.Choice != "" && !slices.Contains(all, x.Choice) {
						all = append(all, x.Choice)
					}
				}
				return vote.Plurality{}.Decide(all, b)
			},
			check: "UnknownCandidates", want: "not a permutation",
		},
		{
			name: "defaults to the first candidate",
			s: func(c []string, b []vote.Ballot) (*vote.Result, error) {
				res, err := vote.Plurality{}.Decide(c, b)
				if err != nil && len(c) > 0 {
					return &vote.Result{Strategy: "broken", Winner: c[0], Ranking: c, Ignored: res.Ignored}, nil
				}
				return res, err
			},
			check: "NoBallots", want: "without a counted ballot",
		},
		{
			name: "panics without candidates",
			s: func(c []string, b []vote.Ballot) (*vote.Result, error) {
				_ = c[0]
				return vote.Plurality{}.Decide(c, b)
			},
			check: "NoCandidates", want: "panicked",
		},
		{
			name: "lets a voter vote thrice",
			s: func(c []string, b []vote.Ballot) (*vote.Result, error) {
				var counted []vote.Ballot
				var ignored []vote.Ignored
				for _, x := range b {
					cd, ig, err := vote.Screen(c, []vote.Ballot{x}, vote.KindChoice)
					if err != nil {
						return vote.Plurality{}.Decide(c, b)
					}
					counted, ignored = append(counted, cd...), append(ignored, ig...)
				}
				if len(counted) == 0 {
					return vote.Plurality{}.Decide(c, b)
				}
				return count(c, counted, ignored, nil), nil
			},
			check: "DuplicateVoters", want: "several counted ballots",
		},
		{
			name: "counts only weights of 2 or more",
			s: func(c []string, b []vote.Ballot) (*vote.Result, error) {
				trusted := cloneBallots(b)
				for i := range trusted {
					if trusted[i].Weight < 2 {
						trusted[i].Weight = 0
					}
				}
				return vote.Plurality{}.Decide(c, trusted)
			},
			check: "ScaledWeights", want: "weights times 4",
		},
		{
			name: "resets every weight to 1",
			s: func(c []string, b []vote.Ballot) (*vote.Result, error) {
				flat := cloneBallots(b)
				for i := range flat {
					if flat[i].Weight > 0 {
						flat[i].Weight = 1
					}
				}
				return vote.Plurality{}.Decide(c, flat)
			},
			check: "Weights", want: "weights were not counted",
		},
		{
			name: "infinite confidence",
			s: func(c []string, b []vote.Ballot) (*vote.Result, error) {
				res, err := vote.Plurality{}.Decide(c, b)
				if err == nil {
					res.Scores[res.Winner] = math.Inf(1)
				}
				return res, err
			},
			check: "JSON", want: "encode as JSON",
		},
		{
			name: "hides ties",
			s: func(c []string, b []vote.Ballot) (*vote.Result, error) {
				res, err := vote.Plurality{}.Decide(c, b)
				res.Tied = nil
				return res, err
			},
			check: "BallotOrder", want: "share the top score",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failed := run(tt.s, tt.check == "Concurrent")
			require.Contains(t, failed, tt.check, "the suite let this broken strategy pass %s", tt.check)
			assert.Contains(t, failed[tt.check].Error(), tt.want)
		})
	}
}

// TestFailuresPointAtCaller runs a broken strategy through TestStrategy in
// a child process and checks that the failures name the line calling
// TestStrategy, not a line of the suite.
func TestFailuresPointAtCaller(t *testing.T) {
	if os.Getenv("VOTETEST_CHILD") == "1" {
		TestStrategy(t, vote.StrategyFunc(func(c []string, b []vote.Ballot) (*vote.Result, error) {
			res, err := vote.Plurality{}.Decide(c, b)
			res.Tied = nil
			return res, err
		}))
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFailuresPointAtCaller$")
	cmd.Env = append(os.Environ(), "VOTETEST_CHILD=1")
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "the broken strategy passed:\n%s", out)
	src, err := os.ReadFile("votetest_internal_test.go")
	require.NoError(t, err)
	lines := strings.Split(string(src), "\n")
	reported := regexp.MustCompile(`(\w+\.go):(\d+): `).FindAllStringSubmatch(string(out), -1)
	require.NotEmpty(t, reported, "no failure with a location:\n%s", out)
	for _, m := range reported {
		require.Equal(t, "votetest_internal_test.go", m[1], "a failure reported inside the suite:\n%s", out)
		n, _ := strconv.Atoi(m[2])
		assert.Contains(t, lines[n-1], "TestStrategy(t, ", "line %d", n)
	}
}

func TestSuitePassesPlurality(t *testing.T) {
	assert.Empty(t, run(vote.Plurality{}, true))
}

func TestCheckResult(t *testing.T) {
	cands := []string{"a", "b"}
	ballots := []vote.Ballot{vote.Choose("x", "a")}
	good, err := vote.Plurality{}.Decide(cands, ballots)
	require.NoError(t, err)
	require.NoError(t, CheckResult(cands, ballots, good, nil))

	tests := map[string]struct {
		cands []string
		res   *vote.Result
		err   error
		want  string
	}{
		"nil result":        {cands, nil, nil, "nil Result"},
		"no winner":         {cands, &vote.Result{Counted: ballots}, nil, "no winner"},
		"winner and error":  {cands, &vote.Result{Winner: "a", Counted: ballots}, vote.ErrNoWinner, "despite the error"},
		"bad list accepted": {[]string{"a", "a"}, &vote.Result{Winner: "a", Counted: ballots, Ranking: []string{"a"}}, nil, "bad candidate list"},
		"empty list":        {nil, &vote.Result{Ignored: []vote.Ignored{{Ballot: ballots[0], Reason: vote.ReasonUnknownCandidate}}}, vote.ErrNoBallots, "ErrNoCandidates"},
		"winner unranked":   {cands, &vote.Result{Winner: "a", Ranking: []string{"b", "a"}, Counted: ballots}, nil, "does not head"},
		"short ranking":     {cands, &vote.Result{Winner: "a", Ranking: []string{"a"}, Counted: ballots}, nil, "not a permutation"},
		"ballot lost":       {cands, &vote.Result{Winner: "a", Ranking: []string{"a", "b"}}, nil, "without a counted ballot"},
		"unknown reason":    {cands, &vote.Result{Ignored: []vote.Ignored{{Ballot: ballots[0], Reason: "meh"}}}, vote.ErrNoBallots, "unknown reason"},
		"scores disorder":   {cands, &vote.Result{Winner: "a", Ranking: []string{"a", "b"}, Scores: map[string]float64{"b": 1}, Counted: ballots}, nil, "puts \"a\""},
		"stray score":       {cands, &vote.Result{Winner: "a", Ranking: []string{"a", "b"}, Scores: map[string]float64{"z": 1}, Counted: ballots}, nil, "not a candidate"},
		"false tie":         {cands, &vote.Result{Winner: "a", Ranking: []string{"a", "b"}, Scores: map[string]float64{"a": 1}, Tied: cands, Counted: ballots}, nil, "only"},
		"negative total":    {cands, &vote.Result{Winner: "a", Ranking: []string{"a", "b"}, Total: -1, Counted: ballots}, nil, "total weight"},
		"counted zero":      {cands, &vote.Result{Winner: "a", Ranking: []string{"a", "b"}, Counted: []vote.Ballot{{Voter: "x", Choice: "a"}}}, nil, "weight 0"},
		"counted outsider":  {cands, &vote.Result{Ignored: nil, Counted: []vote.Ballot{vote.Choose("x", "z")}}, vote.ErrNoWinner, "not a candidate"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			err := CheckResult(tt.cands, ballots, tt.res, tt.err)
			if assert.Error(t, err) {
				assert.Contains(t, err.Error(), tt.want)
			}
		})
	}
}
