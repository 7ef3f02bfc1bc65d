package report

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

// runView is a Run as the page shows it. Every field holds text the
// template escapes; none is trusted markup.
type runView struct {
	Anchor     string
	ID         string
	Repo, Base string
	Issue      string
	Finished   bool
	Winner     string
	DecidedBy  string
	Round      int // the round whose decision is final
	Confident  bool
	Doubts     []string
	Refinement *conclave.Refinement
	Rounds     []*roundView
	Candidates int
	Cost       float64
	Tokens     int
	ByModel    []conclave.Usage
	ByStage    []conclave.Usage
	Usage      []conclave.Usage
	Traj       []*trajView
	Problems   []string
}

type roundView struct {
	N          int
	Anchor     string
	Decision   *selector.Decision
	Explain    string
	Funnel     []funnelRow
	Clusters   []clusterView
	Votes      []*voteView
	Tests      []testView
	Candidates []*candView
}

type funnelRow struct {
	Stage       string
	In, Left    int
	Of          int // the candidates at the start, the meter's maximum
	Dropped     []selector.Rejection
	KeptFailing []selector.Rejection
	Winner      string
	Notes       []string
	Error       string
}

type clusterView struct {
	Members []member
	Winner  bool
}

type member struct{ ID, Source string }

type testView struct {
	Stage string
	Runs  []selector.TestRun
}

type voteView struct {
	Stage     string
	Strategy  string
	TieRule   string
	Threshold float64
	Judges    []judgeView
	Criteria  []selector.Criterion
	Rounds    []*ballotRound
	Tally     []tallyRow // a vote without rounds: the score of each in the running
	Counted   []vote.Ballot
	Matches   []selector.Match
	Features  []string
	Scores    []selector.Score
	Verdict   *selector.Verdict
	Failures  []selector.Failure
	Winner    string
}

type judgeView struct {
	Name   string
	Weight float64
}

type ballotRound struct {
	Number     int
	Candidates []string
	Ballots    []ballotView
	Standing   []tallyRow
	Tied       []string
	Error      string
}

type ballotView struct {
	Voter  string
	Weight float64
	Shown  []string
	Text   string
	Cells  []cellView
	Trace  *selector.Trace
	Traj   string // the anchor of the judge's trajectory
}

type cellView struct {
	Mark     string // yes, no, pick, or "" when not judged
	Reason   string
	Criteria []finding
}

type finding struct{ Name, Text string }

type tallyRow struct {
	ID    string
	Score float64
}

type candView struct {
	ID, Source, Coder, Model string
	Anchor                   string
	Winner                   bool
	Fate                     string
	Dropped                  bool
	Steps                    int
	Reason, Error            string
	Tokens                   int
	Cost                     float64
	Patch                    []diffLine
	Bytes                    int
	Winning                  []diffLine // the winner's patch, for side by side
	Traj                     string
	Critique                 string // what the Coder was told in a refinement round
}

type trajView struct {
	*Trajectory
	Anchor string
}

// view makes the view of r; n numbers it among the runs of a page.
func view(r *Run, n int) *runView {
	v := &runView{Anchor: fmt.Sprintf("run-%d", n), ID: cmp.Or(r.Task.ID, "task"), Repo: r.Task.Repo, Base: r.Task.Base,
		Issue: bound(r.Task.Issue, 4*maxText), Finished: r.Result != nil, Problems: r.Problems, Usage: merged(r.Usage)}
	res := &conclave.Result{Usage: r.Usage}
	v.ByModel, v.ByStage, v.Cost = res.ByModel(), res.ByStage(), res.Cost()
	for _, u := range r.Usage {
		v.Tokens += u.Tokens
	}
	if r.Result != nil {
		v.Refinement = r.Result.Refinement
	}
	trajOf := map[string]string{} // candidate ID or trace path -> anchor
	for i, t := range r.Trajectories {
		tv := &trajView{Trajectory: t, Anchor: fmt.Sprintf("%s-traj-%d", v.Anchor, i+1)}
		v.Traj = append(v.Traj, tv)
		if t.Candidate != "" {
			trajOf["c:"+t.Candidate] = tv.Anchor
		}
		if t.Trace != "" {
			trajOf["t:"+t.Trace] = tv.Anchor
		}
	}
	for _, rd := range r.Rounds {
		rv := roundOf(rd, trajOf, v.Anchor)
		v.Rounds = append(v.Rounds, rv)
		if d := rd.Decision; d != nil {
			v.Winner, v.DecidedBy, v.Confident, v.Doubts, v.Round = d.Winner, d.DecidedBy, d.Confident, d.Doubts, rd.N
		}
		v.Candidates += len(rd.Candidates)
	}
	return v
}

func roundOf(rd Round, trajOf map[string]string, anchor string) *roundView {
	rv := &roundView{N: rd.N, Anchor: fmt.Sprintf("%s-round-%d", anchor, rd.N), Decision: rd.Decision}
	d := rd.Decision
	var winning string
	if d != nil {
		var b bytes.Buffer
		if err := d.Explain(&b); err == nil {
			rv.Explain = b.String()
		}
		rv.Funnel = funnel(d)
		src := map[string]string{}
		for _, c := range rd.Candidates {
			src[c.ID] = c.From()
		}
		for _, cl := range d.Clusters {
			cv := clusterView{Winner: slices.Contains(cl.Members, d.Winner)}
			for _, m := range cl.Members {
				cv.Members = append(cv.Members, member{ID: m, Source: src[m]})
			}
			rv.Clusters = append(rv.Clusters, cv)
		}
		for _, s := range d.Steps {
			if len(s.Tests) > 0 {
				rv.Tests = append(rv.Tests, testView{Stage: s.Stage, Runs: s.Tests})
			}
			if vv := voteOf(s, trajOf); vv != nil {
				rv.Votes = append(rv.Votes, vv)
			}
		}
		for _, c := range rd.Candidates {
			if c.ID == d.Winner {
				winning = c.Patch
			}
		}
	}
	attempt := map[string]*conclave.Attempt{}
	for _, a := range rd.Attempts {
		attempt[a.Candidate.ID] = a
	}
	seen := map[string]bool{}
	add := func(c selector.Candidate, a *conclave.Attempt) {
		seen[c.ID] = true
		cv := &candView{ID: c.ID, Source: c.From(), Anchor: fmt.Sprintf("%s-cand-%d", rv.Anchor, len(rv.Candidates)+1),
			Patch: diffLines(c.Patch), Bytes: len(c.Patch), Traj: trajOf["c:"+c.ID]}
		if a != nil {
			cv.Coder, cv.Model, cv.Steps, cv.Reason, cv.Error = a.Coder, a.Model, a.Steps, string(a.Reason), bound(a.Error, maxText)
			cv.Critique = rd.Critiques[a.Coder]
			for _, model := range sortedKeys(a.Usage) {
				cv.Tokens += a.Usage[model].Usage.Total()
				cv.Cost += a.Usage[model].Cost
			}
		}
		cv.Fate, cv.Winner, cv.Dropped = fate(d, c.ID, strings.TrimSpace(c.Patch) == "")
		if d != nil && !cv.Winner && d.Winner != "" && strings.TrimSpace(c.Patch) != "" {
			cv.Winning = diffLines(winning)
		}
		rv.Candidates = append(rv.Candidates, cv)
	}
	for _, c := range rd.Candidates {
		add(c, attempt[c.ID])
	}
	for _, a := range rd.Attempts {
		if !seen[a.Candidate.ID] {
			add(a.Candidate, a)
		}
	}
	return rv
}

// fate says what became of candidate id in d.
func fate(d *selector.Decision, id string, empty bool) (string, bool, bool) {
	if d == nil {
		return "not selected yet", false, false
	}
	if id == d.Winner {
		return "winner, chosen by " + d.DecidedBy, true, false
	}
	for _, s := range d.Steps {
		for _, r := range s.Dropped {
			if r.Candidate == id {
				if string(r.Reason) == s.Stage {
					return "dropped by " + s.Stage, false, true
				}
				return fmt.Sprintf("dropped by %s (%s)", s.Stage, r.Reason), false, true
			}
		}
	}
	if !slices.Contains(d.Candidates, id) {
		if empty {
			return "no patch: not in the selection", false, true
		}
		return "not in the selection", false, true
	}
	if i := slices.Index(d.Ranking, id); i >= 0 {
		return fmt.Sprintf("ranked %d of %d", i+1, len(d.Ranking)), false, false
	}
	return "in the running", false, false
}

// funnel follows the candidates through the stages of d.
func funnel(d *selector.Decision) []funnelRow {
	left := len(d.Candidates)
	var rows []funnelRow
	for _, s := range d.Steps {
		row := funnelRow{Stage: s.Stage, In: left, Of: len(d.Candidates), Dropped: s.Dropped, KeptFailing: s.KeptFailing,
			Winner: s.Winner, Notes: s.Notes, Error: s.Error}
		left -= len(s.Dropped)
		row.Left = left
		rows = append(rows, row)
	}
	return rows
}

// voteOf returns the vote, matches, scores or verdict of s; nil when it
// has none.
func voteOf(s selector.Step, trajOf map[string]string) *voteView {
	if s.Vote == nil && len(s.Matches) == 0 && len(s.Scores) == 0 && s.Verdict == nil && len(s.Remarks) == 0 && len(s.Failures) == 0 {
		return nil
	}
	vv := &voteView{Stage: s.Stage, Matches: s.Matches, Scores: s.Scores, Verdict: s.Verdict, Failures: s.Failures, Winner: s.Winner}
	if set := s.Settings; set != nil {
		vv.Criteria = set.Criteria
		for _, j := range set.Judges {
			w, ok := set.JudgeWeights[j]
			if !ok {
				w = 1
			}
			vv.Judges = append(vv.Judges, judgeView{Name: j, Weight: w})
		}
		for _, k := range sortedKeys(set.FeatureWeights) {
			if set.FeatureWeights[k] != 0 {
				vv.Features = append(vv.Features, k)
			}
		}
	}
	v := s.Vote
	if v == nil {
		return vv
	}
	vv.Strategy, vv.TieRule, vv.Threshold = v.Strategy, v.TieRule, v.Threshold
	if len(v.Rounds) == 0 {
		for _, id := range v.Ranking {
			vv.Tally = append(vv.Tally, tallyRow{ID: id, Score: v.Scores[id]})
		}
		vv.Counted = v.Counted
		return vv
	}
	for _, r := range v.Rounds {
		br := &ballotRound{Number: r.Number, Candidates: r.Candidates, Tied: r.Tied, Error: r.Error}
		for _, id := range r.Candidates {
			br.Standing = append(br.Standing, tallyRow{ID: id, Score: r.Scores[id]})
		}
		for _, b := range r.Counted {
			bv := ballotView{Voter: b.Voter, Weight: b.Weight}
			for _, o := range s.JudgeOrders {
				if o.Judge == b.Voter && o.Round == r.Number {
					bv.Shown = o.Candidates
				}
			}
			var why *selector.Remark
			for i, m := range s.Remarks {
				if m.By == b.Voter && m.Round == r.Number {
					why = &s.Remarks[i]
				}
			}
			if why != nil {
				bv.Text, bv.Trace = why.Text, why.Trace
				if why.Trace != nil {
					bv.Traj = trajOf["t:"+why.Trace.Trajectory]
				}
			}
			for _, c := range r.Candidates {
				cell := cellView{}
				switch b.Kind() {
				case vote.KindApproval:
					if yes, ok := b.Approval[c]; ok {
						cell.Mark = map[bool]string{true: "yes", false: "no"}[yes]
					}
				case vote.KindChoice:
					if b.Choice == c {
						cell.Mark = "pick"
					}
				}
				if why != nil {
					cell.Reason = why.Reasons[c]
					for _, name := range sortedKeys(why.Criteria[c]) {
						cell.Criteria = append(cell.Criteria, finding{Name: name, Text: why.Criteria[c][name]})
					}
				}
				bv.Cells = append(bv.Cells, cell)
			}
			br.Ballots = append(br.Ballots, bv)
		}
		vv.Rounds = append(vv.Rounds, br)
	}
	return vv
}

// diffLine is a line of a patch with its class: file, hunk, add, del or
// ctx.
type diffLine struct{ Class, Text string }

// diffLines splits a patch into classed lines, bounded.
func diffLines(patch string) []diffLine {
	patch = bound(patch, maxPatch)
	if patch == "" {
		return nil
	}
	lines := strings.Split(strings.TrimSuffix(patch, "\n"), "\n")
	out := make([]diffLine, len(lines))
	inHeader := false
	for i, l := range lines {
		class := "ctx"
		switch {
		case strings.HasPrefix(l, "diff --git "):
			class, inHeader = "file", true
		case strings.HasPrefix(l, "@@"):
			class, inHeader = "hunk", false
		case inHeader:
			class = "file"
		case strings.HasPrefix(l, "+"):
			class = "add"
		case strings.HasPrefix(l, "-"):
			class = "del"
		}
		out[i] = diffLine{Class: class, Text: l}
	}
	return out
}

// merged sums the rows of us with the same stage and model, in the order
// they first appear.
func merged(us []conclave.Usage) []conclave.Usage {
	var out []conclave.Usage
	for _, u := range us {
		i := slices.IndexFunc(out, func(o conclave.Usage) bool { return o.Stage == u.Stage && o.Model == u.Model })
		if i < 0 {
			out = append(out, u)
			continue
		}
		out[i].Calls += u.Calls
		out[i].Tokens += u.Tokens
		out[i].Cost += u.Cost
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
