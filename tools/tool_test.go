package tools_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/toolstest"
)

type greetArgs struct {
	Name  string `json:"name" jsonschema:"who to greet"`
	Times int    `json:"times,omitempty"`
	Tone  string `json:"tone,omitempty"`
}

func (greetArgs) RefineSchema(s *jsonschema.Schema) {
	s.Properties["tone"].Enum = []any{"warm", "dry"}
	s.Properties["times"].Minimum = ptr(1.0)
}

func ptr[T any](v T) *T { return &v }

func greet() *tools.Func[greetArgs] {
	return tools.NewFunc("greet", "Greets someone.", func(ctx context.Context, a greetArgs) (tools.Result, error) {
		n := max(a.Times, 1)
		out := ""
		for range n {
			out += "hello " + a.Name + a.Tone + "\n"
		}
		return tools.Result{Content: out}, nil
	})
}

func TestFuncSchema(t *testing.T) {
	var s map[string]any
	require.NoError(t, json.Unmarshal(greet().Spec().Schema, &s))
	assert.Equal(t, []any{"name"}, s["required"], "only fields without omitempty are required")
	assert.Equal(t, false, s["additionalProperties"])
	props := s["properties"].(map[string]any)
	assert.Equal(t, "who to greet", props["name"].(map[string]any)["description"])
	assert.Equal(t, []any{"warm", "dry"}, props["tone"].(map[string]any)["enum"], "RefineSchema applied")
}

func TestFuncDecode(t *testing.T) {
	tests := []struct {
		args, want string
		isError    bool
	}{
		{`{"name":"Ada"}`, "hello Ada\n", false},
		{`{"name":"Ada","times":2}`, "hello Ada\nhello Ada\n", false},
		{`{"name":"Ada","times":null,"tone":null}`, "hello Ada\n", false},
		{`{}`, `"name"`, true},
		{``, `"name"`, true},
		{`{"name":5}`, "name", true},
		{`{"name":"Ada","tone":"loud"}`, "tone", true},
		{`{"name":"Ada","times":0}`, "times", true},
		{`{"name":"Ada","extra":1}`, "extra", true},
		{`{"name":`, "not valid JSON", true},
		{`["Ada"]`, "must be a JSON object, not an array", true},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			res, err := greet().Run(t.Context(), json.RawMessage(tt.args))
			require.NoError(t, err)
			assert.Equal(t, tt.isError, res.IsError, res.Content)
			assert.Contains(t, res.Content, tt.want)
		})
	}
}

func TestFuncConformance(t *testing.T) {
	toolstest.TestTool(t, greet(), json.RawMessage(`{"name":"Ada"}`))
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"name":"Ada","times":3}`))
	f.Add([]byte(`{"name":null}`))
	f.Add([]byte(`[{"a":[null]}]`))
	tool := greet()
	f.Fuzz(func(t *testing.T, args []byte) {
		res, err := tool.Run(context.Background(), args)
		require.NoError(t, err)
		if !res.IsError {
			var obj map[string]any
			require.NoError(t, json.Unmarshal(args, &obj), "accepted arguments are a JSON object")
			assert.IsType(t, "", obj["name"], "the required property is present")
		}
	})
}

func TestSet(t *testing.T) {
	var s tools.Set // the zero value is usable
	require.NoError(t, s.Add(greet()))
	err := s.Add(greet())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `two tools are named "greet"`)

	_, err = tools.NewSet(greet(), greet())
	assert.Error(t, err, "duplicates within one call are refused too")

	res, err := s.Run(t.Context(), llm.ToolCall{Name: "nope"})
	require.NoError(t, err)
	assert.True(t, res.IsError)
	assert.Contains(t, res.Content, "the tools are: greet")

	res, err = s.Run(t.Context(), llm.ToolCall{Name: "greet", Args: json.RawMessage(`{"name":"Bo"}`)})
	require.NoError(t, err)
	assert.Equal(t, "hello Bo\n", res.Content)
	assert.Equal(t, []string{"greet"}, s.Names())
	assert.Len(t, s.Specs(), 1)
}

type panicky struct{}

func (panicky) Spec() llm.ToolSpec { return llm.ToolSpec{Name: "panicky"} }
func (panicky) Run(context.Context, json.RawMessage) (tools.Result, error) {
	panic("index out of range")
}

type closer struct {
	panicky
	name   string
	closed *[]string
}

func (c closer) Spec() llm.ToolSpec { return llm.ToolSpec{Name: c.name} }
func (c closer) Close() error       { *c.closed = append(*c.closed, c.name); return nil }

func TestSetRecoversPanics(t *testing.T) {
	s, err := tools.NewSet(panicky{})
	require.NoError(t, err)
	res, err := s.Run(t.Context(), llm.ToolCall{Name: "panicky"})
	require.NoError(t, err)
	assert.True(t, res.IsError)
	assert.Contains(t, res.Content, "index out of range")
}

func TestSetCloseReverseOrder(t *testing.T) {
	var closed []string
	s, err := tools.NewSet(closer{name: "a", closed: &closed}, greet(), closer{name: "b", closed: &closed})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.Equal(t, []string{"b", "a"}, closed)
}

func TestDecodeKeepsNumbersExact(t *testing.T) {
	m, err := tools.Decode[map[string]any](json.RawMessage(`{"id": 9007199254740993, "ratio": 0.1, "gone": null}`), nil)
	require.NoError(t, err)
	assert.Equal(t, json.Number("9007199254740993"), m["id"], "beyond float64's exact integers")
	assert.Equal(t, json.Number("0.1"), m["ratio"])
	assert.NotContains(t, m, "gone")

	_, err = tools.Decode[map[string]any](json.RawMessage(`{"a":1} {"b":2}`), nil)
	assert.ErrorContains(t, err, "more than one JSON value")
}
