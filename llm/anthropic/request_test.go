package anthropic

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
)

var (
	bashTool = llm.ToolSpec{Name: "bash", Description: "Run a command.",
		Schema: json.RawMessage(`{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}`)}
	weatherTool = llm.ToolSpec{Name: "get_weather", Description: "Get the weather.",
		Schema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)}
)

func call(id, name, args string) llm.ToolCall {
	return llm.ToolCall{ID: id, Name: name, Args: json.RawMessage(args)}
}

// followUp is the request after a turn with thinking and two tool calls:
// it carries the assistant turn as it came back, including another
// provider's reasoning, and the user's text before the tool results.
func followUp() *llm.Request {
	return &llm.Request{
		System:          "You are a careful engineer.",
		Tools:           []llm.ToolSpec{bashTool, weatherTool},
		MaxTokens:       16000,
		ReasoningBudget: 4096,
		Messages: []llm.Message{
			llm.UserText("List the files, and the weather in Paris."),
			{Role: llm.RoleAssistant, Parts: []llm.Part{
				reasoning("I need two tools.", "c2lnLTE="),
				{Kind: llm.KindReasoning, Opaque: &llm.Opaque{Provider: "anthropic", Data: json.RawMessage(`{"type": "redacted_thinking", "data": "EmwKAhgB"}`)}},
				{Kind: llm.KindReasoning, Text: "Another model's thoughts.", Opaque: &llm.Opaque{Provider: "openai", Data: json.RawMessage(`{"type":"reasoning","id":"rs_1"}`)}},
				{Kind: llm.KindReasoning, Text: "Thoughts with no provider data."},
				llm.TextPart("Let me look."),
				llm.ToolCallPart("toolu_01", "bash", json.RawMessage(`{"command": "ls"}`)),
				llm.ToolCallPart("toolu_02", "get_weather", json.RawMessage(`{"city":"Paris"}`)),
			}},
			{Role: llm.RoleUser, Parts: []llm.Part{
				llm.TextPart("Here you go."),
				llm.ToolResultPart(call("toolu_01", "bash", ""), "a.py\nb.py", false),
				llm.ToolResultPart(call("toolu_02", "get_weather", ""), "service down", true),
			}},
		},
	}
}

const followUpBody = `{
  "model": "claude-test",
  "max_tokens": 16000,
  "system": [{"type": "text", "text": "You are a careful engineer.", "cache_control": {"type": "ephemeral"}}],
  "messages": [
    {"role": "user", "content": [
      {"type": "text", "text": "List the files, and the weather in Paris.", "cache_control": {"type": "ephemeral"}}]},
    {"role": "assistant", "content": [
      {"type": "thinking", "thinking": "I need two tools.", "signature": "c2lnLTE="},
      {"type": "redacted_thinking", "data": "EmwKAhgB"},
      {"type": "text", "text": "Let me look."},
      {"type": "tool_use", "id": "toolu_01", "name": "bash", "input": {"command": "ls"}},
      {"type": "tool_use", "id": "toolu_02", "name": "get_weather", "input": {"city": "Paris"}}]},
    {"role": "user", "content": [
      {"type": "tool_result", "tool_use_id": "toolu_01", "content": "a.py\nb.py"},
      {"type": "tool_result", "tool_use_id": "toolu_02", "content": "service down", "is_error": true},
      {"type": "text", "text": "Here you go.", "cache_control": {"type": "ephemeral"}}]}
  ],
  "tools": [
    {"name": "bash", "description": "Run a command.",
     "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}},
    {"name": "get_weather", "description": "Get the weather.",
     "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
     "cache_control": {"type": "ephemeral"}}
  ],
  "thinking": {"type": "enabled", "budget_tokens": 4096}
}`

func TestFollowUpRequestBody(t *testing.T) {
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	c := newTestClient(t, srv)

	_, err := c.Generate(t.Context(), followUp())
	require.NoError(t, err, "the fake API, which enforces the API's rules, rejected the request")
	assert.JSONEq(t, followUpBody, string(api.lastRaw()))

	_, err = llm.Collect(c.Stream(t.Context(), followUp()))
	require.NoError(t, err)
	var streamed map[string]any
	require.NoError(t, json.Unmarshal(api.lastRaw(), &streamed))
	assert.Equal(t, true, streamed["stream"])
	delete(streamed, "stream")
	got, _ := json.Marshal(streamed)
	assert.JSONEq(t, followUpBody, string(got), "a streamed request differs only by stream:true")
}

// breakpoints lists where w carries cache_control, and the TTLs used.
func breakpoints(w *wireRequest) (where []string, ttls map[string]bool) {
	ttls = map[string]bool{}
	note := func(cc *cacheControl, at string) {
		if cc != nil {
			where = append(where, at)
			ttls[cc.TTL] = true
		}
	}
	for i, t := range w.Tools {
		note(t.CacheControl, fmt.Sprintf("tools[%d]", i))
	}
	for i, b := range w.System {
		note(b.CacheControl, fmt.Sprintf("system[%d]", i))
	}
	for i, m := range w.Messages {
		for j, b := range m.Content {
			note(b.CacheControl, fmt.Sprintf("messages[%d][%d]", i, j))
		}
	}
	return where, ttls
}

func TestCacheBreakpoints(t *testing.T) {
	c, err := New(WithAPIKey(testKey), WithModel("claude-test"))
	require.NoError(t, err)
	loop := []llm.Message{
		llm.UserText("Fix the bug."),
		{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart("t1", "bash", json.RawMessage(`{"command":"ls"}`))}},
		{Role: llm.RoleUser, Parts: []llm.Part{llm.ToolResultPart(call("t1", "bash", ""), "a.go", false)}},
		{Role: llm.RoleAssistant, Parts: []llm.Part{llm.TextPart("Reading."), llm.ToolCallPart("t2", "bash", json.RawMessage(`{"command":"cat a.go"}`)), llm.ToolCallPart("t3", "bash", json.RawMessage(`{"command":"cat b.go"}`))}},
		{Role: llm.RoleUser, Parts: []llm.Part{llm.ToolResultPart(call("t2", "bash", ""), "package a", false), llm.ToolResultPart(call("t3", "bash", ""), "package b", false)}},
	}
	tests := []struct {
		name  string
		req   llm.Request
		where []string
		ttl   string
	}{
		{"AgentLoop", llm.Request{System: "sys", Tools: []llm.ToolSpec{bashTool, weatherTool}, Messages: loop},
			[]string{"tools[1]", "system[0]", "messages[2][0]", "messages[4][1]"}, ""},
		{"OneMessage", llm.Request{Messages: loop[:1]}, []string{"messages[0][0]"}, ""},
		{"Prefill", llm.Request{System: "sys", Messages: []llm.Message{llm.UserText("Say hi."), llm.AssistantText("Hi")}},
			[]string{"system[0]", "messages[0][0]", "messages[1][0]"}, ""},
		{"ThinkingLast", llm.Request{Messages: []llm.Message{llm.UserText("q"), {Role: llm.RoleAssistant, Parts: []llm.Part{llm.TextPart("a"), reasoning("t", "s")}}}},
			[]string{"messages[0][0]", "messages[1][0]"}, ""},
		{"HourTTL", llm.Request{System: "sys", Messages: loop[:1], Cache: llm.Cache{TTL: time.Hour}},
			[]string{"system[0]", "messages[0][0]"}, "1h"},
		{"ShortTTLIsDefault", llm.Request{System: "sys", Messages: loop[:1], Cache: llm.Cache{TTL: 30 * time.Minute}},
			[]string{"system[0]", "messages[0][0]"}, ""},
		{"Off", llm.Request{System: "sys", Tools: []llm.ToolSpec{bashTool}, Messages: loop, Cache: llm.Cache{Off: true}}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := c.request(&tt.req, false)
			require.NoError(t, err)
			where, ttls := breakpoints(w)
			assert.Equal(t, tt.where, where)
			assert.LessOrEqual(t, len(where), 4)
			if len(where) > 0 {
				assert.Equal(t, map[string]bool{tt.ttl: true}, ttls)
			}
		})
	}
}

func TestThinking(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name      string
		opts      []Option
		req       llm.Request
		maxTokens int
		budget    int // 0: no thinking
		err       string
	}{
		{name: "Off", req: llm.Request{Temperature: f(0.2)}, maxTokens: DefaultMaxTokens},
		{name: "EffortAddsToDefault", req: llm.Request{Reasoning: llm.EffortLow}, maxTokens: DefaultMaxTokens + 2048, budget: 2048},
		{name: "ClientDefault", opts: []Option{WithMaxTokens(1000)}, req: llm.Request{ReasoningBudget: 1024}, maxTokens: 2024, budget: 1024},
		{name: "BudgetOverridesEffort", req: llm.Request{Reasoning: llm.EffortHigh, ReasoningBudget: 3000, MaxTokens: 8000}, maxTokens: 8000, budget: 3000},
		{name: "TemperatureOne", req: llm.Request{ReasoningBudget: 2000, MaxTokens: 8000, Temperature: f(1), TopP: f(0.95)}, maxTokens: 8000, budget: 2000},
		{name: "BudgetTooSmall", req: llm.Request{ReasoningBudget: 500}, err: "below the API's minimum of 1024"},
		{name: "MaxTokensNotAboveBudget", req: llm.Request{ReasoningBudget: 2048, MaxTokens: 2048}, err: "MaxTokens 2048 must exceed the thinking budget"},
		{name: "Interleaved", opts: []Option{WithHeader("anthropic-beta", "interleaved-thinking-2025-05-14")},
			req: llm.Request{ReasoningBudget: 20000, MaxTokens: 8000}, maxTokens: 8000, budget: 20000},
		{name: "Temperature", req: llm.Request{Reasoning: llm.EffortMedium, Temperature: f(0.7)}, err: "only Temperature 1 with thinking"},
		{name: "TopP", req: llm.Request{Reasoning: llm.EffortMedium, TopP: f(0.5)}, err: "TopP only from 0.95 to 1"},
		{name: "ForcedTool", req: llm.Request{Reasoning: llm.EffortMedium, Tools: []llm.ToolSpec{bashTool}, ToolChoice: llm.ToolChoice{Mode: llm.ToolRequired}},
			err: "forced tool choice"},
		{name: "NegativeBudget", req: llm.Request{ReasoningBudget: -1}, err: "negative"},
		{name: "NegativeMaxTokens", req: llm.Request{MaxTokens: -1}, err: "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(append([]Option{WithAPIKey(testKey), WithModel("claude-test")}, tt.opts...)...)
			require.NoError(t, err)
			tt.req.Messages = []llm.Message{llm.UserText("Think.")}
			w, err := c.request(&tt.req, false)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				assert.Contains(t, err.Error(), "anthropic: ")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.maxTokens, w.MaxTokens)
			if tt.budget == 0 {
				assert.Nil(t, w.Thinking)
			} else {
				assert.Equal(t, &thinking{Type: "enabled", BudgetTokens: tt.budget}, w.Thinking)
			}
			assert.Equal(t, tt.req.Temperature, w.Temperature)
			assert.Equal(t, tt.req.TopP, w.TopP)
		})
	}
}

func TestThinkingModeOf(t *testing.T) {
	for model, want := range map[string]thinkingMode{
		"claude-opus-4-7":            adaptiveOnly,
		"claude-opus-4-8-20261101":   adaptiveOnly,
		"claude-sonnet-5":            adaptiveOnly,
		"claude-opus-4-6":            adaptiveThinking,
		"claude-sonnet-4-6":          adaptiveThinking,
		"claude-sonnet-4-7":          adaptiveThinking,
		"claude-sonnet-4-5-20250929": manualThinking,
		"claude-sonnet-4-20250514":   manualThinking, // a date, not minor version 20250514
		"claude-opus-4-1":            manualThinking,
		"claude-3-7-sonnet-20250219": manualThinking,
		"claude-test":                manualThinking,
		"my-gateway-model":           manualThinking,
	} {
		assert.Equal(t, want, thinkingModeOf(model), model)
	}
}

func TestAdaptiveThinking(t *testing.T) {
	tests := []struct {
		name, model string
		opts        []Option
		req         llm.Request
		thinking    *thinking
		effort      string
		err         string
	}{
		{name: "EffortOnOpus47", model: "claude-opus-4-7", req: llm.Request{Reasoning: llm.EffortHigh},
			thinking: &thinking{Type: "adaptive"}, effort: "high"},
		{name: "MinimalIsLow", model: "claude-sonnet-4-6", req: llm.Request{Reasoning: llm.EffortMinimal},
			thinking: &thinking{Type: "adaptive"}, effort: "low"},
		{name: "BudgetOnSonnet46StaysManual", model: "claude-sonnet-4-6", req: llm.Request{ReasoningBudget: 4096},
			thinking: &thinking{Type: "enabled", BudgetTokens: 4096}},
		{name: "BudgetOnOpus47Refused", model: "claude-opus-4-7", req: llm.Request{ReasoningBudget: 4096},
			err: "takes only adaptive thinking, not a ReasoningBudget of 4096 tokens: set Request.Reasoning"},
		{name: "EffortOnOlderModelIsABudget", model: "claude-sonnet-4-5", req: llm.Request{Reasoning: llm.EffortLow},
			thinking: &thinking{Type: "enabled", BudgetTokens: 2048}},
		{name: "OverrideForUnknownId", model: "gateway/claude", opts: []Option{WithAdaptiveThinking(true)}, req: llm.Request{Reasoning: llm.EffortMedium},
			thinking: &thinking{Type: "adaptive"}, effort: "medium"},
		{name: "OverrideToManual", model: "claude-opus-4-6", opts: []Option{WithAdaptiveThinking(false)}, req: llm.Request{Reasoning: llm.EffortMedium},
			thinking: &thinking{Type: "enabled", BudgetTokens: 8192}},
		{name: "NoReasoning", model: "claude-opus-4-7", req: llm.Request{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(append([]Option{WithAPIKey(testKey), WithModel(tt.model)}, tt.opts...)...)
			require.NoError(t, err)
			tt.req.Messages = []llm.Message{llm.UserText("Think.")}
			w, err := c.request(&tt.req, false)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.thinking, w.Thinking)
			if tt.effort == "" {
				assert.Nil(t, w.OutputConfig)
			} else {
				assert.Equal(t, &outputCfg{Effort: tt.effort}, w.OutputConfig)
			}
			body, err := json.Marshal(w)
			require.NoError(t, err)
			if tt.thinking != nil && tt.thinking.Type == "adaptive" {
				assert.Contains(t, string(body), `"thinking":{"type":"adaptive"},"output_config":{"effort":"`+tt.effort+`"}`)
			}
		})
	}
}

func TestToolChoice(t *testing.T) {
	tools := []llm.ToolSpec{bashTool, weatherTool}
	tests := []struct {
		name   string
		tools  []llm.ToolSpec
		choice llm.ToolChoice
		want   *toolChoice
		err    string
	}{
		{"Auto", tools, llm.ToolChoice{}, nil, ""},
		{"None", tools, llm.ToolChoice{Mode: llm.ToolNone}, &toolChoice{Type: "none"}, ""},
		{"Required", tools, llm.ToolChoice{Mode: llm.ToolRequired}, &toolChoice{Type: "any"}, ""},
		{"Named", tools, llm.ToolChoice{Mode: llm.ToolNamed, Name: "get_weather"}, &toolChoice{Type: "tool", Name: "get_weather"}, ""},
		{"NamedUnknown", tools, llm.ToolChoice{Mode: llm.ToolNamed, Name: "rm"}, nil, `names tool "rm"`},
		{"NoneWithoutTools", nil, llm.ToolChoice{Mode: llm.ToolNone}, nil, ""},
		{"RequiredWithoutTools", nil, llm.ToolChoice{Mode: llm.ToolRequired}, nil, "with no tools"},
		{"UnknownMode", tools, llm.ToolChoice{Mode: "sometimes"}, nil, `unknown ToolChoice mode "sometimes"`},
	}
	c, err := New(WithAPIKey(testKey), WithModel("claude-test"))
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := c.request(&llm.Request{Messages: []llm.Message{llm.UserText("q")}, Tools: tt.tools, ToolChoice: tt.choice}, false)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, w.ToolChoice)
		})
	}
}

// TestForeignHistory sends histories another provider may have produced
// and checks that the API would accept them, with nothing lost.
func TestForeignHistory(t *testing.T) {
	tests := []struct {
		name  string
		args  string
		id    string
		input string // the tool_use input sent
		wire  string // the id sent
	}{
		{"Object", `{"a": 1}`, "call_1", `{"a":1}`, "call_1"},
		{"Empty", ``, "call_1", `{}`, "call_1"},
		{"Blank", "  \n", "call_1", `{}`, "call_1"},
		{"Null", `null`, "call_1", `{}`, "call_1"},
		{"Array", `[1, 2]`, "call_1", `{"_raw_arguments":"[1, 2]"}`, "call_1"},
		{"String", `"ls"`, "call_1", `{"_raw_arguments":"\"ls\""}`, "call_1"},
		{"Truncated", `{"command": "ls`, "call_1", `{"_raw_arguments":"{\"command\": \"ls"}`, "call_1"},
		{"DottedID", `{}`, "functions.get_weather:0", `{}`, "functions_get_weather_0"},
	}
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	c := newTestClient(t, srv)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := call(tt.id, "bash", tt.args)
			_, err := c.Generate(t.Context(), &llm.Request{Messages: []llm.Message{
				llm.UserText("Run it."),
				{Role: llm.RoleAssistant, Parts: []llm.Part{{Kind: llm.KindToolCall, ToolCall: &tc}}},
				{Role: llm.RoleUser, Parts: []llm.Part{llm.ToolResultPart(tc, "error: bad arguments", true)}},
			}})
			require.NoError(t, err, "the fake API rejected the request")
			body, _ := api.last(t)
			msgs := body["messages"].([]any)
			use := msgs[1].(map[string]any)["content"].([]any)[0].(map[string]any)
			input, _ := json.Marshal(use["input"])
			assert.JSONEq(t, tt.input, string(input))
			assert.Equal(t, tt.wire, use["id"])
			result := msgs[2].(map[string]any)["content"].([]any)[0].(map[string]any)
			assert.Equal(t, tt.wire, result["tool_use_id"])
		})
	}
}

func TestMessagesMergedAndDropped(t *testing.T) {
	c, err := New(WithAPIKey(testKey), WithModel("claude-test"))
	require.NoError(t, err)
	w, err := c.request(&llm.Request{Cache: llm.Cache{Off: true}, Messages: []llm.Message{
		llm.UserText("first"),
		{Role: llm.RoleAssistant, Parts: []llm.Part{{Kind: llm.KindReasoning, Text: "gemini thoughts", Opaque: &llm.Opaque{Provider: "gemini", Signature: "x"}}, llm.TextPart(" ")}},
		llm.UserText("second"),
	}}, false)
	require.NoError(t, err)
	body, err := json.Marshal(w.Messages)
	require.NoError(t, err)
	assert.JSONEq(t, `[{"role":"user","content":[{"type":"text","text":"first"},{"type":"text","text":"second"}]}]`, string(body))
}

func TestRequestErrors(t *testing.T) {
	tc := call("t1", "bash", `{}`)
	user := func(parts ...llm.Part) llm.Message { return llm.Message{Role: llm.RoleUser, Parts: parts} }
	assistant := func(parts ...llm.Part) llm.Message { return llm.Message{Role: llm.RoleAssistant, Parts: parts} }
	tests := []struct {
		name string
		req  llm.Request
		err  string
	}{
		{"NoMessages", llm.Request{}, "no message with content"},
		{"OnlyBlank", llm.Request{Messages: []llm.Message{llm.UserText("  ")}}, "no message with content"},
		{"UnknownRole", llm.Request{Messages: []llm.Message{{Role: "system", Parts: []llm.Part{llm.TextPart("x")}}}}, `message 0: unknown role "system"`},
		{"CallInUserMessage", llm.Request{Messages: []llm.Message{user(llm.Part{Kind: llm.KindToolCall, ToolCall: &tc})}}, "message 0 (user) part 0: a tool call belongs in an assistant message"},
		{"ResultInAssistantMessage", llm.Request{Messages: []llm.Message{assistant(llm.ToolResultPart(tc, "x", false))}}, "a tool result belongs in a user message"},
		{"CallWithoutID", llm.Request{Messages: []llm.Message{assistant(llm.ToolCallPart("", "bash", nil))}}, `tool call "bash" has no id`},
		{"ResultWithoutID", llm.Request{Messages: []llm.Message{user(llm.ToolResultPart(llm.ToolCall{Name: "bash"}, "x", false))}}, `result of tool "bash" has no call id`},
		{"NilCall", llm.Request{Messages: []llm.Message{assistant(llm.Part{Kind: llm.KindToolCall})}}, "without a ToolCall"},
		{"NilResult", llm.Request{Messages: []llm.Message{user(llm.Part{Kind: llm.KindToolResult})}}, "without a ToolResult"},
		{"UnknownKind", llm.Request{Messages: []llm.Message{user(llm.Part{Kind: "image"})}}, `unknown part kind "image"`},
		{"ReasoningInUserMessage", llm.Request{Messages: []llm.Message{user(reasoning("t", "s"))}}, "reasoning belongs in an assistant message"},
		{"BadRedactedData", llm.Request{Messages: []llm.Message{assistant(llm.Part{Kind: llm.KindReasoning, Opaque: &llm.Opaque{Provider: "anthropic", Data: json.RawMessage(`[1]`)}})}},
			"not an Anthropic content block"},
		{"ToolWithoutName", llm.Request{Messages: []llm.Message{llm.UserText("q")}, Tools: []llm.ToolSpec{{}}}, "tool 0 has no name"},
		{"BadSchema", llm.Request{Messages: []llm.Message{llm.UserText("q")}, Tools: []llm.ToolSpec{{Name: "x", Schema: json.RawMessage(`{`)}}}, `tool "x": Schema is not valid JSON`},
	}
	c, err := New(WithAPIKey(testKey), WithModel("claude-test"))
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.request(&tt.req, false)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
			assert.Contains(t, err.Error(), "anthropic: ")
		})
	}
}

func TestToolWithoutSchema(t *testing.T) {
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	_, err := newTestClient(t, srv).Generate(t.Context(), &llm.Request{
		Messages: []llm.Message{llm.UserText("q")},
		Tools:    []llm.ToolSpec{{Name: "task_done", Description: "Finish."}},
	})
	require.NoError(t, err)
	body, _ := api.last(t)
	assert.Equal(t, map[string]any{"type": "object"}, body["tools"].([]any)[0].(map[string]any)["input_schema"])
}

func TestSamplingPassedThrough(t *testing.T) {
	srv, rec := fixtureServer(t, "text")
	temp, topP := 0.2, 0.9
	_, err := newTestClient(t, srv).Generate(t.Context(), &llm.Request{
		Messages: []llm.Message{llm.UserText("q")}, Temperature: &temp, TopP: &topP, Stop: []string{"END"}, MaxTokens: 77,
	})
	require.NoError(t, err)
	body, h := rec.last(t)
	assert.Equal(t, 0.2, body["temperature"])
	assert.Equal(t, 0.9, body["top_p"])
	assert.Equal(t, []any{"END"}, body["stop_sequences"])
	assert.Equal(t, 77.0, body["max_tokens"])
	assert.NotContains(t, body, "stream")
	assert.Equal(t, "application/json", h.Get("Content-Type"))
}
