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
	"github.com/conclave-dev/conclave/vote"
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
		selector.SyntaxVote{Strategy: vote.Majority{Threshold: 0.75}},
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
	return report(w, candidates, d)
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

// report writes the selection for a reader: the issue and the candidates,
// the decision as the SDK explains it, and the winning patch.
func report(w io.Writer, candidates []selector.Candidate, d *selector.Decision) error {
	fmt.Fprintf(w, "Issue: %s\n\n", strings.ReplaceAll(issue, "\n", "\n       "))
	fmt.Fprintf(w, "%d candidate patches:\n", len(candidates))
	for _, c := range candidates {
		fmt.Fprintf(w, "  %-9s %s\n", c.ID, summary(c.Patch))
	}
	fmt.Fprintln(w)
	if err := d.Explain(w); err != nil {
		return err
	}
	for _, c := range candidates {
		if c.ID == d.Winner {
			_, err := fmt.Fprintf(w, "\n%s", c.Patch)
			return err
		}
	}
	return nil
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
