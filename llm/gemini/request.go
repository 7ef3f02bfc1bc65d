package gemini

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/conclave-dev/conclave/llm"
)

// provider names this package in llm.Opaque and llm.APIError.
const provider = "gemini"

// syntheticIDPrefix starts the ids this package gives function calls that
// Gemini returned without one. Such ids are never sent back: Gemini matches
// those calls to their responses by name and order.
const syntheticIDPrefix = "gemini-call-"

// encodeRequest builds the body of a generateContent request.
func encodeRequest(req *llm.Request) (*generateRequest, error) {
	contents, err := encodeMessages(req.Messages)
	if err != nil {
		return nil, err
	}
	if len(contents) == 0 {
		return nil, errors.New("gemini: the request has no message to send; add a user message")
	}
	body := &generateRequest{Contents: contents}
	if req.System != "" {
		body.SystemInstruction = &content{Parts: []part{{Text: &req.System}}}
	}
	if err := encodeTools(req, body); err != nil {
		return nil, err
	}
	body.GenerationConfig = encodeConfig(req)
	return body, nil
}

func encodeConfig(req *llm.Request) *generationConfig {
	gc := generationConfig{
		MaxOutputTokens: req.MaxTokens,
		Temperature:     req.Temperature,
		TopP:            req.TopP,
		StopSequences:   req.Stop,
	}
	budget := req.ReasoningBudget
	if budget == 0 {
		budget = req.Reasoning.BudgetTokens()
	}
	if budget < 0 {
		budget = -1 // Gemini's dynamic budget
	}
	if budget != 0 {
		gc.ThinkingConfig = &thinkingConfig{ThinkingBudget: budget, IncludeThoughts: true}
	}
	if gc.MaxOutputTokens == 0 && gc.Temperature == nil && gc.TopP == nil && len(gc.StopSequences) == 0 && gc.ThinkingConfig == nil {
		return nil
	}
	return &gc
}

func encodeTools(req *llm.Request, body *generateRequest) error {
	if len(req.Tools) == 0 {
		if req.ToolChoice.Mode == llm.ToolRequired || req.ToolChoice.Mode == llm.ToolNamed {
			return fmt.Errorf("gemini: ToolChoice %q needs tools, but the request has none", req.ToolChoice.Mode)
		}
		return nil
	}
	decls := make([]functionDeclaration, len(req.Tools))
	for i, t := range req.Tools {
		if t.Name == "" {
			return fmt.Errorf("gemini: tool %d has no name", i)
		}
		params, err := parameters(t.Name, t.Schema)
		if err != nil {
			return err
		}
		decls[i] = functionDeclaration{Name: t.Name, Description: t.Description, ParametersJSONSchema: params}
	}
	body.Tools = []tool{{FunctionDeclarations: decls}}

	var fc functionCallingConfig
	switch req.ToolChoice.Mode {
	case llm.ToolAuto:
		return nil
	case llm.ToolNone:
		fc.Mode = "NONE"
	case llm.ToolRequired:
		fc.Mode = "ANY"
	case llm.ToolNamed:
		if !offers(req.Tools, req.ToolChoice.Name) {
			return fmt.Errorf("gemini: ToolChoice names tool %q, which is not among the request's tools", req.ToolChoice.Name)
		}
		fc.Mode = "ANY"
		fc.AllowedFunctionNames = []string{req.ToolChoice.Name}
	default:
		return fmt.Errorf("gemini: unknown ToolChoice mode %q", req.ToolChoice.Mode)
	}
	body.ToolConfig = &toolConfig{FunctionCallingConfig: fc}
	return nil
}

func offers(tools []llm.ToolSpec, name string) bool {
	for _, t := range tools {
		if t.Name == name {
			return true
		}
	}
	return false
}

// encodeMessages converts the conversation to contents. A message left
// without parts (an assistant turn that held only another provider's
// reasoning, or an empty refusal) is skipped, since Gemini rejects empty
// contents, and consecutive user messages become one content.
func encodeMessages(msgs []llm.Message) ([]content, error) {
	var (
		contents  []content
		prevCalls []llm.ToolCall // the calls of the latest assistant message
	)
	for i, m := range msgs {
		var (
			parts []part
			err   error
		)
		switch m.Role {
		case llm.RoleUser:
			parts, err = encodeUser(m, prevCalls)
		case llm.RoleAssistant:
			parts, err = encodeAssistant(m)
			prevCalls = m.ToolCalls()
		default:
			err = fmt.Errorf("unknown role %q", m.Role)
		}
		if err != nil {
			return nil, fmt.Errorf("gemini: message %d: %w", i, err)
		}
		if len(parts) == 0 {
			continue
		}
		role := "user"
		if m.Role == llm.RoleAssistant {
			role = "model"
		}
		if n := len(contents); n > 0 && role == "user" && contents[n-1].Role == "user" {
			// One user turn, as Gemini expects turns to alternate: tool
			// results followed by a separate text message join up.
			contents[n-1].Parts = append(contents[n-1].Parts, parts...)
			continue
		}
		contents = append(contents, content{Role: role, Parts: parts})
	}
	return contents, nil
}

// encodeAssistant echoes a model turn. Parts keep the Gemini
// thoughtSignature they came with; other providers' opaque data is dropped,
// and so is reasoning that carries no Gemini signature, which the model
// does not read back.
func encodeAssistant(m llm.Message) ([]part, error) {
	var parts []part
	for j, p := range m.Parts {
		sig := signature(p)
		switch p.Kind {
		case llm.KindText:
			if p.Text == "" && sig == "" {
				continue
			}
			parts = append(parts, part{Text: &p.Text, ThoughtSignature: sig})
		case llm.KindReasoning:
			if sig == "" {
				continue
			}
			parts = append(parts, part{Text: &p.Text, Thought: true, ThoughtSignature: sig})
		case llm.KindToolCall:
			if p.ToolCall == nil {
				return nil, fmt.Errorf("part %d: tool call part without a ToolCall", j)
			}
			args, err := callArgs(p.ToolCall)
			if err != nil {
				return nil, fmt.Errorf("part %d: %w", j, err)
			}
			fc := &functionCall{ID: wireID(p.ToolCall.ID), Name: p.ToolCall.Name, Args: args}
			parts = append(parts, part{FunctionCall: fc, ThoughtSignature: sig})
		case llm.KindToolResult:
			return nil, fmt.Errorf("part %d: a tool result belongs in a user message", j)
		default:
			return nil, fmt.Errorf("part %d: unknown kind %q", j, p.Kind)
		}
	}
	return parts, nil
}

// encodeUser converts a user message. Its tool results come first, as
// functionResponse parts in the order of the calls they answer in the
// previous assistant message (Gemini pairs calls without ids with their
// responses by order), then its text.
func encodeUser(m llm.Message, prevCalls []llm.ToolCall) ([]part, error) {
	var results, texts []part
	position := make(map[string]int, len(prevCalls))
	for i, c := range prevCalls {
		position[c.ID] = i
	}
	var order []int
	for j, p := range m.Parts {
		switch p.Kind {
		case llm.KindText:
			if p.Text != "" {
				texts = append(texts, part{Text: &p.Text})
			}
		case llm.KindReasoning:
		case llm.KindToolResult:
			r := p.ToolResult
			if r == nil {
				return nil, fmt.Errorf("part %d: tool result part without a ToolResult", j)
			}
			pos, known := position[r.CallID]
			name := r.Name
			if name == "" && known {
				name = prevCalls[pos].Name
			}
			if name == "" {
				return nil, fmt.Errorf("part %d: the result for call %q has no tool name and answers no call of the previous assistant message; set ToolResult.Name", j, r.CallID)
			}
			if !known {
				pos = len(prevCalls) + len(results)
			}
			key := "output"
			if r.IsError {
				key = "error"
			}
			results = append(results, part{FunctionResponse: &functionResponse{
				ID:       wireID(r.CallID),
				Name:     name,
				Response: map[string]any{key: r.Content},
			}})
			order = append(order, pos)
		case llm.KindToolCall:
			return nil, fmt.Errorf("part %d: a tool call belongs in an assistant message", j)
		default:
			return nil, fmt.Errorf("part %d: unknown kind %q", j, p.Kind)
		}
	}
	sortByPosition(results, order)
	return append(results, texts...), nil
}

// sortByPosition orders parts by their call positions, stably (an
// insertion sort: a message answers a handful of calls).
func sortByPosition(parts []part, pos []int) {
	for i := 1; i < len(parts); i++ {
		for j := i; j > 0 && pos[j] < pos[j-1]; j-- {
			parts[j], parts[j-1] = parts[j-1], parts[j]
			pos[j], pos[j-1] = pos[j-1], pos[j]
		}
	}
}

// callArgs returns a call's arguments as the JSON object Gemini requires.
func callArgs(c *llm.ToolCall) (json.RawMessage, error) {
	args := bytes.TrimSpace(c.Args)
	if len(args) == 0 || string(args) == "null" {
		return json.RawMessage("{}"), nil
	}
	var obj map[string]json.RawMessage
	if args[0] != '{' || json.Unmarshal(args, &obj) != nil {
		return nil, fmt.Errorf("the arguments of tool call %q (%s) are not a JSON object, which Gemini requires", c.ID, snippet(args))
	}
	return args, nil
}

// wireID returns the id to send for a call: its own, unless this package
// made it up.
func wireID(id string) string {
	if strings.HasPrefix(id, syntheticIDPrefix) {
		return ""
	}
	return id
}

// signature returns the Gemini thoughtSignature a part carries, if any.
func signature(p llm.Part) string {
	if p.Opaque != nil && p.Opaque.Provider == provider {
		return p.Opaque.Signature
	}
	return ""
}

func snippet(b []byte) string {
	const max = 80
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
