package selector

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conclave-dev/conclave/vote"
)

// Judge gives its opinion of candidate patches, typically by asking a
// model. Package agent/judge provides judges backed by LLM agents; tests
// use [JudgeFunc].
//
// Judge answers q: for a question of kind [vote.KindApproval], a yes or no
// for every candidate in Answer.Approve; for [vote.KindChoice], the one
// candidate it prefers in Answer.Choice. It must honour ctx, which ends at
// the stage's timeout. A judge is called once at a time but concurrently
// with the other judges of its panel; the same Judge seated twice is called
// concurrently.
//
// An error, a panic or an answer that does not fit the question (an
// unknown ID, a candidate left out, no choice) is recorded as a [Failure]
// and the judge's vote left out of that round.
type Judge interface {
	Judge(ctx context.Context, q Question) (Answer, error)
}

// JudgeFunc adapts a function to [Judge].
type JudgeFunc func(ctx context.Context, q Question) (Answer, error)

// Judge calls f.
func (f JudgeFunc) Judge(ctx context.Context, q Question) (Answer, error) { return f(ctx, q) }

// Question is what a judge is asked. It encodes as JSON, for a judge
// that sends it on or records it.
type Question struct {
	Issue string `json:"issue"`
	// Candidates are the candidates to judge, in the order to present
	// them: shuffled from the pool's seed for each judge and round, so no
	// candidate is always shown first. Answer by ID.
	Candidates []Candidate `json:"candidates"`
	// Kind is vote.KindApproval (say yes or no to each candidate) or
	// vote.KindChoice (pick one).
	Kind vote.Kind `json:"kind"`
	// Criteria are the standards to judge by.
	Criteria []Criterion `json:"criteria,omitempty"`
	// Round counts the rounds of the vote, from 1.
	Round int `json:"round"`
}

// Answer is a judge's answer to a [Question].
type Answer struct {
	// Approve holds, for an approval question, a yes (true) or no for
	// every candidate, by ID.
	Approve map[string]bool `json:"approve,omitempty"`
	// Choice is, for a choice question, the ID of the candidate picked.
	Choice string `json:"choice,omitempty"`
	// Reason explains the answer as a whole; it is kept in the evidence.
	Reason string `json:"reason,omitempty"`
	// Reasons explains the answer candidate by candidate, by ID: why each
	// got a yes or a no, or why the choice beat the others.
	Reasons map[string]string `json:"reasons,omitempty"`
	// Criteria holds, by candidate ID, what the judge found on each
	// criterion, by the criterion's name.
	Criteria map[string]map[string]string `json:"criteria,omitempty"`
	// Trace is how the answer came about, when the judge says.
	Trace *Trace `json:"trace,omitempty"`
}

// Trace is how an answer of a judge or verifier came about: who answered,
// the work and money it took, and where the record of that work is. It is
// evidence: a reader of a [Decision] sees what each answer cost, and a
// judge's track record (vote.Reliability) is kept by Model.
type Trace struct {
	// Model is the model that answered.
	Model string `json:"model,omitempty"`
	// Steps counts the model calls of the judge's run.
	Steps int `json:"steps,omitempty"`
	// Tokens counts the tokens of every kind its model calls used, and
	// Cost what they cost in dollars.
	Tokens int     `json:"tokens,omitempty"`
	Cost   float64 `json:"cost,omitempty"`
	// Trajectory names the record of the run, such as the path of its
	// trajectory file.
	Trajectory string `json:"trajectory,omitempty"`
}

// Criterion is a standard candidates are judged by.
type Criterion struct {
	Name     string `json:"name"`
	Question string `json:"question"`
}

// DefaultCriteria returns the criteria a [Panel] judges by unless told
// otherwise: correctness, safety and simplicity.
func DefaultCriteria() []Criterion {
	return []Criterion{
		{Name: "correctness", Question: "Does the patch resolve the issue completely, as the issue describes it?"},
		{Name: "safety", Question: "Does the patch avoid breaking existing behaviour, introducing bugs or side effects?"},
		{Name: "simplicity", Question: "Is the change direct and easy to maintain, without needless complexity?"},
	}
}

// check reports how a answers q wrongly, or nil.
func (a Answer) check(q Question) error {
	in := make(map[string]bool, len(q.Candidates))
	for _, c := range q.Candidates {
		in[c.ID] = true
	}
	var unknown []string
	for _, ids := range [][]string{slices.Collect(maps.Keys(a.Approve)), slices.Collect(maps.Keys(a.Reasons)), slices.Collect(maps.Keys(a.Criteria))} {
		for _, id := range ids {
			if !in[id] && !slices.Contains(unknown, id) {
				unknown = append(unknown, id)
			}
		}
	}
	slices.Sort(unknown)
	var problems []string
	if q.Kind == vote.KindChoice {
		switch {
		case a.Choice == "":
			problems = append(problems, "picked no candidate")
		case !in[a.Choice]:
			problems = append(problems, fmt.Sprintf("picked %q, which is not among the candidates", a.Choice))
		}
		if len(unknown) > 0 {
			problems = append(problems, "gave reasons for unknown candidates "+quoteList(unknown))
		}
	} else {
		var missing []string
		for _, c := range q.Candidates {
			if _, ok := a.Approve[c.ID]; !ok {
				missing = append(missing, c.ID)
			}
		}
		if len(unknown) > 0 {
			problems = append(problems, "voted on unknown candidates "+quoteList(unknown))
		}
		if len(missing) > 0 {
			problems = append(problems, "gave no vote for "+quoteList(missing))
		}
	}
	if problems != nil {
		return fmt.Errorf("%s", strings.Join(problems, " and "))
	}
	return nil
}

func quoteList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = fmt.Sprintf("%q", id)
	}
	return strings.Join(q, ", ")
}

// seat is a judge in a panel, with its name and weight.
type seat struct {
	name   string
	judge  Judge
	weight float64
}

// seatJudges checks a stage's judges and weights and seats the judges in
// name order, leaving out those weighted 0 (with a note in step: their
// votes would not count, so they are not asked). The judges seated go in
// step's settings.
func seatJudges(stage string, judges map[string]Judge, weights map[string]float64, step *Step) ([]seat, error) {
	if len(judges) == 0 {
		return nil, fmt.Errorf("selector: %s.Judges is empty: seat at least one judge", stage)
	}
	if err := checkWeights(stage+".JudgeWeights", weights); err != nil {
		return nil, err
	}
	var seats []seat
	for _, name := range slices.Sorted(maps.Keys(judges)) {
		j := judges[name]
		w, ok := weights[name]
		switch {
		case name == "" || !utf8.ValidString(name):
			return nil, fmt.Errorf("selector: %s.Judges has a judge named %q: name every judge in UTF-8", stage, name)
		case j == nil:
			return nil, fmt.Errorf("selector: %s.Judges[%q] is nil: remove it or set a judge", stage, name)
		case !ok:
			w = 1
		case w == 0:
			step.Notes = append(step.Notes, fmt.Sprintf("judge %q weighs 0 and was not asked", name))
			continue
		}
		seats = append(seats, seat{name: name, judge: j, weight: w})
		step.Settings.Judges = append(step.Settings.Judges, name)
	}
	if len(seats) == 0 {
		return nil, fmt.Errorf("selector: every judge of %s weighs 0: give at least one judge a positive weight", stage)
	}
	return seats, nil
}

// poll returns the vote.Poll by which the seated judges answer questions
// of the given kind about the candidates of a round, concurrently. Failed
// and invalid answers go to step.Failures, reasons to step.Remarks; each
// valid answer becomes a ballot.
func (p *Pool) poll(step *Step, seats []seat, kind vote.Kind, criteria []Criterion, timeout time.Duration) vote.Poll {
	return func(ctx context.Context, round int, ids []string) ([]vote.Ballot, error) {
		qs := make([]Question, len(seats))
		for i, s := range seats {
			qs[i] = Question{Issue: p.Issue, Kind: kind, Criteria: criteria, Round: round}
			order := shuffled(ids, p.Seed, s.name, round)
			for _, id := range order {
				c, _ := p.byID(id)
				qs[i].Candidates = append(qs[i].Candidates, c)
			}
			step.JudgeOrders = append(step.JudgeOrders, JudgeOrder{Judge: s.name, Round: round, Candidates: order})
		}
		outs, err := callAll(ctx, p.Calls, len(seats), 0, timeout, func(ctx context.Context, i int) (Answer, error) {
			return seats[i].judge.Judge(ctx, qs[i])
		})
		if err != nil {
			return nil, err
		}
		var ballots []vote.Ballot
		for i, o := range outs {
			s := seats[i]
			if o.kind == "" {
				if err := o.val.check(qs[i]); err != nil {
					o.kind, o.detail = FailInvalid, err.Error()
				}
			}
			if o.kind != "" {
				step.Failures = append(step.Failures, o.failure(s.name, "", round))
				continue
			}
			if r := remark(s.name, round, o.val); r != nil {
				step.Remarks = append(step.Remarks, *r)
			}
			// A panel's approvals are weighed by vote.Weighted; a choice
			// carries its judge's weight, for vote.UntilMajority.
			b := vote.Ballot{Voter: s.name, Weight: s.weight, Choice: o.val.Choice}
			if kind == vote.KindApproval {
				b.Weight, b.Choice, b.Approval = 1, "", maps.Clone(o.val.Approve)
			}
			ballots = append(ballots, b)
		}
		return ballots, nil
	}
}

// remark returns what a judge said to explain its answer, nil if nothing.
func remark(by string, round int, a Answer) *Remark {
	if a.Reason == "" && a.Reasons == nil && a.Criteria == nil && a.Trace == nil {
		return nil
	}
	r := &Remark{By: by, Round: round, Text: a.Reason, Reasons: maps.Clone(a.Reasons), Trace: a.Trace}
	for id, found := range a.Criteria {
		if r.Criteria == nil {
			r.Criteria = map[string]map[string]string{}
		}
		r.Criteria[id] = maps.Clone(found)
	}
	return r
}

// shuffled returns ids in an order drawn from seed, the judge's name and
// the round: each judge sees its own order, new each round, and the same
// seed gives the same orders.
func shuffled(ids []string, seed uint64, judge string, round int) []string {
	h := fnv.New64a()
	h.Write([]byte(judge))
	rng := rand.New(rand.NewPCG(seed, h.Sum64()+uint64(round)*0x9e3779b97f4a7c15))
	out := slices.Clone(ids)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// rounds returns n, or def when n is 0, or an error naming field.
func rounds(field string, n, def int) (int, error) {
	if n < 0 {
		return 0, fmt.Errorf("selector: %s is %d: use at least 1, or 0 for %d", field, n, def)
	}
	return cmp.Or(n, def), nil
}
