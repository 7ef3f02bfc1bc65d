package selector

import "github.com/conclave-dev/conclave/vote"

// Step is the evidence one stage leaves: what it dropped and why, how it
// clustered or weighed the candidates, the votes it held, the failures of
// the judges, verifiers or test runners it called, and its winner. A stage
// fills the fields that apply to it. Step encodes as JSON with the field
// names below, which are stable.
type Step struct {
	// Stage names the stage, such as "content_filter" or "panel".
	Stage string `json:"stage"`
	// Notes say in words what the stage did or why it did nothing.
	Notes []string `json:"notes,omitempty"`
	// Dropped lists the candidates the stage took out of the running.
	Dropped []Drop `json:"dropped,omitempty"`
	// KeptAll is set when every candidate failed the stage: none was then
	// dropped (Dropped still says why each failed), so that a selection
	// always has candidates to pick from.
	KeptAll bool `json:"kept_all,omitempty"`
	// Mode is how patches were compared: "full-file" or "patch-only".
	Mode string `json:"mode,omitempty"`
	// Clusters are the groups of equivalent candidates the stage formed.
	Clusters []Cluster `json:"clusters,omitempty"`
	// Weights holds the weight of each candidate in the running, by ID.
	Weights map[string]float64 `json:"weights,omitempty"`
	// Tests holds the regression test runs, the original first.
	Tests []TestRun `json:"tests,omitempty"`
	// Vote is the vote the stage held, with every ballot and round.
	Vote *vote.Result `json:"vote,omitempty"`
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

// Drop is a candidate taken out of the running, and why.
type Drop struct {
	Candidate string `json:"candidate"`
	Reason    Reason `json:"reason"`
	// Detail says what exactly, such as the hunk that does not apply.
	Detail string `json:"detail,omitempty"`
}

// Reason says why a candidate was dropped. A custom stage may use its own.
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
