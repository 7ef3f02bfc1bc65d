package selector

import (
	"context"
	"fmt"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"

	"github.com/conclave-dev/conclave/selector/syntax"
)

// ContentFilter drops the candidates whose patch cannot be a fix whatever
// it does: an empty patch, text that is not a diff, and a patch that
// changes only tests or only adds throwaway scripts (files are classified
// by [syntax.Classify]). A patch that also changes documentation or any
// other file stays. It needs no original files. The stage is named
// "content_filter".
type ContentFilter struct{}

// Run implements [Stage].
func (ContentFilter) Run(ctx context.Context, p *Pool) (*Step, error) {
	step := &Step{Stage: "content_filter"}
	for _, c := range p.Candidates {
		if err := ctx.Err(); err != nil {
			return step, context.Cause(ctx)
		}
		if reason, detail := contentProblem(c.Patch); reason != "" {
			step.Dropped = append(step.Dropped, Rejection{Candidate: c.ID, Reason: reason, Detail: detail})
		}
	}
	dropped := droppedSet(step)
	p.retain(func(c Candidate) bool { return !dropped[c.ID] })
	return step, nil
}

// contentProblem says why patch cannot be a fix, or "".
func contentProblem(patch string) (Reason, string) {
	if strings.TrimSpace(patch) == "" {
		return ReasonEmpty, "the patch is empty"
	}
	files, _, err := gitdiff.Parse(strings.NewReader(patch))
	switch {
	case err != nil:
		return ReasonMalformed, err.Error()
	case len(files) == 0:
		return ReasonEmpty, "the text holds no file diff"
	}
	var tests, scratch []string
	for _, f := range files {
		path := f.NewName
		if f.IsDelete {
			path = f.OldName
		}
		switch syntax.Classify(path, f.IsNew || f.IsCopy) {
		case syntax.FileTest:
			tests = append(tests, path)
		case syntax.FileScratch:
			scratch = append(scratch, path)
		default:
			return "", ""
		}
	}
	if len(tests) > 0 {
		return ReasonTestsOnly, fmt.Sprintf("changes only tests (%s)", strings.Join(append(tests, scratch...), ", "))
	}
	return ReasonScratchOnly, fmt.Sprintf("only adds scratch scripts (%s)", strings.Join(scratch, ", "))
}

func droppedSet(step *Step) map[string]bool {
	m := make(map[string]bool, len(step.Dropped))
	for _, d := range step.Dropped {
		m[d.Candidate] = true
	}
	return m
}
