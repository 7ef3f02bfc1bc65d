package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/selector"
)

// maxRecord bounds one JSON record read from a run directory.
const maxRecord = 256 << 20

// Run is what a report shows of one run: its task, its rounds, the usage
// and the trajectories of its agents. [Load] reads one from a run
// directory; [FromDecision] makes one from a selection alone.
type Run struct {
	// Dir is the run directory Load read; "" for a selection alone.
	Dir  string
	Task conclave.Task
	// Rounds are the rounds of generation and selection, in order.
	Rounds []Round
	// Result is the run's result, nil while the run has not finished.
	Result *conclave.Result
	// Usage is the usage and cost per stage and model.
	Usage []conclave.Usage
	// Trajectories are the agents' trajectories: the Coders' first, in
	// round and Coder order, then the tester's and the judges'.
	Trajectories []*Trajectory
	// Problems are what could not be read, in words; the page lists them.
	Problems []string
}

// Round is one round of a run.
type Round struct {
	N int
	// Attempts are the Coders' attempts of the round; empty for a
	// selection alone.
	Attempts []*conclave.Attempt
	// Lost are the Coder runs of the round cut short (cancelled, or
	// failed to be tried again), kept for what they cost.
	Lost []*conclave.Attempt
	// Tests is what the Tester's explorer cost finding the round's plan,
	// by model.
	Tests map[string]llm.Totals
	// Candidates are the candidates the selection was given, in order.
	Candidates []selector.Candidate
	// Decision is the round's selection; nil when it has not run.
	Decision *selector.Decision
	// Critiques are what each Coder was told in a refinement round, by
	// Coder.
	Critiques map[string]string
}

// IsRunDir reports whether dir is a run directory: it holds task.json.
func IsRunDir(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "task.json"))
	return err == nil && st.Mode().IsRegular()
}

// Load reads the run directory dir (docs/pipeline.md has its layout),
// finished or not: the task, each round's attempts and decision, the
// result when there is one, and every trajectory the records name. Files
// are read only inside dir. A trajectory or record that cannot be read
// becomes a line of Run.Problems; the error is for a directory that is not
// a run directory or a task.json that does not decode.
func Load(dir string) (*Run, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	defer root.Close()
	r := &Run{Dir: dir}
	if found, err := readJSON(root, "task.json", &r.Task); err != nil {
		return nil, err
	} else if !found {
		return nil, fmt.Errorf("report: %s holds no task.json: give the run directory conclave run wrote (or a conclave swebench runs directory)", dir)
	}
	var res conclave.Result
	if found, err := readJSON(root, "result.json", &res); err != nil {
		r.Problems = append(r.Problems, err.Error())
	} else if found {
		r.Result = &res
	}
	for n := 1; ; n++ {
		rd, ok := loadRound(root, n, r)
		if !ok {
			break
		}
		r.Rounds = append(r.Rounds, rd)
	}
	if r.Result != nil {
		r.Usage = r.Result.Usage
	} else {
		r.Usage = usageOf(r.Rounds)
	}
	abs, _ := filepath.Abs(dir)
	l := &loader{root: root, dir: dir, abs: abs, run: r, seen: map[string]bool{}}
	for _, rd := range r.Rounds {
		for _, a := range rd.Attempts {
			l.trajectory(fmt.Sprintf("coder %s, round %d", a.Coder, rd.N), a.Trajectory, a.Candidate.ID, "")
		}
		if _, err := root.Stat(path.Join(roundDir(rd.N), "trajectories", "tester.jsonl")); err == nil {
			l.trajectory(fmt.Sprintf("tester, round %d", rd.N), path.Join(roundDir(rd.N), "trajectories", "tester.jsonl"), "", "")
		}
	}
	for _, rd := range r.Rounds {
		if rd.Decision == nil {
			continue
		}
		for _, s := range rd.Decision.Steps {
			eachTrace(s, func(by string, vr int, t *selector.Trace) {
				if t.Trajectory == "" {
					return
				}
				name := fmt.Sprintf("%s, %s", by, s.Stage)
				if vr > 0 {
					name += fmt.Sprintf(" (vote round %d)", vr)
				}
				if len(r.Rounds) > 1 {
					name += fmt.Sprintf(", round %d", rd.N)
				}
				l.trajectory(name, t.Trajectory, "", t.Trajectory)
			})
		}
	}
	return r, nil
}

func roundDir(n int) string { return "round-" + strconv.Itoa(n) }

// loadRound reads round n; false when the round has no record at all.
func loadRound(root *os.Root, n int, r *Run) (Round, bool) {
	rd := Round{N: n}
	dir := roundDir(n)
	if _, err := root.Stat(dir); err != nil {
		return rd, false
	}
	names, err := fs.Glob(root.FS(), path.Join(dir, "candidates", "*.json"))
	if err != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("%s: %v", dir, err))
	}
	slices.Sort(names)
	for _, name := range names {
		var a conclave.Attempt
		if _, err := readJSON(root, name, &a); err != nil {
			r.Problems = append(r.Problems, err.Error())
			continue
		}
		rd.Attempts = append(rd.Attempts, &a)
		if strings.TrimSpace(a.Candidate.Patch) != "" {
			rd.Candidates = append(rd.Candidates, a.Candidate)
		}
	}
	lost, _ := fs.Glob(root.FS(), path.Join(dir, "lost", "*.json"))
	slices.Sort(lost)
	for _, name := range lost {
		var a conclave.Attempt
		if _, err := readJSON(root, name, &a); err != nil {
			r.Problems = append(r.Problems, err.Error())
			continue
		}
		rd.Lost = append(rd.Lost, &a)
	}
	var plan struct {
		Usage map[string]llm.Totals `json:"usage"`
	}
	if _, err := readJSON(root, path.Join(dir, "tests", "plan.json"), &plan); err != nil {
		r.Problems = append(r.Problems, err.Error())
	}
	rd.Tests = plan.Usage
	critiques, _ := fs.Glob(root.FS(), path.Join(dir, "critiques", "*.md"))
	for _, name := range critiques {
		f, err := root.Open(name)
		if err != nil {
			r.Problems = append(r.Problems, err.Error())
			continue
		}
		b, err := io.ReadAll(io.LimitReader(f, maxText+1))
		f.Close()
		if err != nil {
			r.Problems = append(r.Problems, err.Error())
			continue
		}
		if rd.Critiques == nil {
			rd.Critiques = map[string]string{}
		}
		rd.Critiques[strings.TrimSuffix(path.Base(name), ".md")] = bound(string(b), maxText)
	}
	var d selector.Decision
	if found, err := readJSON(root, path.Join(dir, "decision.json"), &d); err != nil {
		r.Problems = append(r.Problems, err.Error())
	} else if found {
		rd.Decision = &d
		rd.Candidates = ordered(rd.Candidates, d.Candidates)
	}
	return rd, true
}

// ordered returns the candidates in the order of ids, those not in ids
// after them.
func ordered(cands []selector.Candidate, ids []string) []selector.Candidate {
	out := make([]selector.Candidate, 0, len(cands))
	for _, id := range ids {
		if i := slices.IndexFunc(cands, func(c selector.Candidate) bool { return c.ID == id }); i >= 0 {
			out = append(out, cands[i])
		}
	}
	for _, c := range cands {
		if !slices.Contains(ids, c.ID) {
			out = append(out, c)
		}
	}
	return out
}

// readJSON decodes the record at name into v; false when there is none.
func readJSON(root *os.Root, name string, v any) (bool, error) {
	f, err := root.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("report: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxRecord+1))
	if err != nil {
		return false, fmt.Errorf("report: %s: %w", name, err)
	}
	if len(b) > maxRecord {
		return false, fmt.Errorf("report: %s is larger than %d MiB: it is not a record conclave wrote", name, maxRecord>>20)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("report: %s is not a record of this version of conclave: %v", name, err)
	}
	return true, nil
}

// FromDecision makes a Run of a selection alone, such as one of conclave
// select's: the issue, the candidates given and the decision, with no
// attempts, usage or trajectories beyond the judges' traces. It keeps the
// slices it is given.
func FromDecision(id, issue string, candidates []selector.Candidate, d *selector.Decision) *Run {
	r := &Run{Task: conclave.Task{ID: id, Issue: issue}}
	if d != nil {
		candidates = ordered(candidates, d.Candidates)
	}
	r.Rounds = []Round{{N: 1, Candidates: candidates, Decision: d}}
	r.Usage = usageOf(r.Rounds)
	return r
}

// usageOf sums the usage of rounds when there is no result to read it
// from, round by round as the Result does ([conclave.Round.Usage]), one
// row per stage and model.
func usageOf(rounds []Round) []conclave.Usage {
	var out []conclave.Usage
	for _, rd := range rounds {
		cr := conclave.Round{N: rd.N, Attempts: rd.Attempts, Lost: rd.Lost, Tests: rd.Tests, Decision: rd.Decision}
		for _, u := range cr.Usage() {
			i := slices.IndexFunc(out, func(o conclave.Usage) bool { return o.Stage == u.Stage && o.Model == u.Model })
			if i < 0 {
				out = append(out, conclave.Usage{Stage: u.Stage, Model: u.Model})
				i = len(out) - 1
			}
			out[i].Calls += u.Calls
			out[i].Tokens += u.Tokens
			out[i].Cost += u.Cost
		}
	}
	return out
}

// eachTrace calls f with every answer's trace in s, who answered and in
// which round of a vote or tournament (0 for none).
func eachTrace(s selector.Step, f func(by string, round int, t *selector.Trace)) {
	if s.Verdict != nil && s.Verdict.Trace != nil {
		f("verifier", 0, s.Verdict.Trace)
	}
	for _, r := range s.Remarks {
		if r.Trace != nil {
			f(r.By, r.Round, r.Trace)
		}
	}
	for _, m := range s.Matches {
		for _, jd := range m.Judgements {
			if jd.Trace != nil {
				f(jd.By, m.Round, jd.Trace)
			}
		}
	}
}

// loader reads the trajectories a run's records name, inside the run
// directory only.
type loader struct {
	root     *os.Root
	dir, abs string
	run      *Run
	seen     map[string]bool
}

// trajectory reads the trajectory at p (as a record names it: relative to
// the run directory, or a path that leads into it) for agent; candidate
// and trace say whose it is.
func (l *loader) trajectory(agent, p, candidate, trace string) {
	if p == "" {
		return
	}
	if l.seen[p] {
		return // named twice, such as by a trace and a Coder's attempt
	}
	l.seen[p] = true
	t := &Trajectory{Agent: agent, Path: p, Candidate: candidate, Trace: trace}
	l.run.Trajectories = append(l.run.Trajectories, t)
	name, ok := l.resolve(p)
	if !ok {
		t.Problem = "not found in the run directory"
		return
	}
	t.Path = name
	f, err := l.root.Open(name)
	if err != nil {
		t.Problem = err.Error()
		return
	}
	defer f.Close()
	if err := t.read(f); err != nil {
		t.Problem = err.Error()
	}
}

// resolve finds p inside the run directory: as a path relative to it, as
// a path leading into it (relative to the working directory or absolute),
// or by its name under trajectories/.
func (l *loader) resolve(p string) (string, bool) {
	var tries []string
	tries = append(tries, filepath.ToSlash(p))
	if r, err := filepath.Rel(l.dir, p); err == nil {
		tries = append(tries, filepath.ToSlash(r))
	}
	if a, err := filepath.Abs(p); err == nil {
		if r, err := filepath.Rel(l.abs, a); err == nil {
			tries = append(tries, filepath.ToSlash(r))
		}
	}
	tries = append(tries, path.Join("trajectories", filepath.Base(p)))
	for _, name := range tries {
		if !filepath.IsLocal(name) {
			continue
		}
		if st, err := l.root.Stat(name); err == nil && st.Mode().IsRegular() {
			return name, true
		}
	}
	return "", false
}
