package conclave

import (
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

// Outcome is what became of a run: which of its candidates turned out to
// resolve the task, as a benchmark's harness or a reviewer found.
type Outcome struct {
	Result *Result
	// Resolved says, by candidate ID, whether the candidate resolved the
	// task; a candidate left out is unknown and counts for no one.
	Resolved map[string]bool
}

// TrackRecords turns past runs with known outcomes into track records, for
// vote.Reliability.FromOutcomes, so that judges and models weigh by how
// often they were right (ACoder's future work):
//
//   - a judge, by name, is right on an approval when its yes or no matches
//     the candidate's outcome, on a choice or a tournament judgement when
//     it picked a resolving candidate among candidates of which some did
//     not resolve (a choice among equals tells nothing), and a verifier, by
//     its model's name, when its verdict matches;
//   - a source (a candidate's model) is right when its candidate resolved.
//
// The weights then go to selector.Weigh (sources) and to a Panel's or
// MultiSelect's JudgeWeights (judges).
func TrackRecords(outcomes []Outcome) (judges, sources map[string]vote.Record) {
	judges, sources = map[string]vote.Record{}, map[string]vote.Record{}
	count := func(m map[string]vote.Record, who string, right bool) {
		r := m[who]
		if right {
			r.Right++
		} else {
			r.Wrong++
		}
		m[who] = r
	}
	for _, o := range outcomes {
		known := func(id string) (bool, bool) { ok, found := o.Resolved[id]; return ok, found }
		// informative reports whether a choice among ids could be wrong
		// and could be right.
		informative := func(ids []string) bool {
			var good, bad bool
			for _, id := range ids {
				if ok, found := known(id); found {
					good, bad = good || ok, bad || !ok
				}
			}
			return good && bad
		}
		for _, rd := range o.Result.Rounds {
			for _, a := range rd.Attempts {
				if ok, found := known(a.Candidate.ID); found {
					count(sources, a.Candidate.From(), ok)
				}
			}
			for _, s := range rd.Decision.Steps {
				judgeRecords(s, count, judges, known, informative)
			}
		}
	}
	return judges, sources
}

func judgeRecords(s selector.Step, count func(map[string]vote.Record, string, bool), judges map[string]vote.Record,
	known func(string) (bool, bool), informative func([]string) bool) {
	if v := s.Verdict; v != nil {
		if ok, found := known(v.Candidate); found {
			who := "verifier"
			if v.Trace != nil && v.Trace.Model != "" {
				who = v.Trace.Model
			}
			count(judges, who, v.Confirmed == ok)
		}
	}
	if s.Vote != nil {
		rounds := s.Vote.Rounds
		if len(rounds) == 0 {
			rounds = []vote.Round{{Candidates: s.Vote.Ranking, Counted: s.Vote.Counted}}
		}
		for _, r := range rounds {
			for _, b := range r.Counted {
				for id, yes := range b.Approval {
					if ok, found := known(id); found {
						count(judges, b.Voter, yes == ok)
					}
				}
				if b.Choice != "" && informative(r.Candidates) {
					ok, _ := known(b.Choice)
					count(judges, b.Voter, ok)
				}
			}
		}
	}
	for _, m := range s.Matches {
		if !informative(m.Pair[:]) {
			continue
		}
		for _, jd := range m.Judgements {
			if jd.Choice != "" {
				ok, _ := known(jd.Choice)
				count(judges, jd.By, ok)
			}
		}
	}
}
