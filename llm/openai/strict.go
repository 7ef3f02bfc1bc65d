package openai

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// errNotStrict reports a schema that OpenAI's strict mode cannot express;
// the tool is then sent with strict off.
var errNotStrict = errors.New("schema cannot be made strict")

// strictSchema rewrites a JSON Schema, written with only its truly required
// properties in "required", into the dialect of OpenAI's strict mode:
//
//   - every object lists all its properties in "required" and sets
//     "additionalProperties": false, at every level (properties, array
//     items, anyOf branches, $defs);
//   - a property that was optional accepts null instead: "type" gains
//     "null" for scalar types, and other schemas (objects, arrays, enums,
//     references) become {"anyOf": [schema, {"type": "null"}]};
//   - "oneOf" and a one-element "allOf" become "anyOf", "const" becomes a
//     one-value "enum", and a "$ref" beside other keywords is replaced by
//     what it refers to;
//   - keywords strict mode refuses but that only narrow the values
//     ("default", "minLength", "maxLength", "uniqueItems", "minProperties",
//     "maxProperties", unsupported "format"s, annotations) are dropped: the
//     tool validates its arguments itself;
//   - a type list mixing objects or arrays with other types is split into
//     anyOf branches, one per kind.
//
// Property order is kept. A schema that needs what strict mode lacks (a
// free-form object or map, a tuple, allOf, not, if/then/else,
// patternProperties, a value of any type, a non-object root) yields an error
// wrapping errNotStrict.
func strictSchema(schema json.RawMessage) (json.RawMessage, error) {
	tree, err := parseTree(schema)
	if err != nil {
		return nil, fmt.Errorf("reading schema: %w", err)
	}
	root, ok := tree.(*object)
	if !ok {
		return nil, fmt.Errorf("%w: the schema is not a JSON object", errNotStrict)
	}
	if t, _ := root.get("type"); t != "object" {
		return nil, fmt.Errorf("%w: the root is not of type \"object\"", errNotStrict)
	}
	s := strictifier{root: root}
	out, err := s.node(root, "#", 0)
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

type strictifier struct {
	root *object
	// nodes counts the schemas visited, bounding the work that inlined
	// references can multiply.
	nodes int
}

// maxNodes bounds the schemas visited in one transform; OpenAI itself
// accepts at most 5000 properties.
const maxNodes = 100_000

func (s *strictifier) fail(path, format string, args ...any) error {
	return fmt.Errorf("%w: %s at %s", errNotStrict, fmt.Sprintf(format, args...), path)
}

// Keywords strict mode supports as they are.
var keptKeywords = map[string]bool{
	"type": true, "description": true, "title": true, "enum": true, "pattern": true,
	"multipleOf": true, "maximum": true, "exclusiveMaximum": true, "minimum": true, "exclusiveMinimum": true,
	"minItems": true, "maxItems": true,
}

// Keywords whose meaning strict mode cannot express, so that dropping them
// would hide from the model what the tool expects.
var unstrictKeywords = map[string]bool{
	"not": true, "if": true, "then": true, "else": true,
	"dependentSchemas": true, "dependentRequired": true, "dependencies": true,
	"patternProperties": true, "propertyNames": true, "prefixItems": true, "additionalItems": true,
	"unevaluatedProperties": true, "unevaluatedItems": true,
	"contains": true, "minContains": true, "maxContains": true,
	"$dynamicRef": true, "$recursiveRef": true,
}

// The string formats strict mode accepts.
var strictFormats = map[string]bool{
	"date-time": true, "time": true, "date": true, "duration": true, "email": true,
	"hostname": true, "ipv4": true, "ipv6": true, "uuid": true,
}

var scalarTypes = map[string]bool{"string": true, "number": true, "integer": true, "boolean": true, "null": true}

// node returns the strict form of the schema v found at path.
func (s *strictifier) node(v any, path string, depth int) (any, error) {
	if s.nodes++; depth > maxNesting || s.nodes > maxNodes {
		return nil, s.fail(path, "a schema nested deeper than %d or larger than %d schemas", maxNesting, maxNodes)
	}
	o, ok := v.(*object)
	if !ok {
		return nil, s.fail(path, "a boolean schema")
	}
	if ref, ok := o.get("$ref"); ok && len(o.keys) > 1 {
		// Strict mode allows nothing beside $ref: inline what it names.
		target, err := s.resolve(ref, path)
		if err != nil {
			return nil, err
		}
		merged := target.clone()
		for _, k := range o.keys {
			if k != "$ref" {
				merged.set(k, o.vals[k])
			}
		}
		return s.node(merged, path, depth+1)
	}
	types, err := s.types(o, path)
	if err != nil {
		return nil, err
	}
	out := newObject()
	for _, k := range o.keys {
		val := o.vals[k]
		switch {
		case keptKeywords[k]:
			out.set(k, val)
		case unstrictKeywords[k]:
			return nil, s.fail(path, "the keyword %q", k)
		case k == "format":
			if f, _ := val.(string); strictFormats[f] {
				out.set(k, val)
			}
		case k == "const":
			out.set("enum", []any{val})
		case k == "$ref":
			if _, err := s.resolve(val, path); err != nil {
				return nil, err
			}
			out.set(k, val)
		case k == "anyOf" || k == "oneOf" || k == "allOf":
			branches, err := s.branches(k, val, path, depth)
			if err != nil {
				return nil, err
			}
			if _, dup := out.get("anyOf"); dup {
				return nil, s.fail(path, "more than one of anyOf, oneOf and allOf")
			}
			out.set("anyOf", branches)
		case k == "$defs" || k == "definitions":
			defs, err := s.defs(val, path+"/"+k, depth)
			if err != nil {
				return nil, err
			}
			out.set(k, defs)
		case k == "properties" || k == "items":
			out.set(k, nil) // keeps the keyword's place; filled in below
		}
	}
	if len(types) == 0 {
		if !hasAny(out, "anyOf", "enum", "$ref") {
			return nil, s.fail(path, "no type, so any value")
		}
		return out, nil
	}
	if slices.Contains(types, "object") {
		if err := s.object(o, out, path, depth); err != nil {
			return nil, err
		}
	} else {
		out.del("properties")
	}
	if slices.Contains(types, "array") {
		items, ok := o.get("items")
		if _, tuple := items.([]any); !ok || tuple {
			return nil, s.fail(path, "an array without a schema for its items")
		}
		sub, err := s.node(items, path+"/items", depth+1)
		if err != nil {
			return nil, err
		}
		out.set("items", sub)
	} else {
		out.del("items")
	}
	if len(types) > 1 && (slices.Contains(types, "object") || slices.Contains(types, "array")) {
		return s.split(out, types, path)
	}
	return out, nil
}

// types returns the types a schema names.
func (s *strictifier) types(o *object, path string) ([]string, error) {
	v, ok := o.get("type")
	if !ok {
		return nil, nil
	}
	var types []string
	switch t := v.(type) {
	case string:
		types = []string{t}
	case []any:
		for _, e := range t {
			name, ok := e.(string)
			if !ok {
				return nil, s.fail(path, "a type list holding %v", e)
			}
			types = append(types, name)
		}
	default:
		return nil, s.fail(path, "a type that is neither a name nor a list")
	}
	for _, t := range types {
		if !scalarTypes[t] && t != "object" && t != "array" {
			return nil, s.fail(path, "the unknown type %q", t)
		}
	}
	return types, nil
}

// object closes an object schema: all properties required, optional ones
// nullable, no others allowed.
func (s *strictifier) object(in, out *object, path string, depth int) error {
	ap, hasAP := in.get("additionalProperties")
	if hasAP && !isFalseSchema(ap) {
		return s.fail(path, "additionalProperties that allows more properties (a map)")
	}
	pv, hasProps := in.get("properties")
	if !hasProps && !hasAP {
		return s.fail(path, "an object without properties, so any object")
	}
	props, ok := pv.(*object)
	if hasProps && !ok {
		return s.fail(path, "properties that are not an object")
	}
	required := map[string]bool{}
	if rv, ok := in.get("required"); ok {
		list, ok := rv.([]any)
		if !ok {
			return s.fail(path, "required that is not a list")
		}
		for _, r := range list {
			if name, ok := r.(string); ok {
				required[name] = true
			}
		}
	}
	newProps := newObject()
	names := []any{}
	if props != nil {
		for _, name := range props.keys {
			sub, err := s.node(props.vals[name], path+"/properties/"+escapePointer(name), depth+1)
			if err != nil {
				return err
			}
			if !required[name] {
				sub = nullable(sub.(*object))
			}
			newProps.set(name, sub)
			names = append(names, name)
		}
	}
	out.set("properties", newProps)
	out.set("required", names)
	out.set("additionalProperties", false)
	return nil
}

// isFalseSchema reports a schema that allows nothing: false or {"not":{}}.
func isFalseSchema(v any) bool {
	if b, ok := v.(bool); ok {
		return !b
	}
	o, ok := v.(*object)
	if !ok || len(o.keys) != 1 {
		return false
	}
	not, ok := o.vals["not"].(*object)
	return ok && len(not.keys) == 0
}

func (s *strictifier) branches(kw string, v any, path string, depth int) ([]any, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, s.fail(path, "%s that is not a list of schemas", kw)
	}
	if kw == "allOf" && len(list) > 1 {
		return nil, s.fail(path, "allOf with more than one schema")
	}
	out := make([]any, len(list))
	for i, b := range list {
		sub, err := s.node(b, path+"/"+kw+"/"+strconv.Itoa(i), depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = sub
	}
	return out, nil
}

func (s *strictifier) defs(v any, path string, depth int) (*object, error) {
	defs, ok := v.(*object)
	if !ok {
		return nil, s.fail(path, "definitions that are not an object")
	}
	out := newObject()
	for _, name := range defs.keys {
		sub, err := s.node(defs.vals[name], path+"/"+escapePointer(name), depth+1)
		if err != nil {
			return nil, err
		}
		out.set(name, sub)
	}
	return out, nil
}

// resolve returns the schema a local reference ("#" or "#/json/pointer")
// names in the original schema.
func (s *strictifier) resolve(ref any, path string) (*object, error) {
	r, _ := ref.(string)
	if r != "#" && !strings.HasPrefix(r, "#/") {
		return nil, s.fail(path, "the reference %q, which is not local", r)
	}
	var cur any = s.root
	for _, tok := range strings.Split(strings.TrimPrefix(r, "#"), "/")[1:] {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case *object:
			cur = c.vals[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, s.fail(path, "the unresolvable reference %q", r)
			}
			cur = c[i]
		default:
			cur = nil
		}
	}
	o, ok := cur.(*object)
	if !ok {
		return nil, s.fail(path, "the unresolvable reference %q", r)
	}
	return o, nil
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// split turns a schema whose type list mixes objects or arrays with other
// types into anyOf branches, one per kind, each with its own keywords.
func (s *strictifier) split(o *object, types []string, path string) (any, error) {
	if _, ok := o.get("anyOf"); ok {
		return nil, s.fail(path, "a type list beside anyOf")
	}
	objectKeys := []string{"properties", "required", "additionalProperties"}
	arrayKeys := []string{"items", "minItems", "maxItems"}
	wrapper, scalar := newObject(), newObject()
	var branches, scalars []any
	for _, t := range types {
		switch t {
		case "object":
			branches = append(branches, pick(o, "object", objectKeys))
		case "array":
			branches = append(branches, pick(o, "array", arrayKeys))
		default:
			scalars = append(scalars, t)
		}
	}
	for _, k := range o.keys {
		switch {
		case k == "description" || k == "title":
			wrapper.set(k, o.vals[k])
		case k == "type" || slices.Contains(objectKeys, k) || slices.Contains(arrayKeys, k):
		default:
			scalar.set(k, o.vals[k])
		}
	}
	if len(scalars) > 0 {
		scalar.set("type", scalars)
		if len(scalars) == 1 {
			scalar.set("type", scalars[0])
		}
		branches = append(branches, scalar)
	}
	wrapper.set("anyOf", branches)
	return wrapper, nil
}

func pick(o *object, typ string, keys []string) *object {
	b := newObject()
	b.set("type", typ)
	for _, k := range keys {
		if v, ok := o.get(k); ok {
			b.set(k, v)
		}
	}
	return b
}

func hasAny(o *object, keys ...string) bool {
	for _, k := range keys {
		if _, ok := o.get(k); ok {
			return true
		}
	}
	return false
}

// nullable returns a strict schema that also accepts null.
func nullable(o *object) any {
	if acceptsNull(o) {
		return o
	}
	if branches, ok := o.get("anyOf"); ok && !hasAny(o, "type") {
		c := o.clone()
		c.set("anyOf", append(slices.Clone(branches.([]any)), nullSchema()))
		return c
	}
	if t, ok := o.get("type"); ok && !hasAny(o, "enum") {
		var types []any
		switch t := t.(type) {
		case string:
			types = []any{t}
		case []any:
			types = slices.Clone(t)
		}
		if allScalar(types) {
			c := o.clone()
			c.set("type", append(types, "null"))
			return c
		}
	}
	inner, wrapper := o.clone(), newObject()
	for _, k := range []string{"title", "description"} {
		if v, ok := inner.get(k); ok {
			wrapper.set(k, v)
			inner.del(k)
		}
	}
	wrapper.set("anyOf", []any{inner, nullSchema()})
	return wrapper
}

func nullSchema() *object {
	o := newObject()
	o.set("type", "null")
	return o
}

func allScalar(types []any) bool {
	for _, t := range types {
		if name, _ := t.(string); !scalarTypes[name] {
			return false
		}
	}
	return true
}

// acceptsNull reports whether a strict schema already accepts null.
func acceptsNull(o *object) bool {
	if enum, ok := o.vals["enum"].([]any); ok {
		return slices.Contains(enum, nil)
	}
	switch t := o.vals["type"].(type) {
	case string:
		if t == "null" {
			return true
		}
	case []any:
		if slices.Contains(t, any("null")) {
			return true
		}
	}
	if branches, ok := o.vals["anyOf"].([]any); ok {
		for _, b := range branches {
			if bo, ok := b.(*object); ok && acceptsNull(bo) {
				return true
			}
		}
	}
	return false
}
