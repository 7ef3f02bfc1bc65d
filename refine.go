package conclave

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/conclave-dev/conclave/selector"
)

// critique returns what Coder id is told in round (after the issue) and
// the patch it starts from: its latest candidate before the round.
func (j *Job) critique(round int, id string) (string, string, error) {
	var d selector.Decision
	found, err := j.dir.read(decisionFile(round-1), &d)
	if err != nil {
		return "", "", err
	}
	if !found {
		return "", "", fmt.Errorf("conclave: Generate: round %d follows round %d, which has no decision yet: run Select(%d) first", round, round-1, round-1)
	}
	c, _, err := j.latest(round-1, id)
	if err != nil {
		return "", "", err
	}
	var b strings.Builder
	b.WriteString("# Review of the first round\n\nSeveral candidate patches were written for this issue and reviewed, and the review was not conclusive")
	if why := Unsure(&d); len(why) > 0 {
		b.WriteString(": " + strings.Join(why, "; "))
	}
	b.WriteString(".\n\n")
	if c == nil {
		b.WriteString("You made no usable patch; your checkout starts from the original code.\n")
		b.WriteString(findings(&d, ""))
	} else {
		b.WriteString("Your checkout starts from your earlier patch. What the review found about it:\n\n")
		b.WriteString(findings(&d, c.ID))
	}
	b.WriteString("\nAddress these findings: correct your patch, or rework it where the findings show it is wrong. Keep the change minimal, run the project's tests, and call task_done when done.\n")
	start := ""
	if c != nil {
		start = c.Patch
	}
	return b.String(), start, nil
}

// findings lists what a decision says about candidate id, and the judges'
// remarks on the whole; id "" lists the remarks alone. A candidate that a
// cluster's representative stood for is judged through it.
func findings(d *selector.Decision, id string) string {
	about := map[string]bool{id: id != ""}
	for _, cl := range d.Clusters {
		if slices.Contains(cl.Members, id) {
			for _, m := range cl.Members {
				about[m] = true
			}
		}
	}
	var lines []string
	for _, s := range d.Steps {
		for _, r := range s.Dropped {
			if r.Candidate == id && r.Reason != selector.ReasonDuplicate {
				lines = append(lines, fmt.Sprintf("- It was dropped by %s (%s): %s", s.Stage, r.Reason, r.Detail))
			}
		}
		for _, r := range s.KeptFailing {
			if r.Candidate == id {
				lines = append(lines, fmt.Sprintf("- It failed %s (%s): %s", s.Stage, r.Reason, r.Detail))
			}
		}
		for _, t := range s.Tests {
			if t.Candidate == id && len(t.Regressions) > 0 {
				lines = append(lines, "- Tests that passed on the original code fail with it: "+strings.Join(t.Regressions, ", "))
			}
			if t.Candidate == id && t.Error != "" {
				lines = append(lines, "- Its test run failed: "+t.Error)
			}
		}
		if v := s.Verdict; v != nil && about[v.Candidate] {
			word := "refused"
			if v.Confirmed {
				word = "confirmed"
			}
			lines = append(lines, fmt.Sprintf("- The verifier %s it: %s", word, v.Reason))
		}
		for _, r := range s.Remarks {
			for _, c := range slices.Sorted(maps.Keys(r.Reasons)) {
				if about[c] {
					lines = append(lines, fmt.Sprintf("- Judge %s (%s): %s", r.By, s.Stage, r.Reasons[c]))
				}
			}
			for _, c := range slices.Sorted(maps.Keys(r.Criteria)) {
				if !about[c] {
					continue
				}
				for _, k := range slices.Sorted(maps.Keys(r.Criteria[c])) {
					lines = append(lines, fmt.Sprintf("  - %s: %s", k, r.Criteria[c][k]))
				}
			}
		}
		for _, m := range s.Matches {
			for _, jd := range m.Judgements {
				if about[m.Pair[0]] || about[m.Pair[1]] {
					if jd.Reason != "" {
						lines = append(lines, fmt.Sprintf("- Judge %s, comparing %s and %s, chose %s: %s", jd.By, m.Pair[0], m.Pair[1], jd.Choice, jd.Reason))
					}
				}
			}
		}
	}
	if len(lines) == 0 && id != "" {
		lines = append(lines, "- Nothing specific: no judge singled it out.")
	}
	var general []string
	for _, s := range d.Steps {
		for _, r := range s.Remarks {
			if r.Text != "" {
				general = append(general, fmt.Sprintf("- Judge %s: %s", r.By, r.Text))
			}
		}
	}
	out := strings.Join(lines, "\n") + "\n"
	if id == "" {
		out = ""
	}
	if len(general) > 0 {
		out += "\nThe judges' remarks on the candidates as a whole:\n\n" + strings.Join(general, "\n") + "\n"
	}
	return out
}
