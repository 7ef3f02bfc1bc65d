package selector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/conclave-dev/conclave/vote"
)

// Verifier checks a candidate once more before a vote's winner is
// accepted: Trae's "dual verification". Package agent/judge provides
// verifiers backed by LLM agents; tests use [VerifierFunc]. Verify must honour
// ctx. An error or panic counts as a refusal and is recorded as a
// [Failure].
type Verifier interface {
	Verify(ctx context.Context, issue string, c Candidate) (Verdict, error)
}

// VerifierFunc adapts a function to [Verifier].
type VerifierFunc func(ctx context.Context, issue string, c Candidate) (Verdict, error)

// Verify calls f.
func (f VerifierFunc) Verify(ctx context.Context, issue string, c Candidate) (Verdict, error) {
	return f(ctx, issue, c)
}

// Verdict is a verifier's answer.
type Verdict struct {
	// Candidate is the candidate verified; the stage sets it.
	Candidate string `json:"candidate"`
	Confirmed bool   `json:"confirmed"`
	Reason    string `json:"reason,omitempty"`
	// Trace is how the verdict came about, when the verifier says.
	Trace *Trace `json:"trace,omitempty"`
}

// SyntaxVote is the syntax vote: each candidate in the running votes for
// its cluster with its source's weight (Pool.SourceWeights), Strategy
// counts the votes (by default [vote.Plurality]: the cluster with the most
// weight wins; [vote.Majority] asks for more than a share of it), and,
// when a Verifier is set, the verifier must confirm the winner. A cluster
// is represented by its heaviest member, the earliest in pool order among
// equals; the representative is the candidate chosen.
//
// Without clusters (no clustering stage ran) every candidate is a cluster
// of its own, so the vote is a vote on sources' weights alone.
//
// When no cluster wins, the stage does not decide: it keeps one
// representative per cluster, dropping the other members as duplicates,
// ranked by the vote, for the stages after it (a judge panel, typically).
//
// The representatives are listed in pool order, so under the strategy's
// default tie rule a tie goes to the earliest cluster in pool order;
// [vote.Result.Tied] lists the tied and [vote.Result.TieRule] says how the
// tie was settled. The stage is named "syntax_vote".
type SyntaxVote struct {
	// Strategy counts the clusters' votes, choice ballots weighed by the
	// sources' weights; nil means vote.Plurality{}. For "more than half",
	// use vote.Majority{}; for ties settled by a draw from the pool's
	// seed, a strategy with vote.Tiebreak{Random: true, Seed: pool.Seed}.
	Strategy vote.Strategy
	// Verifier, if set, must confirm the top cluster's representative.
	Verifier Verifier
	// Timeout bounds the call to the verifier; 0 means no bound but ctx's.
	Timeout time.Duration
}

// Run implements [Stage].
func (sv SyntaxVote) Run(ctx context.Context, p *Pool) (*Step, error) {
	step := &Step{Stage: "syntax_vote"}
	if sv.Verifier != nil {
		step.Settings = &Settings{Verifier: true, Timeout: Duration(sv.Timeout)}
	}
	if len(p.Candidates) == 0 {
		step.Notes = append(step.Notes, "no candidate to vote on")
		return step, nil
	}
	groups := p.groups()
	reps := make([]string, len(groups))
	repOf := map[string]string{}
	for i, g := range groups {
		best := -1.0
		for _, id := range g.Members {
			c, _ := p.byID(id)
			if w := p.weight(c); w > best {
				reps[i], best = id, w
			}
		}
		for _, id := range g.Members {
			repOf[id] = reps[i]
		}
	}
	ballots := make([]vote.Ballot, len(p.Candidates))
	for i, c := range p.Candidates {
		ballots[i] = vote.Ballot{Voter: c.ID, Weight: p.weight(c), Choice: repOf[c.ID]}
		if p.SourceWeights != nil {
			if step.CandidateWeights == nil {
				step.CandidateWeights = map[string]float64{}
			}
			step.CandidateWeights[c.ID] = ballots[i].Weight
		}
	}
	var strategy vote.Strategy = vote.Plurality{}
	if sv.Strategy != nil {
		strategy = sv.Strategy
	}
	res, err := strategy.Decide(reps, ballots)
	if res == nil {
		return step, fmt.Errorf("selector: SyntaxVote.Strategy %T returned no Result (error %v)", strategy, err)
	}
	step.Vote = res
	winner := res.Winner
	switch {
	case err == nil:
		lead := res.Scores[winner]
		step.Notes = append(step.Notes, fmt.Sprintf("cluster of %s (%d of %d candidates) holds %.0f%% of the weight",
			winner, len(groupOf(groups, winner).Members), len(p.Candidates), 100*lead/res.Total))
	case errors.Is(err, vote.ErrNoWinner):
		lead := res.Ranking[0]
		note := fmt.Sprintf("the biggest cluster, %s's, holds %.0f%% of the weight", lead, 100*res.Scores[lead]/res.Total)
		if res.Threshold > 0 {
			note += fmt.Sprintf(", not more than %.0f%%", 100*res.Threshold)
		}
		step.Notes = append(step.Notes, note)
	case errors.Is(err, vote.ErrNoBallots):
		step.Notes = append(step.Notes, "every candidate weighs 0: nothing to count")
	default:
		return step, fmt.Errorf("selector: SyntaxVote.Strategy: %w", err)
	}
	if winner != "" && sv.Verifier != nil {
		step.Verdict = p.verify(ctx, step, sv.Verifier, sv.Timeout, winner)
		if ctx.Err() != nil {
			return step, context.Cause(ctx)
		}
		if !step.Verdict.Confirmed {
			step.Notes = append(step.Notes, fmt.Sprintf("the verifier did not confirm %s", winner))
			winner = ""
		}
	}
	if winner != "" {
		p.Winner = winner
		p.reorder(res.Ranking)
		return step, nil
	}
	for _, c := range p.Candidates {
		if rep := repOf[c.ID]; rep != c.ID {
			step.Dropped = append(step.Dropped, Rejection{Candidate: c.ID, Reason: ReasonDuplicate, Detail: "equivalent to " + rep})
		}
	}
	p.retain(func(c Candidate) bool { return repOf[c.ID] == c.ID })
	p.reorder(res.Ranking)
	return step, nil
}

// verify asks v about candidate id; a failed call is a refusal.
func (p *Pool) verify(ctx context.Context, step *Step, v Verifier, timeout time.Duration, id string) *Verdict {
	c, _ := p.byID(id)
	outs, _ := callAll(ctx, p.Calls, 1, 1, timeout, func(ctx context.Context, _ int) (Verdict, error) { return v.Verify(ctx, p.Issue, c) })
	o := outs[0]
	if o.kind != "" {
		step.Failures = append(step.Failures, o.failure("verifier", id, 0))
		return &Verdict{Candidate: id, Reason: "the verifier failed: " + o.detail}
	}
	o.val.Candidate = id
	return &o.val
}

func groupOf(groups []Cluster, rep string) Cluster {
	for _, g := range groups {
		for _, m := range g.Members {
			if m == rep {
				return g
			}
		}
	}
	return Cluster{}
}
