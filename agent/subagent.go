package agent

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/tools"
)

// SubmitName is the name of the tool through which a subagent submits its
// answer.
const SubmitName = "submit"

// Subagent is an agent exposed as a tool of another (ACoder's
// subagent-as-a-tool): a call runs the agent on the task in its arguments,
// in a context window of its own with tools of its own, and returns the
// structured answer it submits. Build one with [AsTool].
//
// The subagent's usage counts in the calling run's (and its budget), and
// its events go to the calling run's observer and trajectory, named
// parent/child and carrying the call's id.
type Subagent struct {
	agent Agent
	spec  llm.ToolSpec
}

var (
	_ tools.Tool    = (*Subagent)(nil)
	_ tools.Ordered = (*submitTool)(nil)
)

// AsTool returns sub as a tool named name. The subagent answers by calling
// the submit tool, added to its tools, with a JSON object valid against
// answer, a JSON Schema object; an invalid answer is an error result it
// reads and may fix. A nil answer means {"answer": "<text>"}. The tool's
// result is the submitted object as JSON; a subagent that stops without
// submitting gives an error result saying why. sub is copied: later
// changes to it do not reach the tool.
func AsTool(sub *Agent, name, description string, answer json.RawMessage) (*Subagent, error) {
	if answer == nil {
		answer = json.RawMessage(`{"type":"object","properties":{"answer":{"type":"string","description":"Your answer."}},"required":["answer"],"additionalProperties":false}`)
	}
	var schema jsonschema.Schema
	if err := json.Unmarshal(answer, &schema); err != nil {
		return nil, fmt.Errorf("agent: AsTool(%q): the answer schema is not JSON Schema: %w", name, err)
	}
	resolved, err := schema.Resolve(nil)
	if err != nil {
		return nil, fmt.Errorf("agent: AsTool(%q): invalid answer schema: %w", name, err)
	}
	set := &tools.Set{}
	if sub.Tools != nil {
		if err := set.Add(sub.Tools.Tools()...); err != nil {
			return nil, fmt.Errorf("agent: AsTool(%q): %w", name, err)
		}
	}
	submit := &submitTool{resolved: resolved, spec: llm.ToolSpec{
		Name:        SubmitName,
		Description: "Submit your answer; this ends your work. The answer must match the schema; if it does not, you are told what to fix.",
		Schema:      answer,
	}}
	if err := set.Add(submit); err != nil {
		return nil, fmt.Errorf("agent: AsTool(%q): the subagent already has a tool named %q: %w", name, SubmitName, err)
	}
	s := &Subagent{agent: *sub}
	s.agent.Tools = set
	if s.agent.Name == "" {
		s.agent.Name = name
	}
	s.spec = llm.ToolSpec{
		Name:        name,
		Description: description,
		Schema:      json.RawMessage(`{"type":"object","properties":{"task":{"type":"string","description":"The task for the subagent, with everything it needs to know: it sees nothing else of your conversation."}},"required":["task"],"additionalProperties":false}`),
	}
	return s, nil
}

// Spec describes the tool.
func (s *Subagent) Spec() llm.ToolSpec { return s.spec }

// Run runs the subagent on the task of args.
func (s *Subagent) Run(ctx context.Context, args json.RawMessage) (tools.Result, error) {
	a, err := tools.Decode[struct {
		Task string `json:"task"`
	}](args, nil)
	if err != nil || a.Task == "" {
		return tools.Errorf("%s needs a non-empty \"task\" string argument", s.spec.Name), nil
	}
	run, err := s.agent.Run(ctx, a.Task)
	if ctx.Err() != nil {
		return tools.Result{}, context.Cause(ctx)
	}
	if run.Reason == StopDone {
		return tools.Result{Content: run.Final}, nil
	}
	why := string(run.Reason)
	if err != nil {
		why += ": " + run.Error
	}
	return tools.Errorf("The subagent %s stopped without submitting an answer (%s). Its last words: %q", s.spec.Name, why, run.Final), nil
}

// submitTool validates and accepts a subagent's answer.
type submitTool struct {
	resolved *jsonschema.Resolved
	spec     llm.ToolSpec
}

func (t *submitTool) Spec() llm.ToolSpec { return t.spec }

// OrderKey makes submit run after the other calls of its turn.
func (t *submitTool) OrderKey(json.RawMessage) string { return tools.Exclusive }

func (t *submitTool) Run(_ context.Context, args json.RawMessage) (tools.Result, error) {
	v, err := tools.Decode[map[string]any](args, t.resolved)
	if err != nil {
		return tools.Errorf("The answer was not accepted: %v. Fix it and submit again.", err), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return tools.Errorf("The answer was not accepted: %v.", err), nil
	}
	return tools.Result{Content: string(b), Done: true}, nil
}
