package selector

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/conclave-dev/conclave/selector/syntax"
)

// ApplyCheck applies each candidate's patch to the original files
// (Pool.Base) and drops those that do not apply, strictly, as git apply
// does, and those that leave a file they change with a syntax error it did
// not have ([syntax.Check]: tree-sitter ERROR or MISSING nodes). Without
// original files it skips, saying so. The stage is named "apply_check".
type ApplyCheck struct{}

// Run implements [Stage].
func (ApplyCheck) Run(ctx context.Context, p *Pool) (*Step, error) {
	step := &Step{Stage: "apply_check"}
	base := p.base()
	if base == nil {
		step.Notes = append(step.Notes, "the original files are not at hand: nothing checked")
		return step, nil
	}
	for _, c := range p.Candidates {
		if err := ctx.Err(); err != nil {
			return step, context.Cause(ctx)
		}
		applied, err := syntax.Apply(ctx, base, c.Patch)
		if err != nil {
			reason := ReasonNoApply
			switch {
			case errors.Is(err, syntax.ErrEmptyPatch):
				reason = ReasonEmpty
			case errors.Is(err, syntax.ErrMalformedPatch):
				reason = ReasonMalformed
			}
			step.Dropped = append(step.Dropped, Rejection{Candidate: c.ID, Reason: reason, Detail: err.Error()})
			continue
		}
		problems, err := syntax.Check(ctx, applied)
		switch {
		case ctx.Err() != nil:
			return step, context.Cause(ctx)
		case err != nil:
			step.Notes = append(step.Notes, fmt.Sprintf("%s: not checked for syntax errors: %v", c.ID, err))
		case len(problems) > 0:
			step.Dropped = append(step.Dropped, Rejection{Candidate: c.ID, Reason: ReasonSyntax, Detail: syntaxDetail(problems)})
		}
	}
	dropped := droppedSet(step)
	p.retain(func(c Candidate) bool { return !dropped[c.ID] })
	return step, nil
}

func syntaxDetail(problems []syntax.Error) string {
	const show = 3
	var parts []string
	for _, e := range problems[:min(show, len(problems))] {
		parts = append(parts, e.Error())
	}
	if len(problems) > show {
		parts = append(parts, fmt.Sprintf("and %d more", len(problems)-show))
	}
	return strings.Join(parts, "; ")
}
