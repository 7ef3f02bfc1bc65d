package judge

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/tools"
)

// submit is the tool through which the judge answers. Its schema is the
// question's: the candidates' IDs and the criteria are in it. An answer
// that does not fit (a candidate left out or voted on twice, an unknown
// ID, a missing reason) is an error result saying what to fix; the first
// that fits ends the run.
type submit struct {
	q        question
	spec     llm.ToolSpec
	resolved *jsonschema.Resolved

	mu  sync.Mutex
	got *submitted
}

// submitted is an accepted answer: answer for approval and choice
// questions, verdict for verification.
type submitted struct {
	answer  selector.Answer
	verdict selector.Verdict
}

var _ tools.Ordered = (*submit)(nil)

type ballot struct {
	Candidate string            `json:"candidate"`
	Vote      int               `json:"vote"`
	Reason    string            `json:"reason"`
	Criteria  map[string]string `json:"criteria,omitempty"`
}

type approvalArgs struct {
	Votes  []ballot `json:"votes"`
	Reason string   `json:"reason,omitempty"`
}

type choiceArgs struct {
	Choice string `json:"choice"`
	Reason string `json:"reason"`
}

type verificationArgs struct {
	Confirmed bool   `json:"confirmed"`
	Reason    string `json:"reason"`
}

func newSubmit(q question) *submit {
	idList := make([]any, len(q.candidates))
	for i, c := range q.candidates {
		idList[i] = c.ID
	}
	reason := func(desc string) *jsonschema.Schema {
		one := 1
		return &jsonschema.Schema{Type: "string", MinLength: &one, Description: desc}
	}
	var s *jsonschema.Schema
	var desc string
	switch q.kind {
	case kindApproval:
		item := &jsonschema.Schema{
			Type: "object",
			Properties: map[string]*jsonschema.Schema{
				"candidate": {Type: "string", Enum: idList, Description: "The candidate's ID."},
				"vote":      {Type: "integer", Enum: []any{0, 1}, Description: "1 to accept the candidate, 0 to reject it."},
				"reason":    reason("Why this vote, in a few sentences."),
			},
			Required:             []string{"candidate", "vote", "reason"},
			AdditionalProperties: &jsonschema.Schema{Not: &jsonschema.Schema{}},
		}
		if len(q.criteria) > 0 {
			crit := &jsonschema.Schema{Type: "object", Properties: map[string]*jsonschema.Schema{},
				AdditionalProperties: &jsonschema.Schema{Not: &jsonschema.Schema{}}, Description: "What you found on each criterion."}
			for _, c := range q.criteria {
				crit.Properties[c.Name] = reason(c.Question)
				crit.Required = append(crit.Required, c.Name)
			}
			item.Properties["criteria"] = crit
			item.Required = append(item.Required, "criteria")
		}
		s = &jsonschema.Schema{
			Type: "object",
			Properties: map[string]*jsonschema.Schema{
				"votes":  {Type: "array", Items: item, Description: "One vote for every candidate: " + ids(q.candidates) + "."},
				"reason": {Type: "string", Description: "What decided your votes overall, if anything beyond each vote's reason."},
			},
			Required: []string{"votes"},
		}
		desc = "Submit your votes, one for every candidate, each with its reason and criteria. This ends your work; a vote left out or an unknown candidate is refused and you may fix it."
	case kindChoice:
		s = &jsonschema.Schema{
			Type: "object",
			Properties: map[string]*jsonschema.Schema{
				"choice": {Type: "string", Enum: idList, Description: "The ID of the candidate you pick."},
				"reason": reason("Why it is the best of the candidates."),
			},
			Required: []string{"choice", "reason"},
		}
		desc = "Submit the one candidate you pick, with why. This ends your work."
	case kindVerification:
		s = &jsonschema.Schema{
			Type: "object",
			Properties: map[string]*jsonschema.Schema{
				"confirmed": {Type: "boolean", Description: "true to confirm the candidate as the fix, false to reject it."},
				"reason":    reason("Why you confirm or reject it."),
			},
			Required: []string{"confirmed", "reason"},
		}
		desc = "Submit your verdict on the candidate, with why. This ends your work."
	}
	s.AdditionalProperties = &jsonschema.Schema{Not: &jsonschema.Schema{}}
	raw, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("judge: submit schema: %v", err)) // a bug: the schema is built from known parts
	}
	resolved, err := s.Resolve(nil)
	if err != nil {
		panic(fmt.Sprintf("judge: submit schema: %v", err))
	}
	return &submit{q: q, resolved: resolved, spec: llm.ToolSpec{Name: agent.SubmitName, Description: desc, Schema: raw}}
}

func (s *submit) Spec() llm.ToolSpec { return s.spec }

// OrderKey makes submit run after the other calls of its turn.
func (s *submit) OrderKey(json.RawMessage) string { return tools.Exclusive }

func (s *submit) Run(_ context.Context, args json.RawMessage) (tools.Result, error) {
	got, problem := s.accept(args)
	if problem != "" {
		return tools.Errorf("Your answer was not accepted: %s. Fix it and submit again.", problem), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.got == nil {
		s.got = got
	}
	return tools.Result{Content: "Answer recorded.", Done: true}, nil
}

// result returns the accepted answer, nil if none was.
func (s *submit) result() *submitted {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got
}

// accept reads args as an answer to the question, or says what is wrong.
func (s *submit) accept(args json.RawMessage) (*submitted, string) {
	switch s.q.kind {
	case kindApproval:
		a, err := tools.Decode[approvalArgs](args, s.resolved)
		if err != nil {
			return nil, err.Error()
		}
		return s.approval(a)
	case kindChoice:
		a, err := tools.Decode[choiceArgs](args, s.resolved)
		if err != nil {
			return nil, err.Error()
		}
		if !s.known(a.Choice) {
			return nil, fmt.Sprintf("%q is not a candidate; the candidates are %s", a.Choice, ids(s.q.candidates))
		}
		return &submitted{answer: selector.Answer{Choice: a.Choice, Reason: a.Reason}}, ""
	default:
		a, err := tools.Decode[verificationArgs](args, s.resolved)
		if err != nil {
			return nil, err.Error()
		}
		return &submitted{verdict: selector.Verdict{Candidate: s.q.candidates[0].ID, Confirmed: a.Confirmed, Reason: a.Reason}}, ""
	}
}

func (s *submit) approval(a approvalArgs) (*submitted, string) {
	ans := selector.Answer{Approve: map[string]bool{}, Reasons: map[string]string{}, Reason: a.Reason}
	var unknown, twice, missing []string
	for _, v := range a.Votes {
		switch _, dup := ans.Approve[v.Candidate]; {
		case !s.known(v.Candidate):
			unknown = append(unknown, fmt.Sprintf("%q", v.Candidate))
		case dup:
			twice = append(twice, v.Candidate)
		default:
			ans.Approve[v.Candidate] = v.Vote == 1
			ans.Reasons[v.Candidate] = v.Reason
			if v.Criteria != nil {
				if ans.Criteria == nil {
					ans.Criteria = map[string]map[string]string{}
				}
				ans.Criteria[v.Candidate] = maps.Clone(v.Criteria)
			}
		}
	}
	for _, c := range s.q.candidates {
		if _, ok := ans.Approve[c.ID]; !ok {
			missing = append(missing, c.ID)
		}
	}
	var problems []string
	if missing != nil {
		problems = append(problems, "there is no vote for "+strings.Join(missing, ", "))
	}
	if unknown != nil {
		problems = append(problems, strings.Join(unknown, ", ")+" is not a candidate")
	}
	if twice != nil {
		problems = append(problems, strings.Join(twice, ", ")+" has more than one vote")
	}
	if problems != nil {
		return nil, strings.Join(problems, "; ") + " (give exactly one vote to each of " + ids(s.q.candidates) + ")"
	}
	return &submitted{answer: ans}, ""
}

func (s *submit) known(id string) bool {
	for _, c := range s.q.candidates {
		if c.ID == id {
			return true
		}
	}
	return false
}
