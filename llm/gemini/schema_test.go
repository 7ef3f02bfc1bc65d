package gemini

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParameters(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // exact bytes: the conversion is deterministic and keeps order
	}{
		{"no schema", ``, `{"type":"object","properties":{}}`},
		{"null schema", `null`, `{"type":"object","properties":{}}`},
		{"missing root type", `{"properties":{"a":{"type":"string"}}}`,
			`{"properties":{"a":{"type":"string"}},"type":"object"}`},
		{"plain object keeps its order and gains propertyOrdering",
			`{"type":"object","properties":{"path":{"type":"string","description":"the file"},"line":{"type":"integer","minimum":1}},"required":["path"],"additionalProperties":false}`,
			`{"type":"object","properties":{"path":{"type":"string","description":"the file"},"line":{"type":"integer","minimum":1}},"required":["path"],"additionalProperties":false,"propertyOrdering":["path","line"]}`},
		{"an explicit propertyOrdering is kept",
			`{"type":"object","properties":{"a":{},"b":{}},"propertyOrdering":["b","a"]}`,
			`{"type":"object","properties":{"a":{},"b":{}},"propertyOrdering":["b","a"]}`},
		{"$schema is dropped", `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object"}`,
			`{"type":"object"}`},
		{"nullable types lose null, deep inside too",
			`{"type":["object","null"],"properties":{"lines":{"type":["null","array"],"items":{"type":["integer","null"]}}}}`,
			`{"type":"object","properties":{"lines":{"type":"array","items":{"type":"integer"}}}}`},
		{"several types become anyOf",
			`{"type":"object","properties":{"v":{"type":["string","number","null"],"description":"a value"}}}`,
			`{"type":"object","properties":{"v":{"description":"a value","anyOf":[{"type":"string"},{"type":"number"}]}}}`},
		{"only null stays null", `{"type":"object","properties":{"n":{"type":["null"]}}}`,
			`{"type":"object","properties":{"n":{"type":"null"}}}`},
		{"const becomes enum", `{"type":"object","properties":{"kind":{"const":"insert"}}}`,
			`{"type":"object","properties":{"kind":{"enum":["insert"]}}}`},
		{"const beside an enum is left alone", `{"type":"object","properties":{"k":{"const":"a","enum":["a","b"]}}}`,
			`{"type":"object","properties":{"k":{"const":"a","enum":["a","b"]}}}`},
		{"null branches of anyOf are dropped",
			`{"type":"object","properties":{"x":{"anyOf":[{"type":"string"},{"type":"null","description":"none"}]}}}`,
			`{"type":"object","properties":{"x":{"anyOf":[{"type":"string"}]}}}`},
		{"an all-null oneOf is kept", `{"type":"object","properties":{"x":{"oneOf":[{"type":"null"}]}}}`,
			`{"type":"object","properties":{"x":{"oneOf":[{"type":"null"}]}}}`},
		{"$ref with siblings moves into anyOf",
			`{"type":"object","properties":{"p":{"$ref":"#/$defs/Point","description":"where"}},"$defs":{"Point":{"type":"object","properties":{"x":{"type":"number"}}}}}`,
			`{"type":"object","properties":{"p":{"description":"where","anyOf":[{"$ref":"#/$defs/Point"}]}},"$defs":{"Point":{"type":"object","properties":{"x":{"type":"number"}}}}}`},
		{"a lone $ref stays", `{"type":"object","properties":{"p":{"$ref":"#/$defs/P"}},"$defs":{"P":{"type":"string"}}}`,
			`{"type":"object","properties":{"p":{"$ref":"#/$defs/P"}},"$defs":{"P":{"type":"string"}}}`},
		{"draft-07 definitions become $defs",
			`{"type":"object","properties":{"p":{"$ref":"#/definitions/P"}},"definitions":{"P":{"type":"string","const":"x"}}}`,
			`{"type":"object","properties":{"p":{"$ref":"#/$defs/P"}},"$defs":{"P":{"type":"string","enum":["x"]}}}`},
		{"definitions beside $defs are left alone",
			`{"type":"object","properties":{"p":{"$ref":"#/definitions/P"}},"definitions":{"P":{}},"$defs":{"Q":{}}}`,
			`{"type":"object","properties":{"p":{"$ref":"#/definitions/P"}},"definitions":{"P":{}},"$defs":{"Q":{}}}`},
		{"schemas in items arrays, allOf and additionalProperties are converted",
			`{"type":"object","properties":{"t":{"type":"array","prefixItems":[{"type":["string","null"]}],"items":false},"m":{"type":"object","additionalProperties":{"const":1}},"c":{"allOf":[{"type":["null","boolean"]}]}}}`,
			`{"type":"object","properties":{"t":{"type":"array","prefixItems":[{"type":"string"}],"items":false},"m":{"type":"object","additionalProperties":{"enum":[1]}},"c":{"allOf":[{"type":"boolean"}]}},"propertyOrdering":["t","m","c"]}`},
		{"values that are not schemas are left alone",
			`{"type":"object","properties":{"type":{"type":"string","enum":["null","const"],"default":{"type":["a","null"]},"examples":[{"const":1}]}}}`,
			`{"type":"object","properties":{"type":{"type":"string","enum":["null","const"],"default":{"type":["a","null"]},"examples":[{"const":1}]}}}`},
		{"big numbers are kept exactly", `{"type":"object","properties":{"n":{"type":"integer","maximum":18446744073709551615}}}`,
			`{"type":"object","properties":{"n":{"type":"integer","maximum":18446744073709551615}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parameters("f", json.RawMessage(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			again, err := parameters("f", got)
			require.NoError(t, err)
			assert.Equal(t, string(got), string(again), "converting twice changes nothing")
		})
	}
}

func TestParametersErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"not JSON", `{"type":`, `gemini: tool "f": schema is not valid JSON`},
		{"trailing data", `{} {}`, `schema is not valid JSON: data after the top-level value`},
		{"not an object", `["a"]`, `gemini: tool "f": schema is an array, not a JSON Schema object`},
		{"a string", `"object"`, `schema is a string, not a JSON Schema object`},
		{"root not an object type", `{"type":"array","items":{"type":"string"}}`, `gemini: tool "f": schema type "array": Gemini takes a tool's arguments as an object`},
		{"root type list without object", `{"type":["string","null"]}`, `schema type ["string","null"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parameters("f", json.RawMessage(tt.in))
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

// FuzzParameters checks that any schema either fails with an error or
// converts to a JSON object schema whose root type is "object", and that
// converting the result again changes nothing.
func FuzzParameters(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `{"type":"object","properties":{"a":{"type":["null","string"]}}}`,
		`{"properties":{"p":{"$ref":"#/definitions/P","title":"t"}},"definitions":{"P":{"const":3}}}`,
		`{"type":["object","null"],"anyOf":[{"type":"null"},{"type":"object"}]}`,
		`{"type":"object","properties":{"x":{"type":["a","b"],"anyOf":[]}}}`,
		`{"a":1,"a":{"type":"x"}}`, `{"type":"object","items":[{"type":["null"]}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := parameters("f", in)
		if err != nil {
			return
		}
		var root map[string]any
		require.NoError(t, json.Unmarshal(out, &root), "output %s", out)
		assert.Equal(t, "object", root["type"])
		again, err := parameters("f", out)
		require.NoError(t, err)
		assert.Equal(t, string(out), string(again))
	})
}
