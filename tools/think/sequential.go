package think

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/tools"
)

// Thought is one recorded call of sequential_thinking, with the defaults
// filled in.
type Thought struct {
	Number     int    `json:"thought_number"`
	Total      int    `json:"total_thoughts"`
	Text       string `json:"thought"`
	NextNeeded bool   `json:"next_thought_needed"`
	Revises    int    `json:"revises_thought,omitempty"`     // the thought this one revises, or 0
	BranchFrom int    `json:"branch_from_thought,omitempty"` // the thought its branch starts from, or 0
	Branch     string `json:"branch_id,omitempty"`           // its branch, or "" for the main line
	NeedsMore  bool   `json:"needs_more_thoughts,omitempty"`
}

// Sequential is the sequential_thinking tool: a place for the model to
// think in numbered steps, revise earlier steps and branch off them. Its
// only effect is the history it keeps, which [Sequential.History] returns
// for tests and trajectories.
//
// A Sequential is safe for concurrent use; calls are recorded in the
// order they are made. Use one per agent.
type Sequential struct {
	fn *tools.Func[thoughtArgs]

	mu       sync.Mutex
	history  []Thought
	branches []string       // in the order they were started
	from     map[string]int // the thought each branch starts from
}

// NewSequential returns a sequential_thinking tool with an empty history.
func NewSequential() *Sequential {
	s := &Sequential{from: make(map[string]int)}
	s.fn = tools.NewFunc("sequential_thinking", sequentialDoc, s.run)
	return s
}

// Spec describes the tool to the model.
func (s *Sequential) Spec() llm.ToolSpec { return s.fn.Spec() }

// Run records one thought and returns a short status. A reference to a
// thought or branch that does not exist is an error Result and records
// nothing.
func (s *Sequential) Run(ctx context.Context, args json.RawMessage) (tools.Result, error) {
	return s.fn.Run(ctx, args)
}

// History returns the thoughts recorded so far, in call order. The slice
// is a copy.
func (s *Sequential) History() []Thought {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.history)
}

// Branches returns the branch ids started so far, in the order they were
// started.
func (s *Sequential) Branches() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.branches)
}

type thoughtArgs struct {
	Thought           string `json:"thought"`
	NextThoughtNeeded *bool  `json:"next_thought_needed,omitempty"`
	ThoughtNumber     int    `json:"thought_number,omitempty"`
	TotalThoughts     int    `json:"total_thoughts,omitempty"`
	IsRevision        bool   `json:"is_revision,omitempty"`
	RevisesThought    int    `json:"revises_thought,omitempty"`
	BranchFromThought int    `json:"branch_from_thought,omitempty"`
	BranchID          string `json:"branch_id,omitempty"`
	NeedsMoreThoughts bool   `json:"needs_more_thoughts,omitempty"`
}

// RefineSchema describes the parameters and bounds the numbers. Only
// thought is required: every other parameter has a default the history
// supplies, so a model that leaves them out still thinks in order.
func (thoughtArgs) RefineSchema(s *jsonschema.Schema) {
	for name, text := range map[string]string{
		"thought":             "Your current thinking step.",
		"next_thought_needed": "Whether another thought is needed after this one. Default: thought_number < total_thoughts.",
		"thought_number":      "The number of this thought, from 1. Default: one more than the last thought on the same branch.",
		"total_thoughts":      "Your current estimate of the thoughts needed; revise it freely. Default: the previous estimate, or thought_number if larger.",
		"is_revision":         "Whether this thought revises an earlier one; give revises_thought with it.",
		"revises_thought":     "The number of the earlier thought this one reconsiders.",
		"branch_from_thought": "Start a branch, an alternative line of thought, from this earlier thought; give branch_id with it.",
		"branch_id":           "The name of the branch this thought belongs to. A new name needs branch_from_thought.",
		"needs_more_thoughts": "Set when you reach what you thought was the end but need more thoughts.",
	} {
		p := s.Properties[name]
		p.Description = text
		if p.Type == "" && len(p.Types) > 0 { // *bool: drop the null, Decode drops nulls anyway
			p.Type, p.Types = "boolean", nil
		}
	}
	one := 1.0
	for _, name := range []string{"thought_number", "total_thoughts", "revises_thought", "branch_from_thought"} {
		s.Properties[name].Minimum = &one
	}
}

func (s *Sequential) run(ctx context.Context, a thoughtArgs) (tools.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.thought(a)
	if err != nil {
		return tools.Errorf("%v", err), nil
	}
	if _, started := s.from[t.Branch]; t.Branch != "" && !started {
		s.from[t.Branch] = t.BranchFrom
		s.branches = append(s.branches, t.Branch)
	}
	s.history = append(s.history, t)
	return tools.Result{Content: s.status(t)}, nil
}

// thought validates a against the history and fills in the defaults. The
// caller holds s.mu.
func (s *Sequential) thought(a thoughtArgs) (Thought, error) {
	t := Thought{
		Text:       a.Thought,
		Number:     a.ThoughtNumber,
		Total:      a.TotalThoughts,
		Revises:    a.RevisesThought,
		BranchFrom: a.BranchFromThought,
		Branch:     a.BranchID,
		NeedsMore:  a.NeedsMoreThoughts,
	}
	if strings.TrimSpace(t.Text) == "" {
		return t, errors.New("thought is empty: write your thinking step in it")
	}
	if a.IsRevision && t.Revises == 0 {
		return t, errors.New("is_revision is set but revises_thought is not: give the number of the thought you revise")
	}
	if t.Revises != 0 && !s.exists(t.Revises) {
		return t, fmt.Errorf("revises_thought %d does not exist; %s", t.Revises, s.existing())
	}
	if t.BranchFrom != 0 && t.Branch == "" {
		return t, errors.New("branch_from_thought needs branch_id, a name for the new branch")
	}
	if t.Branch != "" {
		from, started := s.from[t.Branch]
		switch {
		case t.BranchFrom == 0 && !started:
			return t, fmt.Errorf("branch %q does not exist; start it with branch_from_thought, the thought it branches from", t.Branch)
		case t.BranchFrom == 0:
			t.BranchFrom = from
		case started && t.BranchFrom != from:
			return t, fmt.Errorf("branch %q already starts from thought %d, not %d; give a new branch_id to branch from thought %d", t.Branch, from, t.BranchFrom, t.BranchFrom)
		case !s.exists(t.BranchFrom):
			return t, fmt.Errorf("branch_from_thought %d does not exist; %s", t.BranchFrom, s.existing())
		}
	}
	if t.Number == 0 {
		t.Number = t.BranchFrom + 1
		for _, h := range s.history {
			if h.Branch == t.Branch {
				t.Number = h.Number + 1
			}
		}
	}
	if t.Total == 0 && len(s.history) > 0 {
		t.Total = s.history[len(s.history)-1].Total
	}
	t.Total = max(t.Total, t.Number)
	if t.NeedsMore && t.Total == t.Number {
		t.Total++
	}
	t.NextNeeded = t.Number < t.Total
	if a.NextThoughtNeeded != nil {
		t.NextNeeded = *a.NextThoughtNeeded
	}
	return t, nil
}

func (s *Sequential) exists(n int) bool {
	return slices.ContainsFunc(s.history, func(t Thought) bool { return t.Number == n })
}

func (s *Sequential) existing() string {
	if len(s.history) == 0 {
		return "no thought is recorded yet"
	}
	var nums []int
	for _, t := range s.history {
		nums = append(nums, t.Number)
	}
	slices.Sort(nums)
	var list []string
	for _, n := range slices.Compact(nums) {
		list = append(list, strconv.Itoa(n))
	}
	return "the recorded thoughts are numbered " + strings.Join(list, ", ")
}

// status is the short answer to a recorded thought.
func (s *Sequential) status(t Thought) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Recorded thought %d of %d", t.Number, t.Total)
	if t.Revises != 0 {
		fmt.Fprintf(&sb, ", revising thought %d", t.Revises)
	}
	if t.Branch != "" {
		fmt.Fprintf(&sb, ", on branch %q from thought %d", t.Branch, t.BranchFrom)
	}
	fmt.Fprintf(&sb, ". History: %d thoughts", len(s.history))
	if len(s.branches) > 0 {
		fmt.Fprintf(&sb, "; branches: %s", strings.Join(s.branches, ", "))
	}
	if t.NextNeeded {
		sb.WriteString(". Next thought needed.")
	} else {
		sb.WriteString(". Thinking complete.")
	}
	return sb.String()
}

const sequentialDoc = `Think step by step before acting, one thought per call: analyse the problem, plan, check your reasoning. Number the thoughts and estimate how many you need; revise an earlier thought (is_revision, revises_thought) when you find it wrong, or branch from one (branch_from_thought, branch_id) to explore an alternative. Set next_thought_needed to false when you are done thinking. The tool only records your thoughts and answers with a short status; it changes nothing.`
