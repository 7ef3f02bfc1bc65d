package selector

import (
	"time"

	"github.com/conclave-dev/conclave/vote"
)

// Step is the evidence one stage leaves: what it dropped and why, how it
// clustered or weighed the candidates, the votes it held, the failures of
// the judges, verifiers or test runners it called, and its winner. A stage
// fills the fields that apply to it. Step encodes as JSON with the field
// names below, which are stable.
type Step struct {
	// Stage names the stage, such as "content_filter" or "panel".
	Stage string `json:"stage"`
	// Settings are what the stage was configured with.
	Settings *Settings `json:"settings,omitempty"`
	// Notes say in words what the stage did or why it did nothing.
	Notes []string `json:"notes,omitempty"`
	// Dropped lists the candidates the stage took out of the running.
	Dropped []Rejection `json:"dropped,omitempty"`
	// KeptFailing lists the candidates that failed the stage but stay in
	// the running because none passed: a selection always has candidates
	// to pick from. KeptAll says whether that was every candidate.
	KeptFailing []Rejection `json:"kept_failing,omitempty"`
	KeptAll     bool        `json:"kept_all,omitempty"`
	// Mode is how patches were compared: "full-file" or "patch-only".
	Mode string `json:"mode,omitempty"`
	// Clusters are the groups of equivalent candidates the stage formed.
	Clusters []Cluster `json:"clusters,omitempty"`
	// CandidateWeights holds the weight of each candidate in the running,
	// by ID: its source's weight.
	CandidateWeights map[string]float64 `json:"candidate_weights,omitempty"`
	// Tests holds the regression test runs, the original first.
	Tests []TestRun `json:"tests,omitempty"`
	// Vote is the vote the stage held, with every ballot and round, its
	// strategy, threshold and tie rule.
	Vote *vote.Result `json:"vote,omitempty"`
	// Scores are the candidates' scores by a model and their features,
	// best first.
	Scores []Score `json:"scores,omitempty"`
	// JudgeOrders are the orders in which each judge saw the candidates,
	// round by round.
	JudgeOrders []JudgeOrder `json:"judge_orders,omitempty"`
	// Matches are the matches of a tournament, in the order played.
	Matches []Match `json:"matches,omitempty"`
	// Verdict is the verifier's answer on the stage's pick.
	Verdict *Verdict `json:"verdict,omitempty"`
	// Remarks are what judges and verifiers said to explain their answers.
	Remarks []Remark `json:"remarks,omitempty"`
	// Failures lists the calls that failed and were left out.
	Failures []Failure `json:"failures,omitempty"`
	// Winner is the candidate the stage chose, when it decided.
	Winner string `json:"winner,omitempty"`
	// Error is the failure that ended the stage without a decision.
	Error string `json:"error,omitempty"`
}

// Rejection is a candidate that failed a stage, and why.
type Rejection struct {
	Candidate string `json:"candidate"`
	Reason    Reason `json:"reason"`
	// Detail says what exactly, such as the hunk that does not apply.
	Detail string `json:"detail,omitempty"`
}

// Reason says why a candidate failed a stage. A custom stage may use its
// own.
type Reason string

const (
	ReasonEmpty       Reason = "empty"          // the patch changes nothing
	ReasonTestsOnly   Reason = "tests_only"     // it changes only tests (and scratch scripts)
	ReasonScratchOnly Reason = "scratch_only"   // it only adds throwaway scripts
	ReasonMalformed   Reason = "malformed"      // it is not a diff
	ReasonNoApply     Reason = "does_not_apply" // it does not apply to the original files
	ReasonSyntax      Reason = "syntax_error"   // a file it changes no longer parses
	ReasonRegression  Reason = "regression"     // a test that passed on the original fails
	ReasonDuplicate   Reason = "duplicate"      // another member of its cluster stands for it
	ReasonRemoved     Reason = "removed"        // a stage took it out without saying why
)

// Failure is a call to a judge, verifier or test runner that gave no usable
// answer. It is recorded and the answer left out; it never stops a
// selection.
type Failure struct {
	// By names who failed: a judge's name, "verifier" or "test runner".
	By string `json:"by"`
	// Candidate is the candidate the call was about, if one.
	Candidate string `json:"candidate,omitempty"`
	// Round is the round of a vote, from 1, if the call was in one.
	Round  int         `json:"round,omitempty"`
	Kind   FailureKind `json:"kind"`
	Detail string      `json:"detail"`
}

// FailureKind classifies a [Failure].
type FailureKind string

const (
	FailError   FailureKind = "error"   // the call returned an error
	FailTimeout FailureKind = "timeout" // it did not answer in time
	FailPanic   FailureKind = "panic"   // it panicked
	FailInvalid FailureKind = "invalid" // it answered nonsense: unknown IDs, missing votes
)

// Remark is a judge's explanation of an answer, and how the answer came
// about.
type Remark struct {
	By    string `json:"by"`
	Round int    `json:"round,omitempty"`
	// Text explains the answer as a whole.
	Text string `json:"text,omitempty"`
	// Reasons explains it candidate by candidate, and Criteria holds the
	// findings on each criterion per candidate, when the judge gave them.
	Reasons  map[string]string            `json:"reasons,omitempty"`
	Criteria map[string]map[string]string `json:"criteria,omitempty"`
	// Trace is the judge's model, cost and trajectory, when it says.
	Trace *Trace `json:"trace,omitempty"`
}

// JudgeOrder is the order in which one judge saw the candidates in one
// round of a vote.
type JudgeOrder struct {
	Judge      string   `json:"judge"`
	Round      int      `json:"round"`
	Candidates []string `json:"candidates"`
}

// Settings are what a stage was configured with, as far as they shape its
// outcome: each stage fills the fields it has. The vote's own settings
// (strategy, threshold, tie rule) are in [Step.Vote].
type Settings struct {
	// Judges are the judges seated, by name; JudgeWeights their weights
	// when set.
	Judges       []string           `json:"judges,omitempty"`
	JudgeWeights map[string]float64 `json:"judge_weights,omitempty"`
	// Criteria are what the judges were asked to judge by.
	Criteria []Criterion `json:"criteria,omitempty"`
	// MaxRounds bounds the rounds of a vote.
	MaxRounds int `json:"max_rounds,omitempty"`
	// Verifier says whether a verifier had to confirm the winner.
	Verifier bool `json:"verifier,omitempty"`
	// Timeout bounds each call to a judge, verifier or test runner.
	Timeout Duration `json:"timeout,omitempty"`
	// Parallel is how many test runs, or a tournament's judge calls,
	// went at once (0: no bound); Fewest whether the candidates with the
	// fewest regressions were kept when none passed.
	Parallel int  `json:"parallel,omitempty"`
	Fewest   bool `json:"fewest,omitempty"`
	// SourceWeights are the sources' weights set.
	SourceWeights map[string]float64 `json:"source_weights,omitempty"`
	// Ignored says which changed files the comparison left out;
	// KeepDocstrings whether Python docstrings counted.
	Ignored        string `json:"ignored,omitempty"`
	KeepDocstrings bool   `json:"keep_docstrings,omitempty"`
	// FeatureWeights are a model's weight per unit of each feature it
	// reads; Keep how many of the best it keeps, 0 when it decides.
	FeatureWeights map[string]float64 `json:"feature_weights,omitempty"`
	Keep           int                `json:"keep,omitempty"`
}

// Duration is a time.Duration that encodes as text, such as "1m30s".
type Duration time.Duration

// MarshalText encodes d as time.Duration writes it.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText decodes what MarshalText wrote.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	*d = Duration(v)
	return err
}
