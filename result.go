package conclave

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/selector"
)

// Attempt is one Coder's run in one round: the candidate it made and how
// the run went. Its full record (every step, model call and tool call) is
// the trajectory file.
type Attempt struct {
	Coder string `json:"coder"`
	Round int    `json:"round"`
	// Candidate is the patch: ID (the Coder's, "-r2" after it in a
	// refinement round), Source (the model) and the whole change against
	// the base; an empty Patch when the Coder changed nothing.
	Candidate selector.Candidate `json:"candidate"`
	Model     string             `json:"model"`
	// Reason is why the run stopped, Final its final message, Steps its
	// model calls.
	Reason agent.StopReason `json:"reason,omitempty"`
	Final  string           `json:"final,omitempty"`
	Steps  int              `json:"steps"`
	// Error is why the run did not end with task_done: a limit, a crash,
	// a model error. The patch made so far is kept.
	Error string `json:"error,omitempty"`
	// Usage is the usage and cost per model, subagents included.
	Usage map[string]llm.Totals `json:"usage,omitempty"`
	// Binary are the binary files the patch changes; Omitted the scratch
	// files left out of it.
	Binary     []string `json:"binary,omitempty"`
	Omitted    []string `json:"omitted,omitempty"`
	Seconds    float64  `json:"seconds"`
	Trajectory string   `json:"trajectory,omitempty"`
}

func (a *Attempt) tokens() int {
	n := 0
	for _, t := range a.Usage {
		n += t.Usage.Total()
	}
	return n
}

func (a *Attempt) cost() float64 {
	c := 0.0
	for _, t := range a.Usage {
		c += t.Cost
	}
	return c
}

// summary says in a few words how the attempt ended.
func (a *Attempt) summary() string {
	failure, _, _ := strings.Cut(a.Error, "\n") // a panic's stack stays in the record
	switch {
	case a.Error != "" && strings.TrimSpace(a.Candidate.Patch) == "":
		return failure + " (no patch)"
	case a.Error != "":
		return failure + " (patch kept)"
	case strings.TrimSpace(a.Candidate.Patch) == "":
		return "no patch"
	}
	return fmt.Sprintf("patch after %d steps", a.Steps)
}

// Result is what a run produced: the winning patch, every round with its
// attempts and decision, the usage and cost per stage and model, and
// where the trajectories are.
type Result struct {
	Task Task   `json:"task"`
	Dir  string `json:"dir"`
	// Winner is the ID of the chosen candidate, Patch its patch.
	Winner string `json:"winner"`
	Patch  string `json:"patch"`
	// Decision is the final round's selection, with its evidence.
	Decision *selector.Decision `json:"decision"`
	Rounds   []Round            `json:"rounds"`
	// Refinement says why a refinement round ran and whether it changed
	// the winner; nil when none ran.
	Refinement *Refinement `json:"refinement,omitempty"`
	// Usage is the usage and cost per stage and model.
	Usage        []Usage      `json:"usage"`
	Trajectories []Trajectory `json:"trajectories"`
}

// Round is one round of generation and selection.
type Round struct {
	N        int        `json:"n"`
	Attempts []*Attempt `json:"attempts"`
	// Lost are the Coder runs of the round cut short (cancelled, or
	// failed in a way to be tried again), kept for what they cost.
	Lost []*Attempt `json:"lost,omitempty"`
	// Tests is what the Tester's explorer cost, by model, finding the
	// round's plan.
	Tests    map[string]llm.Totals `json:"tests,omitempty"`
	Decision *selector.Decision    `json:"decision"`
}

// Usage is what the round cost per stage and model: its Coders
// ("generate" in round 1, "refine" after), its lost runs
// ("interrupted"), the Tester's explorer ("tests") and its judges, per
// selection stage.
func (r Round) Usage() []Usage {
	var out []Usage
	add := func(stage string, m map[string]llm.Totals) {
		for _, model := range slices.Sorted(maps.Keys(m)) {
			t := m[model]
			out = append(out, Usage{Stage: stage, Model: model, Calls: t.Calls, Tokens: t.Usage.Total(), Cost: t.Cost})
		}
	}
	sum := func(as []*Attempt) map[string]llm.Totals {
		m := map[string]llm.Totals{}
		for _, a := range as {
			if a != nil {
				addUsage(m, a.Usage)
			}
		}
		return m
	}
	stage := "generate"
	if r.N > 1 {
		stage = "refine"
	}
	add(stage, sum(r.Attempts))
	add("interrupted", sum(r.Lost))
	add("tests", r.Tests)
	if r.Decision != nil {
		out = append(out, judgeUsage(r.Decision)...)
	}
	return out
}

// Refinement records a refinement round.
type Refinement struct {
	// Why are the reasons the first selection was unsure ([Unsure]).
	Why []string `json:"why"`
	// Before and After are the winners of the first and the refined
	// selection; Changed says whether the winning patch changed.
	Before  string `json:"before"`
	After   string `json:"after"`
	Changed bool   `json:"changed"`
}

// Usage is what one model cost in one stage: "generate" (the Coders'
// first round), "refine" (their refinement round), "interrupted" (Coder
// runs cut short by a cancel, or failed in a way [Pipeline.Transient] says
// to try again, and so run again: their spend without their patch), "tests"
// (the Tester's explorer) or a selection stage ("syntax_vote" for the
// verifier, "panel", ...). A judge's tokens are not split by kind.
type Usage struct {
	Stage  string  `json:"stage"`
	Model  string  `json:"model"`
	Calls  int     `json:"calls"`
	Tokens int     `json:"tokens"`
	Cost   float64 `json:"cost"`
}

// Trajectory is where an agent's trajectory is, relative to the run
// directory when inside it.
type Trajectory struct {
	Agent string `json:"agent"`
	Path  string `json:"path"`
}

// Cost returns the run's cost in dollars.
func (r *Result) Cost() float64 {
	c := 0.0
	for _, u := range r.Usage {
		c += u.Cost
	}
	return c
}

// ByModel returns the usage summed per model, in model order; Stage is
// empty.
func (r *Result) ByModel() []Usage {
	return sumBy(r.Usage, func(u Usage) Usage { return Usage{Model: u.Model} })
}

// ByStage returns the usage summed per stage, in the order the stages
// ran; Model is empty.
func (r *Result) ByStage() []Usage {
	return sumBy(r.Usage, func(u Usage) Usage { return Usage{Stage: u.Stage} })
}

func sumBy(us []Usage, key func(Usage) Usage) []Usage {
	var out []Usage
	for _, u := range us {
		k := key(u)
		i := slices.IndexFunc(out, func(o Usage) bool { return o.Stage == k.Stage && o.Model == k.Model })
		if i < 0 {
			out = append(out, k)
			i = len(out) - 1
		}
		out[i].Calls += u.Calls
		out[i].Tokens += u.Tokens
		out[i].Cost += u.Cost
	}
	if len(out) > 0 && out[0].Stage == "" {
		slices.SortStableFunc(out, func(a, b Usage) int { return cmp.Compare(a.Model, b.Model) })
	}
	return out
}

// Finish makes the Result from the run directory's records, the last
// round's decision deciding, and writes it with the winning patch
// (result.json, patch.diff). The first round must have its decision.
func (j *Job) Finish(_ context.Context) (*Result, error) {
	res := &Result{Task: j.task, Dir: string(j.dir)}
	var usage []Usage
	for n := 1; ; n++ {
		var d selector.Decision
		found, err := j.dir.read(decisionFile(n), &d)
		if err != nil {
			return nil, err
		}
		if !found {
			if n == 1 {
				return nil, fmt.Errorf("conclave: Finish: round 1 has no decision in %s: run Select first", j.dir)
			}
			break
		}
		attempts, err := j.attempts(n)
		if err != nil {
			return nil, err
		}
		round := Round{N: n, Decision: &d}
		for _, a := range attempts {
			if a == nil {
				continue
			}
			round.Attempts = append(round.Attempts, a)
			res.Trajectories = append(res.Trajectories, Trajectory{Agent: fmt.Sprintf("coder %s, round %d", a.Coder, n), Path: a.Trajectory})
		}
		if round.Lost, err = j.dir.lost(lostDir(n)); err != nil {
			return nil, err
		}
		var plan testPlan
		if found, err := j.dir.read(planFile(n), &plan); err != nil {
			return nil, err
		} else if found && len(plan.Usage) > 0 {
			round.Tests = plan.Usage
			res.Trajectories = append(res.Trajectories, Trajectory{Agent: fmt.Sprintf("tester, round %d", n), Path: trajectoryFile(n, "tester")})
		}
		usage = append(usage, round.Usage()...)
		res.Trajectories = append(res.Trajectories, judgeTrajectories(&d, j.dir)...)
		res.Rounds = append(res.Rounds, round)
	}
	last := res.Rounds[len(res.Rounds)-1].Decision
	res.Decision, res.Winner = last, last.Winner
	res.Patch = patchOf(res.Rounds, res.Winner)
	if len(res.Rounds) > 1 {
		first := res.Rounds[0].Decision
		res.Refinement = &Refinement{Why: Unsure(first), Before: first.Winner, After: res.Winner,
			Changed: res.Patch != patchOf(res.Rounds, first.Winner)}
	}
	res.Usage = usage
	if err := j.dir.write(resultFile, res); err != nil {
		return nil, err
	}
	if err := j.dir.writeFile(patchFile, []byte(res.Patch)); err != nil {
		return nil, err
	}
	return res, nil
}

// patchOf returns the patch of candidate id among the rounds' attempts.
func patchOf(rounds []Round, id string) string {
	for _, rd := range rounds {
		for _, a := range rd.Attempts {
			if a.Candidate.ID == id {
				return a.Candidate.Patch
			}
		}
	}
	return ""
}

// judgeUsage sums the judges' traces in d per stage and model.
func judgeUsage(d *selector.Decision) []Usage {
	var out []Usage
	add := func(stage string, t *selector.Trace) {
		if t == nil {
			return
		}
		i := slices.IndexFunc(out, func(u Usage) bool { return u.Stage == stage && u.Model == t.Model })
		if i < 0 {
			out = append(out, Usage{Stage: stage, Model: t.Model})
			i = len(out) - 1
		}
		out[i].Calls += t.Steps
		out[i].Tokens += t.Tokens
		out[i].Cost += t.Cost
	}
	for _, s := range d.Steps {
		eachTrace(s, func(_ string, t *selector.Trace) { add(s.Stage, t) })
	}
	return out
}

// eachTrace calls f with every answer's trace in s, and who answered.
func eachTrace(s selector.Step, f func(by string, t *selector.Trace)) {
	if s.Verdict != nil && s.Verdict.Trace != nil {
		f("verifier", s.Verdict.Trace)
	}
	for _, r := range s.Remarks {
		if r.Trace != nil {
			f(r.By, r.Trace)
		}
	}
	for _, m := range s.Matches {
		for _, jd := range m.Judgements {
			if jd.Trace != nil {
				f(jd.By, jd.Trace)
			}
		}
	}
}

func judgeTrajectories(d *selector.Decision, dir runDir) []Trajectory {
	var out []Trajectory
	for _, s := range d.Steps {
		eachTrace(s, func(by string, t *selector.Trace) {
			if t.Trajectory != "" {
				out = append(out, Trajectory{Agent: fmt.Sprintf("%s, %s", by, s.Stage), Path: dir.rel(t.Trajectory)})
			}
		})
	}
	return out
}
