// Package toolstest provides a conformance suite for [tools.Tool]
// implementations.
package toolstest

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/conclave-dev/conclave/tools"
)

// namePattern is what every provider accepts as a tool name.
var namePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// Malformed lists argument payloads that are not a JSON object; every tool
// must answer each with an error Result.
var Malformed = []string{
	`{`, `[]`, `null`, `"text"`, `42`, `{"command": }`, `{"a":1}{"b":2}`, "\x00\xff",
}

// TestTool checks that t honours the [tools.Tool] contract:
//
//   - the name suits every provider and the description is not empty;
//   - the schema is a valid JSON Schema for an object, whose "required"
//     properties are all declared;
//   - each payload in [Malformed] gives an error Result, with a message, and
//     neither a panic nor a Go error; so do an empty object when the schema
//     requires properties, and an unknown property when it forbids them;
//   - with a context already cancelled, Run on each of valid returns (an
//     error or an error Result) instead of doing the work.
//
// valid are arguments the tool accepts; give at least one so that
// cancellation is checked on a real run.
func TestTool(t *testing.T, tool tools.Tool, valid ...json.RawMessage) {
	t.Helper()
	spec := tool.Spec()
	t.Run("Spec", func(t *testing.T) {
		if !namePattern.MatchString(spec.Name) {
			t.Errorf("name %q does not match %s", spec.Name, namePattern)
		}
		if spec.Description == "" {
			t.Error("empty description")
		}
		if err := checkSchema(spec.Schema); err != nil {
			t.Errorf("schema: %v\n%s", err, spec.Schema)
		}
	})
	t.Run("Malformed", func(t *testing.T) {
		for _, args := range invalidFor(spec.Schema) {
			res, err := run(t.Context(), tool, json.RawMessage(args))
			if err != nil {
				t.Errorf("args %q: Go error %v, want an error Result", args, err)
				continue
			}
			if !res.IsError || res.Content == "" {
				t.Errorf("args %q: got %+v, want an error Result with a message", args, res)
			}
		}
	})
	t.Run("Cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		for _, args := range valid {
			res, err := run(ctx, tool, args)
			if err == nil && !res.IsError {
				t.Errorf("args %s: ran to success with a cancelled context: %+v", args, res)
			}
		}
	})
}

// invalidFor returns the payloads a tool with this schema must refuse:
// [Malformed], plus no arguments when properties are required, plus an
// unknown property when the schema forbids additional ones.
func invalidFor(schema json.RawMessage) []string {
	bad := slices.Clone(Malformed)
	var s jsonschema.Schema
	if json.Unmarshal(schema, &s) != nil {
		return bad
	}
	if len(s.Required) > 0 {
		bad = append(bad, ``, `{}`)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Not != nil {
		bad = append(bad, `{"__unknown_property__": 1}`)
	}
	return bad
}

func run(ctx context.Context, tool tools.Tool, args json.RawMessage) (res tools.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return tool.Run(ctx, args)
}

func checkSchema(raw json.RawMessage) error {
	var s jsonschema.Schema
	if err := json.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("not a JSON Schema: %w", err)
	}
	if _, err := s.Resolve(nil); err != nil {
		return fmt.Errorf("invalid: %w", err)
	}
	if s.Type != "object" {
		return fmt.Errorf(`type is %q, want "object"`, s.Type)
	}
	for _, name := range s.Required {
		if _, ok := s.Properties[name]; !ok {
			return fmt.Errorf("required property %q is not declared", name)
		}
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return err
	}
	return checkTypes(tree)
}

// checkTypes walks a schema and rejects type names JSON Schema does not
// have, which the validator accepts but providers refuse.
func checkTypes(v any) error {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			switch k {
			case "enum", "const", "default", "examples":
				continue // values, not schemas
			case "type":
				names, isList := e.([]any)
				if name, ok := e.(string); ok {
					names, isList = []any{name}, true
				}
				if !isList {
					break // a property named "type": a schema, walked below
				}
				for _, n := range names {
					if name, _ := n.(string); !jsonTypes[name] {
						return fmt.Errorf("unknown type %v", n)
					}
				}
				continue
			}
			if err := checkTypes(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range v {
			if err := checkTypes(e); err != nil {
				return err
			}
		}
	}
	return nil
}

var jsonTypes = map[string]bool{
	"object": true, "array": true, "string": true, "number": true, "integer": true, "boolean": true, "null": true,
}
