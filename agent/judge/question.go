package judge

import (
	"fmt"
	"strings"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/selector"
)

// kind is what a question asks.
type kind string

const (
	kindApproval     kind = "approval"     // a yes or no for every candidate (ACoder)
	kindChoice       kind = "choice"       // the one candidate preferred (Trae)
	kindVerification kind = "verification" // confirm or reject one candidate (Trae's dual verification)
)

// question is one question to the judge, its candidates in the order to
// show them.
type question struct {
	kind       kind
	issue      string
	candidates []selector.Candidate
	criteria   []selector.Criterion
	round      int
}

// tokensPerByte estimates the tokens of a patch, on the safe side of the
// usual one token in four bytes, as the agent's context manager does
// before its first response.
const tokensPerByte = 0.3

// defaultPatchTokens is PatchTokens when the model's window is unknown.
const defaultPatchTokens = 32000

// patchTokens is the size in tokens up to which patches are shown whole.
func (j *Judge) patchTokens() int {
	if j.PatchTokens > 0 {
		return j.PatchTokens
	}
	window := j.Agent.Window
	if window == 0 {
		info, _ := llm.Lookup(j.Agent.ModelName)
		window = info.Window
	}
	if window == 0 {
		return defaultPatchTokens
	}
	return window / 3
}

// fits reports whether q's patches are shown whole.
func (j *Judge) fits(q question) bool {
	n := 0
	for _, c := range q.candidates {
		n += len(c.Patch)
	}
	return int(float64(n)*tokensPerByte) <= j.patchTokens()
}

const systemPrompt = `You are a judge of candidate patches for a software issue. Several coding agents each wrote a patch; you examine them and answer one question through the submit tool. Only what you submit is read.

You work in a checkout of the original code, before any patch. Read it with view and ckg (definitions and uses of names), and run commands with bash; what you change there is thrown away. try_candidate applies one candidate's patch in a scratch checkout of its own and runs a command there: the project's tests, or a short script that reproduces the issue. Each candidate keeps its checkout and shell until you submit.

Judge what each patch does to the program, checking your doubts by reading the code and running it, not by the patch's length, style or place in the list: the order candidates are listed in means nothing. Candidates are named by their IDs; use those IDs exactly. When you are sure, submit; if your answer is refused, read why, fix it and submit again.`

// task writes the question for the model: the issue, the candidates
// (whole, or summarised when they do not fit), the criteria and what to
// answer.
func task(q question, whole bool) string {
	var b strings.Builder
	b.WriteString("# Issue\n\n")
	b.WriteString(strings.TrimSpace(q.issue))
	b.WriteString("\n\n")
	switch {
	case q.kind == kindVerification:
		b.WriteString("# Candidate\n\n")
	default:
		fmt.Fprintf(&b, "# Candidates\n\n%d candidates, in no particular order: %s.\n", len(q.candidates), ids(q.candidates))
		if !whole {
			b.WriteString("The patches are too long to show together: each is summarised below; read a patch with view_patch.\n")
		}
		b.WriteString("\n")
	}
	for _, c := range q.candidates {
		if whole {
			fmt.Fprintf(&b, "## Candidate %s\n\n<patch id=%q>\n%s\n</patch>\n\n", c.ID, c.ID, strings.TrimRight(c.Patch, "\n"))
		} else {
			fmt.Fprintf(&b, "## Candidate %s (summary)\n\n%s\n", c.ID, summarize(c.Patch))
		}
	}
	if len(q.criteria) > 0 {
		b.WriteString("# Criteria\n\n")
		for _, cr := range q.criteria {
			fmt.Fprintf(&b, "- %s: %s\n", cr.Name, cr.Question)
		}
		b.WriteString("\n")
	}
	b.WriteString("# Question\n\n")
	switch q.kind {
	case kindApproval:
		b.WriteString("Vote on every candidate: 1 if it should be accepted as the fix, measured against every criterion, 0 if not. More than one candidate may get 1, or none. For each candidate give the reason for its vote and what you found on each criterion. Submit all votes in one call.")
	case kindChoice:
		if len(q.candidates) == 2 {
			b.WriteString("Which of the two candidates is the better fix for the issue? Pick one, and say why it beats the other.")
		} else {
			b.WriteString("Which one candidate is the best fix for the issue? Pick exactly one, and say why it beats the others.")
		}
		if len(q.criteria) > 0 {
			b.WriteString(" Judge by the criteria.")
		}
	case kindVerification:
		fmt.Fprintf(&b, "Candidate %s was chosen because several agents wrote the same change. Check it independently: confirm it only if it resolves the issue completely and breaks nothing that worked; otherwise reject it. Say why.", q.candidates[0].ID)
	}
	if q.round > 1 {
		fmt.Fprintf(&b, "\n\nThis is round %d: the judges were split among these candidates in the previous round. Judge afresh.", q.round)
	}
	b.WriteString("\n")
	return b.String()
}

func ids(cs []selector.Candidate) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.ID
	}
	return strings.Join(s, ", ")
}
