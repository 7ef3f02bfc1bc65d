package vote

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Item is one past decision a panel voted on, with its truth unknown.
type Item struct {
	Candidates []string `json:"candidates"`
	Ballots    []Ballot `json:"ballots"`
}

// ItemEstimate is what the panel's answers, weighed by the estimated
// accuracies, say about one item.
type ItemEstimate struct {
	// Choice is, from the item's choice ballots, each candidate's
	// probability of being the right choice (they sum to 1); nil without
	// choice ballots among two or more candidates.
	Choice map[string]float64 `json:"choice,omitempty"`
	// Good is, from the item's approval ballots, each judged candidate's
	// probability of being good; nil without approval ballots.
	Good map[string]float64 `json:"good,omitempty"`
	// Ignored holds the item's ballots not read, with why.
	Ignored []Ignored `json:"ignored,omitempty"`
}

// FromAgreement estimates each voter's accuracy from its agreement with the
// rest of the panel over many items whose truth is unknown, by the
// expectation-maximisation of Dawid and Skene with one accuracy per voter
// (the "one-coin" model), then weighs voters as in the type's doc. Voters
// that often disagree with a panel that mostly agrees come out less
// accurate, and count less.
//
// It reads choice and approval ballots, screened like a strategy's
// ([Screen]) except that weights are not read: every answer counts the
// same. Each choice ballot answers the item's question "which candidate is
// right?"; each entry of an approval ballot answers "is this candidate
// good?" for one candidate. The model:
//
//   - a choice question among K candidates has one right answer, a priori
//     any of them; voter v picks it with probability p_v, otherwise one of
//     the K-1 others at random (a choice among one candidate tells nothing
//     and is not read);
//   - a yes-or-no question is good with probability π, the prevalence; v
//     answers it rightly with probability p_v;
//   - answers are independent given the truth.
//
// EM starts from p_v = μ, the prior mean, for every voter, so its first
// posteriors are those of an unweighted vote, then alternates:
//
//   - E: each question's posterior over its truth given the answers,
//     P(t) ∝ prior(t) · Π_v P(answer_v | t);
//   - M: p_v = (a + E[right answers of v]) / (a + b + answers of v), the
//     estimate of [Reliability.FromOutcomes] with expected outcomes, so a
//     voter with few answers stays near μ; π = (1 + Σ P(good)) / (2 + yes-or-no
//     questions).
//
// It stops once no p_v moves by more than Tolerance, or after
// MaxIterations. It is deterministic: voters are visited by name and
// answers to a question in voter order, so reordering an item's ballots
// changes nothing.
//
// An item whose candidate list is empty or bad is an error naming the
// item; [ErrNoBallots] means no item had an answer to read.
func (r Reliability) FromAgreement(items []Item) (*Estimate, error) {
	cfg, err := r.config()
	if err != nil {
		return nil, err
	}
	kinds := []Kind{KindChoice, KindApproval}
	est := &Estimate{Items: make([]ItemEstimate, len(items))}
	counted := make([][]Ballot, len(items))
	sets := make([]map[string]int, len(items))
	names := map[string]int{}
	var ignored []Ignored
	for i, it := range items {
		set, err := candidateSet(it.Candidates)
		if err != nil {
			return nil, fmt.Errorf("vote: item %d: %w", i, err)
		}
		sets[i] = set
		counted[i], est.Items[i].Ignored = screen(set, it.Ballots, false, kinds)
		ignored = append(ignored, est.Items[i].Ignored...)
		for _, b := range counted[i] {
			names[b.Voter] = 0
		}
	}
	voters := sortedKeys(names)
	for i, v := range voters {
		names[v] = i
	}
	qs := questions(items, sets, counted, names)
	switch {
	case len(qs) == 0 && len(voters) > 0:
		return nil, fmt.Errorf("%w: Dawid–Skene read only choices among a single candidate, which tell nothing", ErrNoBallots)
	case len(qs) == 0:
		return nil, noBallots("Dawid–Skene", ignored, kinds)
	}

	p := make([]float64, len(voters))
	for v := range p {
		p[v] = cfg.prior.mean()
	}
	prevalence := 0.5
	for est.Iterations < cfg.maxIter && !est.Converged {
		est.Iterations++
		expect(qs, p, prevalence)
		right := make([]float64, len(voters))
		answers := make([]float64, len(voters))
		good, binary := 0.0, 0
		for _, q := range qs {
			for _, a := range q.answers {
				right[a.voter] += q.post[a.pick]
				answers[a.voter]++
			}
			if q.cand >= 0 {
				good += q.post[1]
				binary++
			}
		}
		moved := 0.0
		for v := range p {
			next := clampProb((cfg.prior.Right + right[v]) / (cfg.prior.Right + cfg.prior.Wrong + answers[v]))
			moved = max(moved, math.Abs(next-p[v]))
			p[v] = next
		}
		prevalence = (1 + good) / (2 + float64(binary))
		est.Converged = moved <= cfg.tolerance
	}
	expect(qs, p, prevalence)

	est.Accuracy = make(map[string]float64, len(voters))
	est.VoterWeights = make(map[string]float64, len(voters))
	est.Answers = make(map[string]int, len(voters))
	for v, name := range voters {
		est.Accuracy[name] = p[v]
		est.VoterWeights[name] = cfg.weight(p[v])
		est.Answers[name] = 0 // a voter with nothing informative stays at the prior
	}
	hasBinary := false
	for _, q := range qs {
		for _, a := range q.answers {
			est.Answers[voters[a.voter]]++
		}
		it := &est.Items[q.item]
		cands := items[q.item].Candidates
		if q.cand < 0 {
			it.Choice = make(map[string]float64, len(cands))
			for t, c := range cands {
				it.Choice[c] = q.post[t]
			}
			continue
		}
		hasBinary = true
		if it.Good == nil {
			it.Good = map[string]float64{}
		}
		it.Good[cands[q.cand]] = q.post[1]
	}
	if hasBinary {
		est.Prevalence = prevalence
	}
	return est, nil
}

// question is one latent truth: which of k candidates is right (cand < 0)
// or whether candidate cand is good (k = 2; answer 1 is yes).
type question struct {
	item, cand, k int
	answers       []answer
	post          []float64 // posterior over the k answers
}

type answer struct{ voter, pick int }

// questions turns the counted ballots into questions, answers in voter
// order.
func questions(items []Item, sets []map[string]int, counted [][]Ballot, voters map[string]int) []*question {
	var qs []*question
	for i, ballots := range counted {
		k := len(items[i].Candidates)
		choice := &question{item: i, cand: -1, k: k}
		binary := make([]*question, k)
		for _, b := range ballots {
			v := voters[b.Voter]
			if b.Kind() == KindChoice {
				choice.answers = append(choice.answers, answer{v, sets[i][b.Choice]})
				continue
			}
			for c, yes := range b.Approval {
				t := sets[i][c]
				if binary[t] == nil {
					binary[t] = &question{item: i, cand: t, k: 2}
				}
				pick := 0
				if yes {
					pick = 1
				}
				binary[t].answers = append(binary[t].answers, answer{v, pick})
			}
		}
		if k >= 2 && len(choice.answers) > 0 {
			qs = append(qs, choice)
		}
		for _, q := range binary {
			if q != nil {
				qs = append(qs, q)
			}
		}
	}
	for _, q := range qs {
		slices.SortFunc(q.answers, func(a, b answer) int { return cmp.Compare(a.voter, b.voter) })
		q.post = make([]float64, q.k)
	}
	return qs
}

// expect is the E step: each question's posterior given accuracies p and
// the prevalence of good candidates.
func expect(qs []*question, p []float64, prevalence float64) {
	for _, q := range qs {
		logs := q.post
		if q.cand < 0 {
			clear(logs) // a uniform prior over the right answer
		} else {
			logs[0], logs[1] = math.Log(1-prevalence), math.Log(prevalence)
		}
		for _, a := range q.answers {
			pv := p[a.voter]
			miss := math.Log((1 - pv) / float64(q.k-1))
			for t := range logs {
				if t == a.pick {
					logs[t] += math.Log(pv)
				} else {
					logs[t] += miss
				}
			}
		}
		top := slices.Max(logs)
		sum := 0.0
		for t, l := range logs {
			logs[t] = math.Exp(l - top)
			sum += logs[t]
		}
		for t := range logs {
			logs[t] /= sum
		}
	}
}
