package conclave

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/conclave-dev/conclave/internal/gitx"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

// Select runs round's selection on its candidates ([Job.Candidates]) and
// records the Decision, unless it is already recorded. The original files
// come from a worktree of the base; the stages are the Pipeline's, their
// judges and tests backed by the run directory ([Job.Ask], [Job.Test]).
// The error wraps [ErrNoCandidate] when the round has no candidate, and is
// a stage's error or ctx's otherwise; nothing is recorded then.
func (j *Job) Select(ctx context.Context, round int) (*selector.Decision, error) {
	var d selector.Decision
	if found, err := j.dir.read(decisionFile(round), &d); err != nil || found {
		return &d, err
	}
	candidates, err := j.Candidates(round)
	if err != nil {
		return nil, err
	}
	w, err := gitx.AddWorktree(ctx, j.task.Repo, j.task.Base, &gitx.WorktreeOptions{Dir: j.p.WorktreeDir, Label: "select"})
	if err != nil {
		return nil, fmt.Errorf("conclave: Select: %w", err)
	}
	defer w.Close()
	pool, err := selector.NewPool(j.task.Issue, os.DirFS(w.Dir), candidates)
	if err != nil {
		return nil, fmt.Errorf("conclave: Select: %w", err)
	}
	pool.Seed = j.p.Seed
	var tests selector.TestRunner
	if j.p.Tester != nil {
		rt := roundTests{job: j, round: round, byPatch: map[string]string{}}
		for _, c := range candidates {
			if _, ok := rt.byPatch[c.Patch]; !ok {
				rt.byPatch[c.Patch] = c.ID
			}
		}
		tests = rt
	}
	roles := j.roles(tests)
	stages := DefaultStages(roles)
	if j.p.Stages != nil {
		stages = j.p.Stages(roles)
	}
	watched := make([]selector.Stage, len(stages))
	for i, s := range stages {
		watched[i] = j.watch(round, i, s)
	}
	dec, err := selector.Selector{Stages: watched}.Run(ctx, pool)
	j.setStage(0, "")
	if err != nil {
		return nil, fmt.Errorf("conclave: Select: %w", err)
	}
	if err := j.dir.write(decisionFile(round), dec); err != nil {
		return nil, err
	}
	text := fmt.Sprintf("%s wins, decided by %s", dec.Winner, dec.DecidedBy)
	if why := Unsure(dec); len(why) > 0 {
		text += "; unsure: " + strings.Join(why, "; ")
	}
	j.emit(Event{Kind: EventRound, Round: round, State: StateDone, Candidate: dec.Winner, Text: text})
	return dec, nil
}

// RecordDecision records d as round's decision, as [Job.Select] does
// when it has run the selection: for a selection run elsewhere, such as
// in a durable workflow, so that [Job.Finish] and a refinement round find
// it. A decision already on record is kept; the error is the run
// directory's.
func (j *Job) RecordDecision(round int, d *selector.Decision) error {
	if round < 1 || d == nil {
		return fmt.Errorf("conclave: RecordDecision: round %d with decision %v: give a round from 1 and its decision", round, d)
	}
	var old selector.Decision
	if found, err := j.dir.read(decisionFile(round), &old); err != nil || found {
		return err
	}
	return j.dir.write(decisionFile(round), d)
}

// watch wraps stage s, the i-th, so that the run's observer sees it start
// and end, and judges' events name it.
func (j *Job) watch(round, i int, s selector.Stage) selector.Stage {
	name := stageLabel(s, i)
	return selector.StageFunc(func(ctx context.Context, p *selector.Pool) (*selector.Step, error) {
		j.setStage(round, name)
		j.emit(Event{Kind: EventStage, Round: round, Stage: name, State: StateRunning, Text: fmt.Sprintf("%d candidates", len(p.Candidates))})
		step, err := s.Run(ctx, p)
		state := StateDone
		if err != nil {
			state = StateFailed
		}
		j.emit(Event{Kind: EventStage, Round: round, Stage: name, State: state, Text: stepSummary(step, len(p.Candidates))})
		return step, err
	})
}

func (j *Job) setStage(round int, s string) {
	j.stageMu.Lock()
	j.round, j.stage = round, s
	j.stageMu.Unlock()
}

// judgeEvent returns e, an EventJudge, in the round and stage running.
func (j *Job) judgeEvent(e Event) Event {
	j.stageMu.Lock()
	defer j.stageMu.Unlock()
	e.Kind, e.Round, e.Stage = EventJudge, j.round, j.stage
	return e
}

// stageLabel names a stage before it runs, as its Step will.
func stageLabel(s selector.Stage, i int) string {
	switch s.(type) {
	case selector.ContentFilter, *selector.ContentFilter:
		return "content_filter"
	case selector.ApplyCheck, *selector.ApplyCheck:
		return "apply_check"
	case selector.Regression, *selector.Regression:
		return "regression"
	case selector.Weigh, *selector.Weigh:
		return "weigh"
	case selector.SyntaxCluster, *selector.SyntaxCluster:
		return "syntax_cluster"
	case selector.SyntaxVote, *selector.SyntaxVote:
		return "syntax_vote"
	case selector.Panel, *selector.Panel:
		return "panel"
	case selector.MultiSelect, *selector.MultiSelect:
		return "multi_select"
	case selector.Tournament, *selector.Tournament:
		return "tournament"
	}
	return fmt.Sprintf("stage %d", i+1)
}

// stepSummary says in a few words what a stage did.
func stepSummary(s *selector.Step, left int) string {
	if s == nil {
		return ""
	}
	var parts []string
	if n := len(s.Dropped); n > 0 {
		parts = append(parts, fmt.Sprintf("dropped %d", n))
	}
	if len(s.KeptFailing) > 0 {
		parts = append(parts, fmt.Sprintf("kept %d failing", len(s.KeptFailing)))
	}
	if len(s.Clusters) > 0 {
		parts = append(parts, fmt.Sprintf("%d clusters", len(s.Clusters)))
	}
	if s.Verdict != nil {
		word := "refused"
		if s.Verdict.Confirmed {
			word = "confirmed"
		}
		parts = append(parts, "verifier "+word+" "+s.Verdict.Candidate)
	}
	if len(s.Failures) > 0 {
		parts = append(parts, fmt.Sprintf("%d failed calls", len(s.Failures)))
	}
	if s.Winner != "" {
		parts = append(parts, "winner "+s.Winner)
	}
	if s.Error != "" {
		parts = append(parts, s.Error)
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d candidates left", left)
	}
	return strings.Join(parts, ", ")
}

// judging are the stages in which judges decide.
var judging = []string{"panel", "multi_select", "tournament"}

// Unsure returns why a decision is not convincing enough to stand without
// a refinement round, or nothing when it is: the Decision is not confident
// (every candidate failed the regression tests, or no stage chose), or no
// cluster won the syntax vote and the judges who decided split (a judge
// of the final round did not back the winner, a tie was broken by rule, or
// a tournament match went to pool order).
func Unsure(d *selector.Decision) []string {
	var why []string
	if !d.Confident {
		why = append(why, d.Doubts...)
		if len(why) == 0 {
			why = append(why, "the decision is not confident")
		}
	}
	for _, s := range d.Steps {
		if s.Stage == "syntax_vote" && s.Winner != "" {
			return why
		}
	}
	for _, s := range d.Steps {
		if s.Winner == "" || !slices.Contains(judging, s.Stage) {
			continue
		}
		if split := splitVote(s); split != "" {
			why = append(why, "no cluster won the syntax vote and the judges split: "+split)
		}
	}
	return why
}

// splitVote says how the judges of a deciding step disagreed; "" when
// they did not.
func splitVote(s selector.Step) string {
	for _, m := range s.Matches {
		if m.Rule == selector.MatchPoolOrder {
			return fmt.Sprintf("no judge decided the match %s against %s", m.Pair[0], m.Pair[1])
		}
	}
	if s.Vote == nil {
		return ""
	}
	rounds := s.Vote.Rounds
	if len(rounds) == 0 {
		rounds = []vote.Round{{Counted: s.Vote.Counted, Tied: s.Vote.Tied}}
	}
	if s.Stage == "panel" && len(rounds) > 1 {
		return fmt.Sprintf("%s tied in the first round", strings.Join(rounds[0].Tied, ", "))
	}
	if tied := rounds[len(rounds)-1].Tied; len(tied) > 0 {
		return fmt.Sprintf("%s tied, settled by %s", strings.Join(tied, ", "), s.Vote.TieRule)
	}
	for _, r := range rounds {
		for _, b := range r.Counted {
			switch {
			case b.Approval != nil && !b.Approval[s.Winner]:
				return b.Voter + " did not approve " + s.Winner
			case b.Choice != "" && b.Choice != s.Winner:
				return b.Voter + " chose " + b.Choice
			}
		}
	}
	return ""
}
