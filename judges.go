package conclave

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"

	"github.com/conclave-dev/conclave/agent/judge"
	"github.com/conclave-dev/conclave/selector"
)

// answerRecord is the record of one judge's answer to one question, or of
// one verification.
type answerRecord struct {
	Judge    string              `json:"judge"`
	Model    string              `json:"model,omitempty"`
	Question *selector.Question  `json:"question,omitempty"`
	Answer   *selector.Answer    `json:"answer,omitempty"`
	Verify   *selector.Candidate `json:"verify,omitempty"`
	Verdict  *selector.Verdict   `json:"verdict,omitempty"`
}

// recorded is a judge answering through the run directory: an answer on
// record is returned as it was; a new one is recorded before it is
// returned. Failures are not recorded, so a judge that failed is asked
// again by a resumed run.
type recorded struct {
	job   *Job
	name  string
	model string
	judge selector.Judge
}

// placeJudges places the Pipeline's judges in the task and records their
// answers in the run directory.
func (j *Job) placeJudges() map[string]*recorded {
	out := map[string]*recorded{}
	for name, jd := range j.p.Judges {
		r := &recorded{job: j, name: name, judge: jd}
		if aj, ok := jd.(*judge.Judge); ok {
			c := *aj
			if c.Repo == "" {
				c.Repo, c.Base = j.task.Repo, j.task.Base
			}
			if c.Base == "" {
				c.Base = j.task.Base
			}
			if c.Worktrees == "" {
				c.Worktrees = j.p.WorktreeDir
			}
			if c.Trajectories == "" {
				c.Trajectories = j.dir.path(judgesTrajes)
			}
			if c.Index == nil {
				c.Index = j.repo.Graphs
			}
			if c.Workspace == nil {
				c.Workspace = j.p.Workspace
			}
			if c.Agent.Name == "" {
				c.Agent.Name = name
			}
			r.judge, r.model = &c, c.Agent.ModelName
		}
		out[name] = r
	}
	return out
}

// roles returns the selection's roles for round.
func (j *Job) roles(tests selector.TestRunner) Roles {
	r := Roles{Judges: map[string]selector.Judge{}, Tests: tests}
	if t := j.p.Tester; t != nil {
		r.TestParallel = t.Parallel
		if r.TestParallel == 0 {
			r.TestParallel = max(1, runtime.GOMAXPROCS(0)/2)
		}
	}
	for name, rj := range j.judge {
		r.Judges[name] = rj
	}
	if name := j.verifier(); name != "" {
		r.Verifier = j.judge[name]
	}
	return r
}

// verifier returns the name of the verifying judge, "" for none.
func (j *Job) verifier() string { return j.p.VerifierName() }

// Ask asks the judge name question q, or returns its answer on record.
// The same question (issue, candidates in the order shown, kind,
// criteria, round) to the same judge on the same model has one answer;
// since a selection is deterministic for its seed, a resumed selection
// asks the same questions and finds the answers already given.
func (j *Job) Ask(ctx context.Context, name string, q selector.Question) (selector.Answer, error) {
	r, ok := j.judge[name]
	if !ok {
		return selector.Answer{}, fmt.Errorf("conclave: Ask: no judge %q; judges: %s", name, strings.Join(slices.Sorted(maps.Keys(j.judge)), ", "))
	}
	return r.Judge(ctx, q)
}

// Verify asks the judge name to verify candidate c, or returns its verdict
// on record.
func (j *Job) Verify(ctx context.Context, name string, c selector.Candidate) (selector.Verdict, error) {
	r, ok := j.judge[name]
	if !ok {
		return selector.Verdict{}, fmt.Errorf("conclave: Verify: no judge %q; judges: %s", name, strings.Join(slices.Sorted(maps.Keys(j.judge)), ", "))
	}
	return r.Verify(ctx, j.task.Issue, c)
}

// Judge implements selector.Judge.
func (r *recorded) Judge(ctx context.Context, q selector.Question) (selector.Answer, error) {
	rec := answerRecord{Judge: r.name, Model: r.model, Question: &q}
	file := answerFile(r.name, key(rec))
	var got answerRecord
	if found, err := r.job.dir.read(file, &got); err != nil || found && got.Answer != nil {
		if err == nil {
			r.job.emit(r.job.judgeEvent(Event{Judge: r.name, State: StateResumed, Text: "answer on record"}))
			return *got.Answer, nil
		}
		return selector.Answer{}, err
	}
	r.job.emit(r.job.judgeEvent(Event{Judge: r.name, State: StateRunning, Text: fmt.Sprintf("asked about %d candidates", len(q.Candidates))}))
	ans, err := r.judge.Judge(ctx, q)
	if err != nil {
		r.job.emit(r.job.judgeEvent(Event{Judge: r.name, State: StateFailed, Text: err.Error()}))
		return ans, err
	}
	rec.Answer = &ans
	if err := r.job.dir.write(file, rec); err != nil {
		return selector.Answer{}, err
	}
	r.job.emit(r.job.judgeEvent(Event{Judge: r.name, State: StateDone, Cost: traceCost(ans.Trace), Text: "answered"}))
	return ans, nil
}

// Verify implements selector.Verifier.
func (r *recorded) Verify(ctx context.Context, issue string, c selector.Candidate) (selector.Verdict, error) {
	v, ok := r.judge.(selector.Verifier)
	if !ok {
		return selector.Verdict{}, fmt.Errorf("conclave: judge %s cannot verify (%T is not a selector.Verifier)", r.name, r.judge)
	}
	rec := answerRecord{Judge: r.name, Model: r.model, Question: &selector.Question{Issue: issue}, Verify: &c}
	file := answerFile(r.name, key(rec))
	var got answerRecord
	if found, err := r.job.dir.read(file, &got); err != nil || found && got.Verdict != nil {
		if err == nil {
			r.job.emit(r.job.judgeEvent(Event{Judge: r.name, Candidate: c.ID, State: StateResumed, Text: "verdict on record"}))
			return *got.Verdict, nil
		}
		return selector.Verdict{}, err
	}
	r.job.emit(r.job.judgeEvent(Event{Judge: r.name, Candidate: c.ID, State: StateRunning, Text: "verifying " + c.ID}))
	verdict, err := v.Verify(ctx, issue, c)
	if err != nil {
		r.job.emit(r.job.judgeEvent(Event{Judge: r.name, Candidate: c.ID, State: StateFailed, Text: err.Error()}))
		return verdict, err
	}
	rec.Verdict = &verdict
	if err := r.job.dir.write(file, rec); err != nil {
		return selector.Verdict{}, err
	}
	word := "refused"
	if verdict.Confirmed {
		word = "confirmed"
	}
	r.job.emit(r.job.judgeEvent(Event{Judge: r.name, Candidate: c.ID, State: StateDone, Cost: traceCost(verdict.Trace), Text: word + " " + c.ID}))
	return verdict, nil
}

func traceCost(t *selector.Trace) float64 {
	if t == nil {
		return 0
	}
	return t.Cost
}

// key names a question's record: a hash of who is asked, on which model,
// and the whole question.
func key(rec answerRecord) string {
	b, err := json.Marshal(rec)
	if err != nil {
		panic(fmt.Sprintf("conclave: a question does not encode: %v", err)) // its types are all JSON
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
