package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/conclave-dev/conclave/llm"
)

// toolDef is a tool declaration as both APIs take it, before each nests or
// flattens it.
type toolDef struct {
	name, description string
	parameters        json.RawMessage
	strict            bool
}

var emptyObject = json.RawMessage(`{"type":"object","properties":{}}`)

// toolDefs converts specs. With strict set, each schema is rewritten in the
// strict dialect; a schema that cannot be is sent as written, with strict
// off for that tool alone.
func toolDefs(specs []llm.ToolSpec, strict bool) ([]toolDef, error) {
	defs := make([]toolDef, 0, len(specs))
	for _, s := range specs {
		if s.Name == "" {
			return nil, errors.New("openai: a tool has no name; every ToolSpec needs one")
		}
		params := s.Schema
		if len(bytes.TrimSpace(params)) == 0 {
			params = emptyObject
		}
		if !json.Valid(params) {
			return nil, fmt.Errorf("openai: tool %q: its schema is not valid JSON; fix ToolSpec.Schema", s.Name)
		}
		d := toolDef{name: s.Name, description: s.Description, parameters: params}
		if strict {
			if p, err := strictSchema(params); err == nil {
				d.parameters, d.strict = p, true
			} else if !errors.Is(err, errNotStrict) {
				return nil, fmt.Errorf("openai: tool %q: %w", s.Name, err)
			}
		}
		defs = append(defs, d)
	}
	return defs, nil
}

// checkToolChoice reports a choice that names no offered tool.
func checkToolChoice(req *llm.Request) error {
	tc := req.ToolChoice
	switch tc.Mode {
	case llm.ToolAuto, llm.ToolNone, llm.ToolRequired:
		return nil
	case llm.ToolNamed:
		for _, t := range req.Tools {
			if t.Name == tc.Name {
				return nil
			}
		}
		return fmt.Errorf("openai: ToolChoice names %q, which is not among the request's Tools", tc.Name)
	}
	return fmt.Errorf("openai: unknown ToolChoice mode %q", tc.Mode)
}

// errorPrefix marks a failed tool run's output: neither API has a field
// for it, and the model must know the run failed.
const errorPrefix = "Error: "

func resultText(r *llm.ToolResult) string {
	if r.IsError {
		return errorPrefix + r.Content
	}
	return r.Content
}

// checkPart reports a part that cannot be sent.
func checkPart(i, j int, role llm.Role, p llm.Part) error {
	where := fmt.Sprintf("openai: message %d part %d", i, j)
	switch p.Kind {
	case llm.KindText, llm.KindReasoning:
		return nil
	case llm.KindToolCall:
		switch {
		case role != llm.RoleAssistant:
			return fmt.Errorf("%s: a tool call in a %s message; tool calls belong to assistant messages", where, role)
		case p.ToolCall == nil || p.ToolCall.ID == "" || p.ToolCall.Name == "":
			return fmt.Errorf("%s: a tool call without ToolCall, ID or Name; send the call as the model returned it", where)
		}
		return nil
	case llm.KindToolResult:
		switch {
		case role != llm.RoleUser:
			return fmt.Errorf("%s: a tool result in a %s message; tool results belong to user messages", where, role)
		case p.ToolResult == nil || p.ToolResult.CallID == "":
			return fmt.Errorf("%s: a tool result without ToolResult or CallID; set CallID to the ID of the call it answers", where)
		}
		return nil
	}
	return fmt.Errorf("%s: unknown kind %q", where, p.Kind)
}

// callID returns a tool call's id, or one made up from the response id and
// the call's position when the server gave none.
func callID(id, respID string, i int) string {
	if id != "" {
		return id
	}
	if respID != "" {
		return fmt.Sprintf("call_%s_%d", respID, i+1)
	}
	return fmt.Sprintf("call_%d", i+1)
}
