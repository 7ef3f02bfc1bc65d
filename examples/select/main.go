// Command select shows how Conclave picks one patch among candidates, and
// why, offline: six models proposed patches for one issue in a tiny Python
// project; the selector filters them, clusters the equivalent ones by
// syntax, holds a syntax vote and, as no cluster wins outright, asks a
// panel of judges. The judges here are scripted; in a real run they are
// models.
//
//	go run ./examples/select
package main

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/conclave-dev/conclave/selector"
)

//go:embed project candidates
var files embed.FS

const issue = `sell() lets stock go negative, and fails with a KeyError for an
item never stocked. It should refuse to sell more than is in stock.`

// models are the sources of the candidates, in the order they arrived.
var models = []string{"claude", "gpt", "gemini", "qwen", "deepseek", "llama"}

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "select:", err)
		os.Exit(1)
	}
}

// run selects among the bundled candidates and writes what happened to w.
func run(ctx context.Context, w io.Writer) error {
	base, err := fs.Sub(files, "project")
	if err != nil {
		return err
	}
	var candidates []selector.Candidate
	for _, m := range models {
		patch, err := fs.ReadFile(files, "candidates/"+m+".diff")
		if err != nil {
			return err
		}
		candidates = append(candidates, selector.Candidate{ID: m, Source: m, Patch: string(patch)})
	}
	pool, err := selector.NewPool(issue, base, candidates)
	if err != nil {
		return err
	}
	pool.Seed = 1 // the judges' candidate orders are shuffled from it

	stages := []selector.Stage{
		selector.ContentFilter{},
		selector.ApplyCheck{},
		selector.SyntaxCluster{},
		selector.SyntaxVote{Threshold: 0.75},
		selector.Panel{Judges: map[string]selector.Judge{
			"judge-1": script{
				{approve: []string{"claude", "gemini"}, reason: "Both refuse to oversell and handle unknown items."},
				{approve: []string{"claude"}, reason: "claude's error says how much is left; gemini reads the level twice."},
			},
			"judge-2": script{
				{approve: []string{"claude"}, reason: "Reads the stock level once; the message is useful."},
			},
			"judge-3": script{
				{approve: []string{"gemini"}, reason: "The smallest change that does the job."},
			},
		}},
	}
	d, err := selector.Selector{Stages: stages}.Run(ctx, pool)
	if err != nil {
		return err
	}
	report(w, candidates, d)
	return nil
}

// script is a judge answering from a script: in each round, yes to the
// candidates it lists and no to the others; the last entry answers every
// later round.
type script []struct {
	approve []string
	reason  string
}

func (s script) Judge(_ context.Context, q selector.Question) (selector.Answer, error) {
	line := s[min(q.Round, len(s))-1]
	ans := selector.Answer{Approve: map[string]bool{}, Reason: line.reason}
	for _, c := range q.Candidates {
		ans.Approve[c.ID] = slices.Contains(line.approve, c.ID)
	}
	return ans, nil
}

// what each stage does, in a line.
var explain = map[string]string{
	"content_filter": "drop patches that cannot be a fix: empty, only tests, only scratch scripts",
	"apply_check":    "apply each patch to the original files; drop those that do not apply or break the syntax",
	"syntax_cluster": "group patches that are the same program, whatever their comments, layout or quotes",
	"syntax_vote":    "each candidate votes for its cluster; a cluster with more than 75% of the votes wins",
	"panel":          "each judge says yes or no to every candidate (each sees them in its own shuffled order); a tie is voted on again, among the tied",
}

// how patches are compared in each mode.
var modes = map[string]string{
	"full-file":  "each patch applied to the original files, the syntax trees compared",
	"patch-only": "without the original files, the hunks' code compared token by token",
}

// report writes the decision for a reader: the candidates, each stage's
// evidence, and the winner.
func report(w io.Writer, candidates []selector.Candidate, d *selector.Decision) {
	fmt.Fprintf(w, "Issue: %s\n\n", strings.ReplaceAll(issue, "\n", "\n       "))
	fmt.Fprintf(w, "%d candidate patches:\n", len(candidates))
	for _, c := range candidates {
		fmt.Fprintf(w, "  %-9s %s\n", c.ID, summary(c.Patch))
	}
	left := ids(candidates)
	for i, s := range d.Steps {
		fmt.Fprintf(w, "\n%d. %s: %s\n", i+1, s.Stage, explain[s.Stage])
		for _, dr := range s.Dropped {
			fmt.Fprintf(w, "   drop %s (%s): %s\n", dr.Candidate, dr.Reason, dr.Detail)
			if !s.KeptAll {
				left = slices.DeleteFunc(left, func(id string) bool { return id == dr.Candidate })
			}
		}
		if s.Mode != "" {
			fmt.Fprintf(w, "   compared %s: %s\n", s.Mode, modes[s.Mode])
		}
		for _, cl := range s.Clusters {
			fmt.Fprintf(w, "   cluster: %s\n", strings.Join(cl.Members, ", "))
		}
		if s.Vote != nil {
			vote(w, s)
		}
		for _, f := range s.Failures {
			fmt.Fprintf(w, "   %s failed (%s): %s\n", f.By, f.Kind, f.Detail)
		}
		for _, n := range s.Notes {
			fmt.Fprintf(w, "   %s\n", n)
		}
		if s.Winner != "" {
			fmt.Fprintf(w, "   => %s wins\n", s.Winner)
		} else {
			fmt.Fprintf(w, "   left: %s\n", strings.Join(left, ", "))
		}
	}
	fmt.Fprintf(w, "\nWinner: %s (decided by %s)\n", d.Winner, d.DecidedBy)
	fmt.Fprintf(w, "Ranking: %s\n\n", strings.Join(d.Ranking, ", "))
	for _, c := range candidates {
		if c.ID == d.Winner {
			fmt.Fprint(w, c.Patch)
		}
	}
}

// vote writes a step's vote: the tally, or each round's ballots, reasons
// and tally.
func vote(w io.Writer, s selector.Step) {
	v := s.Vote
	if len(v.Rounds) == 0 {
		fmt.Fprintf(w, "   votes per cluster, named by the member standing for it: %s, of %g\n", tally(v.Ranking, v.Scores), v.Total)
		return
	}
	for _, r := range v.Rounds {
		fmt.Fprintf(w, "   round %d, on %s:\n", r.Number, strings.Join(r.Candidates, " and "))
		for _, b := range r.Counted {
			var yes []string
			for _, c := range r.Candidates {
				if b.Approval[c] {
					yes = append(yes, c)
				}
			}
			fmt.Fprintf(w, "     %s approves %s", b.Voter, strings.Join(yes, " and "))
			for _, m := range s.Remarks {
				if m.By == b.Voter && m.Round == r.Number {
					fmt.Fprintf(w, ": %q", m.Text)
				}
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "     yeses: %s", tally(r.Candidates, r.Scores))
		if len(r.Tied) > 0 {
			fmt.Fprintf(w, " (tied)")
		}
		fmt.Fprintln(w)
	}
}

func tally(ids []string, scores map[string]float64) string {
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf("%s %g", id, scores[id]))
	}
	return strings.Join(parts, ", ")
}

// summary describes a patch in a few words: the files it changes and the
// lines it adds and removes.
func summary(patch string) string {
	if strings.TrimSpace(patch) == "" {
		return "(empty)"
	}
	var files []string
	added, removed := 0, 0
	for line := range strings.SplitSeq(patch, "\n") {
		switch {
		case strings.HasPrefix(line, "+++ b/"):
			files = append(files, strings.TrimPrefix(line, "+++ b/"))
		case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"):
		case strings.HasPrefix(line, "+"):
			added++
		case strings.HasPrefix(line, "-"):
			removed++
		}
	}
	return fmt.Sprintf("%s, +%d -%d", strings.Join(files, " "), added, removed)
}

func ids(cs []selector.Candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}
