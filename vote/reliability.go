package vote

import (
	"cmp"
	"fmt"
	"math"
)

// Prior is a Beta prior on a voter's accuracy, written as pseudo-counts:
// Right and Wrong outcomes imagined before any is seen. Its mean,
// Right/(Right+Wrong), is the accuracy assumed of a voter with no record;
// its size, Right+Wrong, is how many real outcomes it takes to move an
// estimate halfway from that mean. Both must be positive.
type Prior struct {
	Right float64 `json:"right"`
	Wrong float64 `json:"wrong"`
}

// DefaultPrior is the prior of the zero [Reliability]: a voter is assumed
// right two times in three, a belief worth three outcomes.
var DefaultPrior = Prior{Right: 2, Wrong: 1}

func (p Prior) mean() float64 { return p.Right / (p.Right + p.Wrong) }

// Record is a voter's track record: how many of its past votes turned out
// right and how many wrong.
type Record struct {
	Right int `json:"right"`
	Wrong int `json:"wrong"`
}

// Reliability estimates how much each voter's ballots should weigh from
// its track record: [Reliability.FromOutcomes] when the truth of past
// decisions is known, [Reliability.FromAgreement] when it is not. Both
// return an [Estimate] whose VoterWeights plug into [Weighted]. The zero value
// uses [DefaultPrior] for yes-or-no votes. A Reliability is plain
// configuration, safe for concurrent use.
//
// # Accuracy
//
// A voter with prior Beta(a, b) (a = Prior.Right, b = Prior.Wrong) that
// was right R times and wrong W times has the posterior Beta(a+R, b+W),
// whose mean is its accuracy:
//
//	p = (R + a) / (R + W + a + b)
//
// With a = b = 1 this is Laplace's rule of succession. The prior keeps p
// strictly between 0 and 1 and pulls a voter with few outcomes towards the
// prior mean μ = a/(a+b): it takes a+b outcomes to move halfway.
//
// # Weight
//
// Suppose a vote picks one of K answers, and a voter is right with
// probability p, otherwise picks one of the K-1 wrong answers at random,
// independently of the others. Then the answer most likely right is the
// one whose voters have the largest sum of
//
//	ℓ(p) = ln(p / (1-p)) + ln(K-1)
//
// the log-likelihood ratio one vote adds (for K = 2 this is the classical
// optimal weight of a yes-or-no panel). A voter's weight is ℓ(p)/ℓ(μ): a
// voter with no record weighs exactly 1, as if unweighted, a better one
// more, a worse one less. A voter no better than chance (p ≤ 1/K) weighs 0
// and is not counted: its votes are not inverted. For approval ballots
// each yes is a yes-or-no vote (K = 2); when every voter judges every
// candidate, ranking candidates by the weight of their yeses is ranking
// them by the log-odds that they are good.
type Reliability struct {
	// Prior is the belief about a voter before its record; the zero Prior
	// means DefaultPrior. Its mean must be above chance, 1/Options.
	Prior Prior
	// Options is K, the number of answers a vote the weights will be used
	// for chooses among: 2 (the zero value) for yes-or-no approvals, the
	// number of candidates or clusters for a single choice.
	Options int
	// MaxIterations bounds FromAgreement's EM; 0 means 100.
	MaxIterations int
	// Tolerance stops FromAgreement's EM once no accuracy moves by more
	// than this in an iteration; 0 means 1e-6.
	Tolerance float64
}

// Estimate is what [Reliability] found. It encodes as JSON with stable
// field names.
type Estimate struct {
	// Accuracy is each voter's estimated probability of being right.
	Accuracy map[string]float64 `json:"accuracy"`
	// VoterWeights is each voter's weight for [Weighted]: finite, from 0
	// to [MaxWeight].
	VoterWeights map[string]float64 `json:"voter_weights"`
	// Answers counts the outcomes (FromOutcomes) or answers
	// (FromAgreement: a choice, or a yes or no to one candidate) each
	// voter's estimate rests on.
	Answers map[string]int `json:"answers"`
	// Items holds, for FromAgreement, what the panel's answers say about
	// each item, in the order given.
	Items []ItemEstimate `json:"items,omitempty"`
	// Prevalence is, for FromAgreement with approval ballots, the share
	// of candidates estimated good.
	Prevalence float64 `json:"prevalence,omitempty"`
	// Iterations is how many EM iterations FromAgreement ran, and
	// Converged whether it stopped because the estimates settled rather
	// than at MaxIterations.
	Iterations int  `json:"iterations,omitempty"`
	Converged  bool `json:"converged,omitempty"`
}

// FromOutcomes estimates each voter's accuracy and weight from its known
// record, as in the type's doc. It is deterministic. A voter absent from
// records has no estimate; [Weighted] gives it the neutral weight 1, which
// is also what an empty Record gets.
func (r Reliability) FromOutcomes(records map[string]Record) (*Estimate, error) {
	cfg, err := r.config()
	if err != nil {
		return nil, err
	}
	est := &Estimate{Accuracy: map[string]float64{}, VoterWeights: map[string]float64{}, Answers: map[string]int{}}
	for _, v := range sortedKeys(records) {
		rec := records[v]
		switch {
		case rec.Right < 0 || rec.Wrong < 0:
			return nil, fmt.Errorf("vote: voter %q has the record %+v: counts cannot be negative", v, rec)
		case rec.Right > maxOutcomes-rec.Wrong:
			return nil, fmt.Errorf("vote: voter %q has the record %+v: more than 2^53 outcomes cannot be counted exactly; scale the counts down", v, rec)
		}
		right := float64(rec.Right)
		p := (right + cfg.prior.Right) / (right + float64(rec.Wrong) + cfg.prior.Right + cfg.prior.Wrong)
		est.Accuracy[v] = p
		est.VoterWeights[v] = cfg.weight(p)
		est.Answers[v] = rec.Right + rec.Wrong
	}
	return est, nil
}

// config is a Reliability with defaults filled and checked.
type config struct {
	prior     Prior
	options   int
	maxIter   int
	tolerance float64
	unit      float64 // ℓ(μ), the log-odds of the prior mean
}

func (r Reliability) config() (config, error) {
	c := config{
		prior:     r.Prior,
		options:   cmp.Or(r.Options, 2),
		maxIter:   cmp.Or(r.MaxIterations, 100),
		tolerance: cmp.Or(r.Tolerance, 1e-6),
	}
	if c.prior == (Prior{}) {
		c.prior = DefaultPrior
	}
	switch a, b := c.prior.Right, c.prior.Wrong; {
	case !(a > 0 && b > 0) || math.IsInf(a+b, 0):
		return c, fmt.Errorf("vote: Reliability.Prior is %+v: both counts must be positive and finite, such as {Right: 2, Wrong: 1}", r.Prior)
	case a/b > maxPriorOdds || b/a > maxPriorOdds:
		return c, fmt.Errorf("vote: Reliability.Prior is %+v: one count is more than %g times the other, which leaves no room to learn; keep them within that factor", r.Prior, maxPriorOdds)
	case c.options < 2:
		return c, fmt.Errorf("vote: Reliability.Options is %d: use the number of answers a vote chooses among, at least 2", r.Options)
	case c.maxIter < 1:
		return c, fmt.Errorf("vote: Reliability.MaxIterations is %d: use at least 1, or 0 for 100", r.MaxIterations)
	case !(c.tolerance > 0):
		return c, fmt.Errorf("vote: Reliability.Tolerance is %v: use a small positive number, or 0 for 1e-6", r.Tolerance)
	}
	c.unit = logOdds(c.prior.mean(), c.options)
	if !(c.unit > 0) {
		return c, fmt.Errorf("vote: Reliability.Prior's mean %.3g is not above chance (1/%d): raise Prior.Right or set Options to the number of answers", c.prior.mean(), c.options)
	}
	return c, nil
}

// weight is ℓ(p)/ℓ(μ), or 0 for a voter no better than chance, and at
// most MaxWeight, so that every weight is one a ballot may carry.
func (c config) weight(p float64) float64 {
	return min(MaxWeight, max(0, logOdds(p, c.options)/c.unit))
}

// The bounds that keep weights finite: accuracies are kept within
// minProb of 0 and 1, where their log-odds are about ±36; a prior's
// counts within maxPriorOdds of each other; a record below 2^53 outcomes.
const (
	minProb      = 0x1p-52
	maxPriorOdds = 1e12
	maxOutcomes  = 1 << 53
)

// clampProb keeps p within minProb of 0 and 1.
func clampProb(p float64) float64 { return min(1-minProb, max(minProb, p)) }

// logOdds is ℓ(p) for k answers, finite for any p in [0, 1].
func logOdds(p float64, k int) float64 {
	p = clampProb(p)
	return math.Log(p/(1-p)) + math.Log(float64(k-1))
}
