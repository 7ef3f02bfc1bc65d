package selector_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

// cands returns candidates with the given IDs, each its own source, with a
// patch naming it.
func cands(ids ...string) []selector.Candidate {
	out := make([]selector.Candidate, len(ids))
	for i, id := range ids {
		out[i] = selector.Candidate{ID: id, Patch: "patch " + id}
	}
	return out
}

func poolOf(ids ...string) *selector.Pool {
	return &selector.Pool{Issue: "the issue", Candidates: cands(ids...)}
}

func idsOf(cs []selector.Candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// approves is a scripted approval judge: yes to the candidates it holds
// true, no to the others it is asked about.
type approves map[string]bool

func (a approves) Judge(_ context.Context, q selector.Question) (selector.Answer, error) {
	ans := selector.Answer{Approve: map[string]bool{}}
	for _, c := range q.Candidates {
		ans.Approve[c.ID] = a[c.ID]
	}
	return ans, nil
}

func yes(ids ...string) approves {
	a := approves{}
	for _, id := range ids {
		a[id] = true
	}
	return a
}

// picks is a scripted choice judge: it picks its candidate.
type picks string

func (p picks) Judge(_ context.Context, q selector.Question) (selector.Answer, error) {
	return selector.Answer{Choice: string(p), Reason: "I prefer " + string(p)}, nil
}

// byRound answers round n as rounds[n-1] does.
type byRound []selector.Judge

func (b byRound) Judge(ctx context.Context, q selector.Question) (selector.Answer, error) {
	if q.Round > len(b) {
		return selector.Answer{}, fmt.Errorf("asked round %d of a %d-round script", q.Round, len(b))
	}
	return b[q.Round-1].Judge(ctx, q)
}

// answer is a judge that always gives a, for scripting nonsense.
type answer selector.Answer

func (a answer) Judge(context.Context, selector.Question) (selector.Answer, error) {
	return selector.Answer(a), nil
}

var errBroken = errors.New("model unavailable")

// broken always fails.
var broken = selector.JudgeFunc(func(context.Context, selector.Question) (selector.Answer, error) {
	return selector.Answer{}, errBroken
})

// panics panics.
var panics = selector.JudgeFunc(func(context.Context, selector.Question) (selector.Answer, error) {
	panic("judge lost its mind")
})

// hangs waits for its context to end.
var hangs = selector.JudgeFunc(func(ctx context.Context, _ selector.Question) (selector.Answer, error) {
	<-ctx.Done()
	return selector.Answer{}, ctx.Err()
})

// recorder wraps a judge and records the questions it was asked.
type recorder struct {
	mu    sync.Mutex
	judge selector.Judge
	asked []selector.Question
}

func (r *recorder) Judge(ctx context.Context, q selector.Question) (selector.Answer, error) {
	r.mu.Lock()
	r.asked = append(r.asked, q)
	r.mu.Unlock()
	return r.judge.Judge(ctx, q)
}

func (r *recorder) orders() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out [][]string
	for _, q := range r.asked {
		out = append(out, idsOf(q.Candidates))
	}
	return out
}

// tests is a scripted test runner: results by patch ("" is the original),
// an error for a patch it has none for.
type tests map[string]selector.TestResults

func (tr tests) RunTests(_ context.Context, patch string) (selector.TestResults, error) {
	res, ok := tr[patch]
	if !ok {
		return nil, fmt.Errorf("no results scripted for %q", patch)
	}
	return res, nil
}

// drop is a stage that drops the named candidates.
func drop(reason selector.Reason, ids ...string) selector.Stage {
	return selector.StageFunc(func(_ context.Context, p *selector.Pool) (*selector.Step, error) {
		step := &selector.Step{Stage: "drop"}
		p.Candidates = slices.DeleteFunc(slices.Clone(p.Candidates), func(c selector.Candidate) bool {
			if slices.Contains(ids, c.ID) {
				step.Dropped = append(step.Dropped, selector.Rejection{Candidate: c.ID, Reason: reason})
				return true
			}
			return false
		})
		return step, nil
	})
}

// cluster is a stage that sets the clusters.
func cluster(groups ...[]string) selector.Stage {
	return selector.StageFunc(func(_ context.Context, p *selector.Pool) (*selector.Step, error) {
		p.Clusters = nil
		for i, g := range groups {
			p.Clusters = append(p.Clusters, selector.Cluster{Key: fmt.Sprintf("k%d", i+1), Members: g})
		}
		return &selector.Step{Stage: "cluster", Clusters: p.Clusters}, nil
	})
}

func ballotsOf(r *vote.Result) []vote.Ballot {
	if r == nil {
		return nil
	}
	out := slices.Clone(r.Counted)
	for _, round := range r.Rounds {
		out = append(out, round.Counted...)
	}
	return out
}
