package report_test

import (
	"context"
	"fmt"
	"strings"
	"testing/fstest"

	"github.com/conclave-dev/conclave/report"
	"github.com/conclave-dev/conclave/selector"
)

// A page of one selection: a patch that tries to break out of the page
// shows as text, and the page holds only its own script.
func Example() {
	cands := []selector.Candidate{
		{ID: "a", Source: "claude", Patch: patch("    return n // 2")},
		{ID: "b", Source: "gpt", Patch: patch("    return n // 2  # </script><script>alert(1)</script>")},
		{ID: "c", Source: "gemini", Patch: patch("    return int(n / 2)")},
	}
	pool, err := selector.NewPool("half() should return an int", fstest.MapFS{"half.py": {Data: []byte(original)}}, cands)
	if err != nil {
		panic(err)
	}
	d, err := selector.Selector{Stages: []selector.Stage{selector.ContentFilter{}, selector.SyntaxCluster{}, selector.SyntaxVote{}}}.Run(context.Background(), pool)
	if err != nil {
		panic(err)
	}
	var page strings.Builder
	if err := report.Write(&page, report.FromDecision("half-1", pool.Issue, cands, d)); err != nil {
		panic(err)
	}
	fmt.Println("winner:", d.Winner, "by", d.DecidedBy)
	fmt.Println("scripts:", strings.Count(page.String(), "<script"))
	fmt.Println("escaped:", strings.Contains(page.String(), "&lt;/script&gt;&lt;script&gt;alert(1)"))
	// Output:
	// winner: a by syntax_vote
	// scripts: 1
	// escaped: true
}
