// Command custom-strategy writes a voting rule of its own and uses it: the
// Dowdall system (Nauru's), a positional rule in which a ranking gives its
// first candidate 1 point, its second 1/2, its third 1/3, so that being
// someone's favourite counts for more than being everyone's second choice,
// as Borda has it.
//
// A rule that adds up points is a vote.Tally that says how many points a
// ballot gives; votetest.TestStrategy, run by this example's test, checks
// that it keeps the contract of vote.Strategy (weights count, ballot order
// does not, ties are settled by the tie rule, and more).
//
//	go run ./examples/custom-strategy
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/conclave-dev/conclave/vote"
)

// Dowdall returns the Dowdall strategy: a ranking gives its k-th candidate
// 1/k point, times the ballot's weight; candidates it leaves out get
// nothing. Ties go by tb.
func Dowdall(tb vote.Tiebreak) vote.Tally {
	return vote.Tally{
		Name:  "dowdall",
		Kinds: []vote.Kind{vote.KindRanking},
		Points: func(b vote.Ballot, _ []string, add func(string, float64)) {
			for i, c := range b.Ranking {
				add(c, b.Weight/float64(i+1))
			}
		},
		Tiebreak: tb,
	}
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "custom-strategy:", err)
		os.Exit(1)
	}
}

// run holds one vote under Dowdall and under Borda and writes both
// outcomes: three judges each put a different candidate first and claude
// second, so Borda's consensus pick is claude and Dowdall's is a first
// choice.
func run(w io.Writer) error {
	candidates := []string{"claude", "gpt", "gemini", "qwen"}
	ballots := []vote.Ballot{
		vote.Rank("judge-1", "gpt", "claude", "gemini", "qwen"),
		vote.Rank("judge-2", "gemini", "claude", "gpt", "qwen"),
		vote.Rank("judge-3", "qwen", "claude", "gpt", "gemini"),
	}
	for _, s := range []vote.Strategy{Dowdall(vote.Tiebreak{}), vote.Borda{}} {
		res, err := s.Decide(candidates, ballots)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s: %s wins;", res.Strategy, res.Winner)
		for _, c := range res.Ranking {
			fmt.Fprintf(w, " %s %.3g", c, res.Scores[c])
		}
		fmt.Fprintln(w)
	}
	return nil
}
