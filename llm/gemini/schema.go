package gemini

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Tool schemas travel as parametersJsonSchema, the field of a function
// declaration that takes JSON Schema, not as parameters, which takes
// Gemini's OpenAPI 3.0 subset and rejects whole requests over keywords it
// lacks (additionalProperties, type lists, const, $ref…). Gemini reads a
// subset of JSON Schema from parametersJsonSchema and ignores the rest, with
// three exceptions this conversion takes care of:
//
//   - the root must be an object schema: a missing root type becomes
//     "object", any other type is an error;
//   - a "$ref" must stand alone in its schema: siblings other than "$…"
//     keywords are kept by moving the reference into a one-branch "anyOf";
//   - protobuf carries the schema as an unordered struct, so the order in
//     which the tool declared its properties is kept in Gemini's
//     "propertyOrdering" keyword.
//
// Gemini documents neither type lists nor "const" for function parameters,
// so those are rewritten into keywords it does document: ["T", "null"]
// becomes "T", several types become an "anyOf" of one type each, and
// "const" becomes a one-value "enum". Dropping null loses nothing a
// Conclave tool can tell apart, since tools treat a JSON null as an absent
// property; for the same reason "null" branches of anyOf and oneOf are
// dropped when other branches remain. Draft-07 "definitions" become
// "$defs", the keyword Gemini reads, and references to them follow.
// "$schema" is dropped. Everything else passes through unchanged and in
// order.

// emptyParameters declares a tool that takes no arguments.
var emptyParameters = json.RawMessage(`{"type":"object","properties":{}}`)

// parameters converts a tool's JSON Schema to the schema sent as its
// parametersJsonSchema. The result is deterministic: the same schema
// always yields the same bytes.
func parameters(name string, schema json.RawMessage) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(schema)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return emptyParameters, nil
	}
	v, err := decodeOrdered(trimmed)
	if err != nil {
		return nil, fmt.Errorf("gemini: tool %q: schema is not valid JSON: %w", name, err)
	}
	root, ok := v.(object)
	if !ok {
		return nil, fmt.Errorf("gemini: tool %q: schema is %s, not a JSON Schema object; declare the arguments as {\"type\":\"object\",\"properties\":{…}}", name, kindOf(v))
	}
	switch t, _ := root.get("type"); {
	case t == nil:
		root = root.with("type", "object")
	case t == "object":
	case isTypeList(t) && hasType(t.([]any), "object"):
		root = root.with("type", "object")
	default:
		return nil, fmt.Errorf("gemini: tool %q: schema type %s: Gemini takes a tool's arguments as an object; declare {\"type\":\"object\",\"properties\":{…}} and put the value in a property", name, compact(t))
	}
	_, hasDefs := root.get("$defs")
	defs, hasDraft7 := root.get("definitions")
	renameDefs := hasDraft7 && !hasDefs
	if renameDefs {
		root = root.without("definitions").with("$defs", defs)
	}
	out, err := json.Marshal(convert(root, renameDefs))
	if err != nil {
		return nil, fmt.Errorf("gemini: tool %q: encoding schema: %w", name, err)
	}
	return out, nil
}

// convert rewrites one schema and, recursively, the schemas inside it.
// Values that are not schema objects (true, false) pass through.
func convert(s any, renameDefs bool) any {
	in, ok := s.(object)
	if !ok {
		return s
	}
	out := make(object, 0, len(in)+1)
	for _, m := range in {
		v := m.val
		switch m.key {
		case "$schema":
			continue
		case "properties", "$defs", "definitions", "patternProperties", "dependentSchemas":
			v = convertMap(v, renameDefs)
		case "items", "additionalItems", "additionalProperties", "not", "if", "then", "else",
			"contains", "propertyNames", "unevaluatedItems", "unevaluatedProperties":
			if list, ok := v.([]any); ok { // draft-04 tuple items
				v = convertList(list, renameDefs)
			} else {
				v = convert(v, renameDefs)
			}
		case "prefixItems", "allOf", "anyOf", "oneOf":
			if list, ok := v.([]any); ok {
				v = convertList(list, renameDefs)
			}
		case "$ref":
			if ref, ok := v.(string); ok && renameDefs {
				if rest, ok := strings.CutPrefix(ref, "#/definitions/"); ok {
					v = "#/$defs/" + rest
				}
			}
		}
		out = append(out, member{m.key, v})
	}

	if t, ok := out.get("type"); ok && isTypeList(t) {
		out = flattenTypes(out, t.([]any))
	}
	if c, ok := out.get("const"); ok {
		if _, hasEnum := out.get("enum"); !hasEnum {
			out = out.without("const").with("enum", []any{c})
		}
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		if list, ok := out.get(key); ok {
			if branches, ok := list.([]any); ok {
				out = out.with(key, dropNullBranches(branches))
			}
		}
	}
	if ref, ok := out.get("$ref"); ok && hasSchemaSiblings(out) {
		if _, taken := out.get("anyOf"); !taken {
			out = out.without("$ref").with("anyOf", []any{object{{"$ref", ref}}})
		}
	}
	if props, ok := out.get("properties"); ok {
		if p, ok := props.(object); ok && len(p) > 1 {
			if _, set := out.get("propertyOrdering"); !set {
				names := make([]any, len(p))
				for i, m := range p {
					names[i] = m.key
				}
				out = out.with("propertyOrdering", names)
			}
		}
	}
	return out
}

func convertMap(v any, renameDefs bool) any {
	in, ok := v.(object)
	if !ok {
		return v
	}
	out := make(object, len(in))
	for i, m := range in {
		out[i] = member{m.key, convert(m.val, renameDefs)}
	}
	return out
}

func convertList(in []any, renameDefs bool) []any {
	out := make([]any, len(in))
	for i, v := range in {
		out[i] = convert(v, renameDefs)
	}
	return out
}

// flattenTypes rewrites a type list without "null": one type stays a
// string, several become an anyOf of one type each (unless the schema
// already has an anyOf, which the list then stays beside).
func flattenTypes(s object, types []any) object {
	var kept []any
	for _, t := range types {
		if t != "null" {
			kept = append(kept, t)
		}
	}
	switch {
	case len(kept) == 0:
		return s.with("type", "null")
	case len(kept) == 1:
		return s.with("type", kept[0])
	}
	if _, taken := s.get("anyOf"); taken {
		return s.with("type", kept)
	}
	branches := make([]any, len(kept))
	for i, t := range kept {
		branches[i] = object{{"type", t}}
	}
	return s.without("type").with("anyOf", branches)
}

// dropNullBranches removes the branches that only admit null, unless
// nothing else would remain.
func dropNullBranches(branches []any) []any {
	var kept []any
	for _, b := range branches {
		if o, ok := b.(object); ok {
			if t, _ := o.get("type"); t == "null" {
				continue
			}
		}
		kept = append(kept, b)
	}
	if len(kept) == 0 {
		return branches
	}
	return kept
}

// hasSchemaSiblings reports whether s holds keywords beside "$ref" other
// than the "$…" ones Gemini allows there.
func hasSchemaSiblings(s object) bool {
	for _, m := range s {
		if !strings.HasPrefix(m.key, "$") {
			return true
		}
	}
	return false
}

func isTypeList(t any) bool {
	_, ok := t.([]any)
	return ok
}

func hasType(types []any, want string) bool {
	for _, t := range types {
		if t == want {
			return true
		}
	}
	return false
}

func kindOf(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// object is a JSON object that keeps the order of its members, so that a
// converted schema reads like the one the tool declared.
type object []member

type member struct {
	key string
	val any
}

func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

// with returns o with key set to val: in place if present, else appended.
// It never modifies o's backing array.
func (o object) with(key string, val any) object {
	out := make(object, len(o), len(o)+1)
	copy(out, o)
	for i := range out {
		if out[i].key == key {
			out[i].val = val
			return out
		}
	}
	return append(out, member{key, val})
}

// set is with for an object being built, which it may modify.
func (o object) set(key string, val any) object {
	for i := range o {
		if o[i].key == key {
			o[i].val = val
			return o
		}
	}
	return append(o, member{key, val})
}

func (o object) without(key string) object {
	out := make(object, 0, len(o))
	for _, m := range o {
		if m.key != key {
			out = append(out, m)
		}
	}
	return out
}

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(m.val)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// decodeOrdered decodes one JSON value, objects as [object], numbers as
// json.Number so that they are written back exactly. A repeated key keeps
// its first position and its last value, as encoding/json keeps the last.
func decodeOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the top-level value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch d {
	case '{':
		var o object
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key, _ := kt.(string)
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			o = o.set(key, v)
		}
		if o == nil {
			o = object{}
		}
		_, err := dec.Token()
		return o, err
	case '[':
		list := []any{}
		for dec.More() {
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		_, err := dec.Token()
		return list, err
	}
	return nil, fmt.Errorf("unexpected %v", d)
}
