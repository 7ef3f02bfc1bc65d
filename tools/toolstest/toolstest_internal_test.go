package toolstest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInvalidFor(t *testing.T) {
	open := invalidFor(json.RawMessage(`{"type":"object","properties":{"summary":{"type":"string"}}}`))
	assert.Equal(t, Malformed, open, "no required properties: an empty payload is valid")

	strict := invalidFor(json.RawMessage(`{"type":"object","properties":{"path":{"type":"string"}},"required":["path"],"additionalProperties":false}`))
	assert.Contains(t, strict, ``)
	assert.Contains(t, strict, `{}`)
	assert.Contains(t, strict, `{"__unknown_property__": 1}`)
}

func TestCheckSchema(t *testing.T) {
	for schema, want := range map[string]string{
		`{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`: "",
		`not json`:                               "not a JSON Schema",
		`{"type":"array"}`:                       `want "object"`,
		`{"type":"object","required":["ghost"]}`: `"ghost" is not declared`,
		`{"type":"object","properties":{"a":{"type":"strin"}}}`:                   "unknown type strin",
		`{"type":"object","properties":{"type":{"type":["string","nul"]}}}`:       "unknown type nul",
		`{"type":"object","properties":{"a":{"enum":[{"type":"not-a-schema"}]}}}`: "",
	} {
		err := checkSchema(json.RawMessage(schema))
		if want == "" {
			assert.NoError(t, err, schema)
		} else if assert.Error(t, err, schema) {
			assert.Contains(t, err.Error(), want, schema)
		}
	}
}
