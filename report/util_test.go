package report_test

import (
	"unicode/utf8"

	"github.com/conclave-dev/conclave/selector"
)

func utf8Valid(s string) bool { return utf8.ValidString(s) }

// candidates are the fixture's candidates with a patch.
func candidates() []selector.Candidate {
	var out []selector.Candidate
	for _, c := range coders[:5] {
		p := patch(c.body)
		if c.body == testsOnly {
			p = testsOnly
		}
		out = append(out, selector.Candidate{ID: c.id, Source: c.model, Patch: p})
	}
	return out
}
