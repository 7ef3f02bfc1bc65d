package selector

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/conclave-dev/conclave/vote"
)

// Explain writes d for a reader: the candidates, then each step with what
// the stage does and was set to, who it dropped or kept and why, its
// clusters, votes round by round with the order each judge saw the
// candidates in, failures and notes, and who was left; then the winner,
// what decided it, the tie rule and seed, any doubt, and the ranking. It
// reads only d, so a Decision read back from JSON explains the same. It
// returns the first error writing to w.
func (d *Decision) Explain(w io.Writer) error {
	e := &explainer{w: w}
	e.printf("Candidates: %s\n", strings.Join(d.Candidates, ", "))
	left := slices.Clone(d.Candidates)
	for i, s := range d.Steps {
		e.printf("\n%d. %s", i+1, s.Stage)
		if about := describe(s); about != "" {
			e.printf(": %s", about)
		}
		e.printf("\n")
		e.step(s)
		for _, r := range s.Dropped {
			left = slices.DeleteFunc(left, func(id string) bool { return id == r.Candidate })
		}
		if s.Winner != "" {
			e.printf("   => %s wins\n", s.Winner)
		} else {
			e.printf("   left: %s\n", strings.Join(left, ", "))
		}
	}
	e.printf("\nWinner: %s, decided by %s", d.Winner, d.DecidedBy)
	var how []string
	if d.TieRule != "" {
		how = append(how, "tie rule: "+d.TieRule)
	}
	how = append(how, fmt.Sprintf("seed %d", d.Seed))
	e.printf(" (%s)\n", strings.Join(how, "; "))
	for _, doubt := range d.Doubts {
		e.printf("Not confident: %s\n", doubt)
	}
	e.printf("Ranking: %s\n", strings.Join(d.Ranking, ", "))
	return e.err
}

// explainer writes, keeping the first error.
type explainer struct {
	w   io.Writer
	err error
}

func (e *explainer) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// step writes the evidence of s, indented under its heading.
func (e *explainer) step(s Step) {
	for _, r := range s.Dropped {
		e.printf("   dropped %s (%s): %s\n", r.Candidate, r.Reason, r.Detail)
	}
	for _, r := range s.KeptFailing {
		e.printf("   failed but kept %s (%s): %s\n", r.Candidate, r.Reason, r.Detail)
	}
	if s.Mode != "" {
		e.printf("   compared %s: %s\n", s.Mode, modes[s.Mode])
	}
	for _, cl := range s.Clusters {
		e.printf("   cluster: %s\n", strings.Join(cl.Members, ", "))
	}
	if s.Settings != nil && len(s.Settings.SourceWeights) > 0 {
		e.printf("   source weights: %s\n", weightList(s.Settings.SourceWeights))
	}
	for _, run := range s.Tests {
		e.testRun(run)
	}
	if s.Vote != nil {
		e.vote(s)
	}
	for _, m := range s.Matches {
		e.match(m)
	}
	if len(s.Scores) > 0 {
		e.scores(s)
	}
	if v := s.Verdict; v != nil {
		word := "refused"
		if v.Confirmed {
			word = "confirmed"
		}
		e.printf("   the verifier %s %s", word, v.Candidate)
		if v.Reason != "" {
			e.printf(": %q", v.Reason)
		}
		e.printf("\n")
	}
	for _, f := range s.Failures {
		where := ""
		if f.Round > 0 {
			where = fmt.Sprintf(" in round %d", f.Round)
		}
		e.printf("   %s failed%s (%s): %s\n", f.By, where, f.Kind, f.Detail)
	}
	for _, n := range s.Notes {
		e.printf("   %s\n", n)
	}
}

func (e *explainer) testRun(run TestRun) {
	who := run.Candidate
	if who == "" {
		who = "the original files"
	}
	if run.Error != "" {
		e.printf("   tests on %s did not run: %s\n", who, run.Error)
		return
	}
	e.printf("   tests on %s: %d passed, %d failed", who, run.Passed, run.Failed)
	if len(run.Regressions) > 0 {
		e.printf("; broke %s", strings.Join(run.Regressions, ", "))
	}
	e.printf("\n")
}

// vote writes a step's vote: the tally, or each round's ballots, with the
// order each judge saw the candidates in, its remarks and the standing.
func (e *explainer) vote(s Step) {
	v := s.Vote
	if len(v.Rounds) == 0 {
		if len(v.Scores) > 0 {
			e.printf("   weight per cluster, named by the member standing for it: %s, of %g\n", tally(v.Ranking, v.Scores), v.Total)
		}
		if len(v.Tied) > 0 {
			e.printf("   tied: %s, settled by %s\n", strings.Join(v.Tied, ", "), v.TieRule)
		}
		return
	}
	for _, r := range v.Rounds {
		e.printf("   round %d, on %s:\n", r.Number, strings.Join(r.Candidates, ", "))
		for _, b := range r.Counted {
			e.printf("     %s", b.Voter)
			for _, o := range s.JudgeOrders {
				if o.Judge == b.Voter && o.Round == r.Number {
					e.printf(" (shown %s)", strings.Join(o.Candidates, ", "))
				}
			}
			switch b.Kind() {
			case vote.KindApproval:
				var yes []string
				for _, c := range r.Candidates {
					if b.Approval[c] {
						yes = append(yes, c)
					}
				}
				if len(yes) == 0 {
					e.printf(" approves none")
				} else {
					e.printf(" approves %s", strings.Join(yes, " and "))
				}
			case vote.KindChoice:
				e.printf(" picks %s", b.Choice)
			}
			var why *Remark
			for i, m := range s.Remarks {
				if m.By == b.Voter && m.Round == r.Number {
					why = &s.Remarks[i]
				}
			}
			if why != nil && why.Text != "" {
				e.printf(": %q", why.Text)
			}
			e.printf("\n")
			if why != nil {
				e.reasons(r.Candidates, why)
			}
		}
		if r.Error != "" {
			e.printf("     no decision: %s\n", r.Error)
			continue
		}
		e.printf("     standing: %s", tally(r.Candidates, r.Scores))
		if len(r.Tied) > 0 {
			e.printf(" (tied)")
		}
		e.printf("\n")
	}
	if len(v.Tied) > 0 && v.Winner != "" {
		e.printf("   still tied: %s, settled by %s\n", strings.Join(v.Tied, ", "), v.TieRule)
	}
}

// reasons writes a judge's reasons for each candidate and its findings on
// each criterion.
func (e *explainer) reasons(candidates []string, r *Remark) {
	for _, c := range candidates {
		reason, found := r.Reasons[c], r.Criteria[c]
		if reason == "" && len(found) == 0 {
			continue
		}
		e.printf("       on %s:", c)
		if reason != "" {
			e.printf(" %q", reason)
		}
		for _, name := range slices.Sorted(maps.Keys(found)) {
			e.printf("; %s: %q", name, found[name])
		}
		e.printf("\n")
	}
}

// match writes a tournament match: each judgement, and what decided.
func (e *explainer) match(m Match) {
	e.printf("   round %d, %s v %s:\n", m.Round, m.Pair[0], m.Pair[1])
	for _, j := range m.Judgements {
		e.printf("     %s (shown %s, %s)", j.By, j.Shown[0], j.Shown[1])
		if j.Choice == "" {
			e.printf(" failed\n")
			continue
		}
		e.printf(" picks %s", j.Choice)
		if j.Reason != "" {
			e.printf(": %q", j.Reason)
		}
		e.printf("\n")
	}
	if m.Rule == MatchAgreed {
		e.printf("     %s wins: %s picked it in both orders\n", m.Winner, m.By)
	} else {
		e.printf("     %s wins by pool order: no judge picked one candidate in both orders\n", m.Winner)
	}
}

// scores writes a model's weights and each candidate's score, with the
// features the model weighs.
func (e *explainer) scores(s Step) {
	var weighed []string
	if s.Settings != nil {
		for _, k := range slices.Sorted(maps.Keys(s.Settings.FeatureWeights)) {
			if s.Settings.FeatureWeights[k] != 0 {
				weighed = append(weighed, k)
			}
		}
		if len(weighed) > 0 {
			e.printf("   weight per unit: %s\n", weightList(s.Settings.FeatureWeights))
		}
	}
	for _, sc := range s.Scores {
		e.printf("   %s scores %.3g", sc.Candidate, sc.Score)
		var parts []string
		for _, k := range weighed {
			parts = append(parts, fmt.Sprintf("%s %.3g", k, sc.Features[k]))
		}
		if len(parts) > 0 {
			e.printf(": %s", strings.Join(parts, ", "))
		}
		e.printf("\n")
	}
}

// describe says in a line what a stage of this package does, as its
// settings and vote shaped it; "" for a stage of someone else's.
func describe(s Step) string {
	set := s.Settings
	if set == nil {
		set = &Settings{}
	}
	switch s.Stage {
	case "content_filter":
		return "drops patches that cannot be a fix: empty, only tests, only scratch scripts"
	case "apply_check":
		return "applies each patch to the original files; drops those that do not apply or break the syntax"
	case "regression":
		rule := "all are kept"
		if set.Fewest {
			rule = "those with the fewest regressions are kept"
		}
		return "runs the tests on the original files and on each patch; drops those that break a test that passed (if none passes, " + rule + ")"
	case "weigh":
		return "weighs each candidate by its source's track record"
	case "syntax_cluster":
		about := "groups patches that are the same program, whatever their comments, layout or quotes"
		if set.Ignored != "" {
			about += "; leaves out " + set.Ignored
		}
		return about
	case "syntax_vote":
		about := "each candidate votes for its cluster with its source's weight; " + rule(s.Vote)
		if set.Verifier {
			about += "; a verifier must confirm the winner"
		}
		return about
	case "panel":
		about := "each judge says yes or no to every candidate, each in its own shuffled order"
		if len(set.Criteria) > 0 {
			var names []string
			for _, c := range set.Criteria {
				names = append(names, c.Name)
			}
			about += ", judging " + strings.Join(names, ", ")
		}
		return about + fmt.Sprintf("; a tie is voted on again among the tied, up to %d rounds", set.MaxRounds)
	case "tournament":
		return "candidates meet in pairs in a bracket drawn from the seed; a judge sees each pair in both orders, and a candidate it picks in both wins the match (else a second judge is asked, then the pool's order decides); winners advance until one is left"
	case "rank":
		about := "scores each candidate by a trained model over its features in the pool"
		if set.Keep > 0 {
			return about + fmt.Sprintf("; keeps the %d best", set.Keep)
		}
		return about + "; the best wins"
	case "multi_select":
		return fmt.Sprintf("each judge picks one candidate a round, each in its own shuffled order, up to %d rounds, until the leader cannot be caught", set.MaxRounds)
	}
	return ""
}

// rule words the strategy of a syntax vote.
func rule(v *vote.Result) string {
	if v == nil {
		return "the cluster with the most weight wins"
	}
	var about string
	switch {
	case v.Threshold > 0:
		about = fmt.Sprintf("a cluster with more than %.0f%% of the weight wins (%s)", 100*v.Threshold, v.Strategy)
	case v.Strategy == "plurality":
		about = "the cluster with the most weight wins (plurality)"
	default:
		about = "the clusters are counted by " + v.Strategy
	}
	if v.TieRule != "" {
		about += "; ties: " + v.TieRule
	}
	return about
}

// how patches are compared in each mode.
var modes = map[string]string{
	"full-file":  "each patch applied to the original files, the syntax trees compared",
	"patch-only": "without the original files, the hunks' code compared token by token",
}

func tally(ids []string, scores map[string]float64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%s %g", id, scores[id])
	}
	return strings.Join(parts, ", ")
}

func weightList(ws map[string]float64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(ws)) {
		parts = append(parts, fmt.Sprintf("%s %.3g", k, ws[k]))
	}
	return strings.Join(parts, ", ")
}
