package agent

import (
	"encoding/json"
	"errors"

	"github.com/conclave-dev/conclave/llm"
)

// Trae is a run in the trajectory JSON of trae-agent, so that tools reading
// trae trajectories read ours. Build one with [ToTrae].
type Trae struct {
	Task            string            `json:"task"`
	StartTime       string            `json:"start_time"`
	EndTime         string            `json:"end_time"`
	Provider        string            `json:"provider"`
	Model           string            `json:"model"`
	MaxSteps        int               `json:"max_steps"`
	LLMInteractions []TraeInteraction `json:"llm_interactions"`
	AgentSteps      []TraeStep        `json:"agent_steps"`
	Success         bool              `json:"success"`
	FinalResult     *string           `json:"final_result"`
	ExecutionTime   float64           `json:"execution_time"`
}

// TraeInteraction is one model call: everything sent and the response.
type TraeInteraction struct {
	Timestamp      string        `json:"timestamp"`
	Provider       string        `json:"provider"`
	Model          string        `json:"model"`
	InputMessages  []TraeMessage `json:"input_messages"`
	Response       TraeResponse  `json:"response"`
	ToolsAvailable []string      `json:"tools_available"`
}

// TraeMessage is one message as trae keeps it: text, or one tool call, or
// one tool result.
type TraeMessage struct {
	Role       string          `json:"role"`
	Content    *string         `json:"content,omitempty"`
	ToolCall   *TraeToolCall   `json:"tool_call,omitempty"`
	ToolResult *TraeToolResult `json:"tool_result,omitempty"`
}

// TraeResponse is a model's response.
type TraeResponse struct {
	Content      string         `json:"content"`
	Model        string         `json:"model"`
	FinishReason string         `json:"finish_reason"`
	Usage        *TraeUsage     `json:"usage"`
	ToolCalls    []TraeToolCall `json:"tool_calls"`
}

// TraeUsage counts a response's tokens.
type TraeUsage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
	ReasoningTokens          int `json:"reasoning_tokens"`
}

// TraeToolCall is a tool call; Arguments is the JSON the model wrote.
type TraeToolCall struct {
	CallID    string          `json:"call_id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	ID        *string         `json:"id"`
}

// TraeToolResult is a tool call's result: Result on success, Error on
// failure.
type TraeToolResult struct {
	CallID  string  `json:"call_id"`
	Success bool    `json:"success"`
	Result  *string `json:"result"`
	Error   *string `json:"error"`
	ID      *string `json:"id"`
}

// TraeStep is one step of the agent.
type TraeStep struct {
	StepNumber  int              `json:"step_number"`
	Timestamp   string           `json:"timestamp"`
	State       string           `json:"state"`
	LLMMessages []TraeMessage    `json:"llm_messages"`
	LLMResponse *TraeResponse    `json:"llm_response"`
	ToolCalls   []TraeToolCall   `json:"tool_calls"`
	ToolResults []TraeToolResult `json:"tool_results"`
	Reflection  *string          `json:"reflection"`
	Error       *string          `json:"error"`
}

// traeTime is Python's datetime.isoformat, which trae writes.
const traeTime = "2006-01-02T15:04:05.000000"

// ToTrae converts the events of one run, as [ReadTrajectory] returns them
// or an observer collected them, to trae's trajectory, naming provider as
// the provider. Only the top agent's events are converted: trae has no
// subagents. The input messages of each interaction are rebuilt from the
// messages each request appended and the history after each trim; the
// system prompt comes first as a "system" message, as in trae.
func ToTrae(events []Event, provider string) (*Trae, error) {
	if len(events) == 0 || events[0].Kind != EventStart || events[0].Start == nil {
		return nil, errors.New("agent: ToTrae needs a run's events, starting with its start event")
	}
	top := events[0].Agent
	st := events[0].Start
	out := &Trae{
		Task: st.Task, StartTime: events[0].Time.Format(traeTime), Provider: provider, Model: st.Model,
		MaxSteps: st.Limits.Steps, LLMInteractions: []TraeInteraction{}, AgentSteps: []TraeStep{},
	}
	if out.MaxSteps == 0 {
		out.MaxSteps = DefaultSteps
	}
	var (
		history []llm.Message // what the last request sent, and its response
		trimmed []llm.Message // the history after a trim since then
		step    *TraeStep
	)
	end := events[len(events)-1].Time
	for _, ev := range events {
		if ev.Agent != top {
			continue
		}
		switch ev.Kind {
		case EventTrim:
			if ev.Trim != nil && ev.Trim.History != nil {
				trimmed = ev.Trim.History
			}
		case EventModelCall:
			mc := ev.Model
			if trimmed != nil {
				history, trimmed = append([]llm.Message(nil), trimmed...), nil
			} else {
				history = append(history, mc.Request.Appended...)
			}
			if out.Model == "" {
				out.Model = mc.Request.Model
			}
			resp := traeResponse(mc.Response)
			input := []TraeMessage{traeText("system", st.System)}
			input = append(input, traeMessages(history)...)
			if mc.Response != nil {
				if mc.Response.Model != "" && out.Model == "" {
					out.Model = mc.Response.Model
				}
				out.LLMInteractions = append(out.LLMInteractions, TraeInteraction{
					Timestamp: ev.Time.Format(traeTime), Provider: provider, Model: resp.Model,
					InputMessages: input, Response: *resp, ToolsAvailable: nonNil(mc.Request.Tools),
				})
				history = append(history, mc.Response.Message)
			}
			out.AgentSteps = append(out.AgentSteps, TraeStep{
				StepNumber: ev.Step, Timestamp: ev.Time.Format(traeTime), State: "completed",
				LLMMessages: traeMessages(mc.Request.Appended), ToolCalls: []TraeToolCall{}, ToolResults: []TraeToolResult{},
			})
			step = &out.AgentSteps[len(out.AgentSteps)-1]
			if mc.Response != nil {
				step.LLMResponse = resp
				step.ToolCalls = resp.ToolCalls
			}
			if mc.Error != "" {
				step.State, step.Error = "error", &mc.Error
			}
		case EventToolResult:
			if step != nil && ev.Tool != nil {
				step.ToolResults = append(step.ToolResults, traeResult(ev.Tool.Call.ID, ev.Tool.Content, ev.Tool.IsError))
			}
		case EventStop:
			s := ev.Stop
			out.Success = s.Reason == StopDone
			final := s.Final
			out.FinalResult = &final
			if s.Error != "" && step != nil {
				step.State, step.Error = "error", &s.Error
			}
			end = ev.Time
		}
	}
	out.EndTime = end.Format(traeTime)
	out.ExecutionTime = end.Sub(events[0].Time).Seconds()
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func traeText(role, text string) TraeMessage {
	return TraeMessage{Role: role, Content: &text}
}

// traeMessages splits messages into trae's, one per text, tool call or tool
// result; reasoning is left out.
func traeMessages(msgs []llm.Message) []TraeMessage {
	out := []TraeMessage{}
	for _, m := range msgs {
		for _, p := range m.Parts {
			switch {
			case p.Kind == llm.KindText:
				out = append(out, traeText(string(m.Role), p.Text))
			case p.ToolCall != nil:
				c := traeCall(*p.ToolCall)
				out = append(out, TraeMessage{Role: string(m.Role), ToolCall: &c})
			case p.ToolResult != nil:
				r := traeResult(p.ToolResult.CallID, p.ToolResult.Content, p.ToolResult.IsError)
				out = append(out, TraeMessage{Role: string(m.Role), ToolResult: &r})
			}
		}
	}
	return out
}

func traeCall(c llm.ToolCall) TraeToolCall {
	args := c.Args
	if !json.Valid(args) {
		b, _ := json.Marshal(string(args))
		args = b
	}
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	id := c.ID
	return TraeToolCall{CallID: c.ID, Name: c.Name, Arguments: args, ID: &id}
}

func traeResult(callID, content string, isError bool) TraeToolResult {
	r := TraeToolResult{CallID: callID, Success: !isError}
	if isError {
		r.Error = &content
	} else {
		r.Result = &content
	}
	return r
}

func traeResponse(resp *llm.Response) *TraeResponse {
	if resp == nil {
		return &TraeResponse{ToolCalls: []TraeToolCall{}}
	}
	calls := []TraeToolCall{}
	for _, c := range resp.Message.ToolCalls() {
		calls = append(calls, traeCall(c))
	}
	u := resp.Usage
	return &TraeResponse{
		Content: resp.Message.Text(), Model: resp.Model, FinishReason: string(resp.StopReason),
		Usage: &TraeUsage{
			InputTokens: u.InputTokens + u.CacheReadTokens + u.CacheWriteTokens, OutputTokens: u.OutputTokens,
			CacheCreationInputTokens: u.CacheWriteTokens, CacheReadInputTokens: u.CacheReadTokens, ReasoningTokens: u.ReasoningTokens,
		},
		ToolCalls: calls,
	}
}
