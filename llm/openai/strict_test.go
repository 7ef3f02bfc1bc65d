package openai

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/tools"
)

func TestStrictSchema(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{
			name: "optional scalars become nullable, order kept",
			in:   `{"type":"object","properties":{"z":{"type":"string","description":"Z."},"a":{"type":"integer","minimum":1},"m":{"type":["string","number"]}},"required":["a"]}`,
			want: `{"type":"object","properties":{"z":{"type":["string","null"],"description":"Z."},"a":{"type":"integer","minimum":1},"m":{"type":["string","number","null"]}},
				"required":["z","a","m"],"additionalProperties":false}`,
		},
		{
			name: "nested objects are closed at every level",
			in: `{"type":"object","properties":{
				"opts":{"type":"object","properties":{"depth":{"type":"integer"},"inner":{"type":"object","properties":{"x":{"type":"boolean"}},"required":["x"]}},"required":["inner"]},
				"extra":{"type":"object","description":"Optional.","properties":{"k":{"type":"string"}},"required":["k"]}},"required":["opts"]}`,
			want: `{"type":"object","properties":{
				"opts":{"type":"object","properties":{"depth":{"type":["integer","null"]},
					"inner":{"type":"object","properties":{"x":{"type":"boolean"}},"required":["x"],"additionalProperties":false}},
					"required":["depth","inner"],"additionalProperties":false},
				"extra":{"description":"Optional.","anyOf":[{"type":"object","properties":{"k":{"type":"string"}},"required":["k"],"additionalProperties":false},{"type":"null"}]}},
				"required":["opts","extra"],"additionalProperties":false}`,
		},
		{
			name: "arrays of objects",
			in: `{"type":"object","properties":{
				"edits":{"type":"array","description":"Edits.","minItems":1,"items":{"type":"object","properties":{"old":{"type":"string"},"new":{"type":"string"}},"required":["old"]}},
				"tags":{"type":"array","items":{"type":"string"},"uniqueItems":true}},"required":["edits"]}`,
			want: `{"type":"object","properties":{
				"edits":{"type":"array","description":"Edits.","minItems":1,"items":{"type":"object","properties":{"old":{"type":"string"},"new":{"type":["string","null"]}},"required":["old","new"],"additionalProperties":false}},
				"tags":{"anyOf":[{"type":"array","items":{"type":"string"}},{"type":"null"}]}},
				"required":["edits","tags"],"additionalProperties":false}`,
		},
		{
			name: "a nullable slice as jsonschema-go writes it is split by kind",
			in:   `{"type":"object","properties":{"view_range":{"type":["null","array"],"description":"Lines.","items":{"type":"integer"}}},"additionalProperties":false}`,
			want: `{"type":"object","properties":{"view_range":{"description":"Lines.","anyOf":[{"type":"array","items":{"type":"integer"}},{"type":"null"}]}},
				"required":["view_range"],"additionalProperties":false}`,
		},
		{
			name: "enums and const",
			in: `{"type":"object","properties":{"unit":{"type":"string","enum":["c","f"]},"mode":{"type":"string","enum":["a","b"]},
				"kind":{"const":"fixed"},"maybe":{"enum":["x",null]}},"required":["mode"]}`,
			want: `{"type":"object","properties":{"unit":{"anyOf":[{"type":"string","enum":["c","f"]},{"type":"null"}]},"mode":{"type":"string","enum":["a","b"]},
				"kind":{"anyOf":[{"enum":["fixed"]},{"type":"null"}]},"maybe":{"enum":["x",null]}},
				"required":["unit","mode","kind","maybe"],"additionalProperties":false}`,
		},
		{
			name: "unsupported value constraints and annotations are dropped",
			in: `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","title":"Args","properties":{
				"url":{"type":"string","format":"uri","minLength":1,"maxLength":100,"default":"x","examples":["y"]},
				"at":{"type":"string","format":"date-time","pattern":"^2"},
				"n":{"type":"number","exclusiveMinimum":0,"multipleOf":0.5,"readOnly":true}},
				"required":["url","at","n"],"minProperties":1}`,
			want: `{"type":"object","title":"Args","properties":{
				"url":{"type":"string"},"at":{"type":"string","format":"date-time","pattern":"^2"},"n":{"type":"number","exclusiveMinimum":0,"multipleOf":0.5}},
				"required":["url","at","n"],"additionalProperties":false}`,
		},
		{
			name: "oneOf and a one-element allOf become anyOf",
			in: `{"type":"object","properties":{
				"target":{"oneOf":[{"type":"string"},{"type":"object","properties":{"line":{"type":"integer"}},"required":["line"]}]},
				"wrapped":{"allOf":[{"type":"integer"}],"description":"W."}},"required":["target","wrapped"]}`,
			want: `{"type":"object","properties":{
				"target":{"anyOf":[{"type":"string"},{"type":"object","properties":{"line":{"type":"integer"}},"required":["line"],"additionalProperties":false}]},
				"wrapped":{"anyOf":[{"type":"integer"}],"description":"W."}},"required":["target","wrapped"],"additionalProperties":false}`,
		},
		{
			name: "anyOf gains a null branch when optional",
			in:   `{"type":"object","properties":{"v":{"anyOf":[{"type":"string"},{"type":"integer"}]}}}`,
			want: `{"type":"object","properties":{"v":{"anyOf":[{"type":"string"},{"type":"integer"},{"type":"null"}]}},"required":["v"],"additionalProperties":false}`,
		},
		{
			name: "$defs are closed; references alone stay; references beside other keywords are inlined",
			in: `{"type":"object","properties":{
				"a":{"$ref":"#/$defs/Point"},
				"b":{"$ref":"#/$defs/Point","description":"The end."},
				"c":{"$ref":"#/$defs/Point"},
				"tree":{"$ref":"#"}},
				"required":["a","b"],
				"$defs":{"Point":{"type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"}},"required":["x"]}}}`,
			want: `{"type":"object","properties":{
				"a":{"$ref":"#/$defs/Point"},
				"b":{"type":"object","properties":{"x":{"type":"number"},"y":{"type":["number","null"]}},"required":["x","y"],"additionalProperties":false,"description":"The end."},
				"c":{"anyOf":[{"$ref":"#/$defs/Point"},{"type":"null"}]},
				"tree":{"anyOf":[{"$ref":"#"},{"type":"null"}]}},
				"required":["a","b","c","tree"],
				"$defs":{"Point":{"type":"object","properties":{"x":{"type":"number"},"y":{"type":["number","null"]}},"required":["x","y"],"additionalProperties":false}},
				"additionalProperties":false}`,
		},
		{
			name: "a closed object without properties",
			in:   `{"type":"object","additionalProperties":{"not":{}}}`,
			want: `{"type":"object","properties":{},"required":[],"additionalProperties":false}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := strictSchema(json.RawMessage(tt.in))
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
			again, err := strictSchema(got)
			require.NoError(t, err, "a strict schema stays strict")
			assert.JSONEq(t, string(got), string(again), "the transform is idempotent")
		})
	}
}

// Key order matters to the model, which fills arguments in schema order;
// JSONEq cannot see it.
func TestStrictSchemaKeepsOrder(t *testing.T) {
	got, err := strictSchema(json.RawMessage(`{"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":"string"}},"required":["zeta"]}`))
	require.NoError(t, err)
	assert.Equal(t, `{"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":["string","null"]}},"required":["zeta","alpha"],"additionalProperties":false}`, string(got))
}

func TestStrictSchemaFallback(t *testing.T) {
	tests := []struct{ name, in, why string }{
		{"free-form object", `{"type":"object","properties":{"env":{"type":"object"}}}`, "without properties"},
		{"map", `{"type":"object","properties":{"env":{"type":"object","additionalProperties":{"type":"string"}}}}`, "a map"},
		{"extra properties allowed", `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":true}`, "a map"},
		{"tuple", `{"type":"object","properties":{"p":{"type":"array","items":[{"type":"number"},{"type":"number"}]}}}`, "items"},
		{"array of anything", `{"type":"object","properties":{"p":{"type":"array"}}}`, "items"},
		{"any value", `{"type":"object","properties":{"v":{"description":"Anything."}}}`, "any value"},
		{"boolean schema", `{"type":"object","properties":{"v":true}}`, "boolean schema"},
		{"allOf of two", `{"type":"object","properties":{"v":{"allOf":[{"type":"string"},{"minLength":2}]}}}`, "allOf"},
		{"not", `{"type":"object","properties":{"v":{"type":"string","not":{"enum":["x"]}}}}`, `"not"`},
		{"if/then", `{"type":"object","properties":{"v":{"type":"string"}},"if":{"required":["v"]},"then":{}}`, `"if"`},
		{"patternProperties", `{"type":"object","patternProperties":{"^x":{"type":"string"}},"properties":{}}`, "patternProperties"},
		{"root not an object", `{"type":"string"}`, "root"},
		{"root anyOf", `{"anyOf":[{"type":"object","properties":{}}]}`, "root"},
		{"remote reference", `{"type":"object","properties":{"v":{"$ref":"https://example.com/s.json"}}}`, "not local"},
		{"missing definition", `{"type":"object","properties":{"v":{"$ref":"#/$defs/Nope"}}}`, "unresolvable"},
		{"unknown type", `{"type":"object","properties":{"v":{"type":"file"}}}`, "unknown type"},
		{"reference loop", `{"type":"object","properties":{"a":{"$ref":"#/$defs/A","description":"d"}},"$defs":{"A":{"$ref":"#/$defs/A","title":"t"}}}`, "nested deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := strictSchema(json.RawMessage(tt.in))
			require.ErrorIs(t, err, errNotStrict)
			assert.ErrorContains(t, err, tt.why)
		})
	}
	_, err := strictSchema(json.RawMessage(`{"type":`))
	require.Error(t, err)
	assert.NotErrorIs(t, err, errNotStrict, "malformed JSON is an error of its own")
}

// With strict mode on, each tool is strict when its schema allows it and
// sent as written, strict off, when it does not.
func TestStrictFallbackPerTool(t *testing.T) {
	srv := serve(t, ok(chatPlain))
	req := weatherReq()
	req.Tools = append(req.Tools, llm.ToolSpec{Name: "set_env", Schema: json.RawMessage(`{"type":"object","properties":{"vars":{"type":"object","additionalProperties":{"type":"string"}}},"required":["vars"]}`)})
	_, err := newChat(t, srv, WithStrictTools(true)).Generate(t.Context(), req)
	require.NoError(t, err)
	var tools []struct {
		Function struct {
			Name       string
			Strict     *bool
			Parameters json.RawMessage
		}
	}
	require.NoError(t, json.Unmarshal([]byte(srv.last(t).field("tools")), &tools))
	require.Len(t, tools, 2)
	assert.Equal(t, true, *tools[0].Function.Strict)
	assert.Nil(t, tools[1].Function.Strict)
	assert.JSONEq(t, string(req.Tools[1].Schema), string(tools[1].Function.Parameters))
}

type viewArgs struct {
	Path      string `json:"path" jsonschema:"File to view."`
	ViewRange []int  `json:"view_range,omitempty" jsonschema:"First and last line."`
	Options   *struct {
		Numbered bool `json:"numbered"`
	} `json:"options,omitempty"`
}

// The schema a tools.Func declares can be made strict, and the arguments a
// strict model then sends (null for what it leaves out) decode.
func TestStrictSchemaOfToolsFunc(t *testing.T) {
	var got viewArgs
	tool := tools.NewFunc("view", "View a file.", func(_ context.Context, a viewArgs) (tools.Result, error) {
		got = a
		return tools.Result{Content: "ok"}, nil
	})
	strict, err := strictSchema(tool.Spec().Schema)
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"object","properties":{
		"path":{"type":"string","description":"File to view."},
		"view_range":{"description":"First and last line.","anyOf":[{"type":"array","items":{"type":"integer"}},{"type":"null"}]},
		"options":{"anyOf":[{"type":"object","properties":{"numbered":{"type":"boolean"}},"required":["numbered"],"additionalProperties":false},{"type":"null"}]}},
		"required":["path","view_range","options"],"additionalProperties":false}`, string(strict))

	res, err := tool.Run(t.Context(), json.RawMessage(`{"path":"a.go","view_range":null,"options":null}`))
	require.NoError(t, err)
	assert.False(t, res.IsError, res.Content)
	assert.Equal(t, viewArgs{Path: "a.go"}, got)
}
