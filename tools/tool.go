package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/conclave-dev/conclave/llm"
)

// Tool is something an agent can do. Spec describes it to the model; Run
// does it.
//
// Run reports a failure the model should read and can react to (bad
// arguments, no match, a command that failed) as a [Result] with IsError
// set, and returns a Go error only when the run cannot go on (the context
// is done, the workspace is gone). Run must not panic on any args, including
// malformed JSON. Implementations are safe for concurrent use unless their
// documentation says otherwise.
type Tool interface {
	Spec() llm.ToolSpec
	Run(ctx context.Context, args json.RawMessage) (Result, error)
}

// Result is what a tool run returns to the model.
type Result struct {
	// Content is the text the model reads.
	Content string
	// IsError marks a failed run; the model sees it flagged as an error.
	IsError bool
	// Done ends the task: the agent loop stops after this result and takes
	// Content as the agent's summary. Only task_done sets it.
	Done bool
}

// Errorf returns a Result with IsError set and a formatted message.
func Errorf(format string, args ...any) Result {
	return Result{Content: fmt.Sprintf(format, args...), IsError: true}
}

// SchemaRefiner is implemented by argument types that add to the schema
// derived from their struct fields what struct tags cannot say: enums,
// bounds, defaults.
type SchemaRefiner interface {
	RefineSchema(s *jsonschema.Schema)
}

// Func is a [Tool] backed by a typed Go function; see [NewFunc].
type Func[A any] struct {
	spec     llm.ToolSpec
	resolved *jsonschema.Resolved
	run      func(ctx context.Context, args A) (Result, error)
}

// NewFunc returns a Tool that decodes its arguments into an A and calls run.
//
// The schema is derived from A, a struct: JSON names from json tags, fields
// tagged omitempty or omitzero optional and the others required, a field's
// jsonschema tag its description, and no other properties allowed; A may
// refine it by implementing [SchemaRefiner]. Arguments are validated
// against the schema before run is called, and malformed or invalid
// arguments become an error Result that names the problem. A JSON null
// counts as an absent property, since OpenAI's strict mode sends null for
// every optional property the model leaves out.
//
// NewFunc panics if A has no JSON Schema (a programming error).
func NewFunc[A any](name, description string, run func(ctx context.Context, args A) (Result, error)) *Func[A] {
	s, err := jsonschema.For[A](nil)
	if err != nil {
		panic(fmt.Sprintf("tools.NewFunc(%q): %v", name, err))
	}
	var zero A
	if r, ok := any(&zero).(SchemaRefiner); ok {
		r.RefineSchema(s)
	} else if r, ok := any(zero).(SchemaRefiner); ok {
		r.RefineSchema(s)
	}
	resolved, err := s.Resolve(nil)
	if err != nil {
		panic(fmt.Sprintf("tools.NewFunc(%q): invalid schema: %v", name, err))
	}
	raw, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("tools.NewFunc(%q): %v", name, err))
	}
	return &Func[A]{
		spec:     llm.ToolSpec{Name: name, Description: description, Schema: raw},
		resolved: resolved,
		run:      run,
	}
}

// Spec returns the tool's name, description and schema.
func (f *Func[A]) Spec() llm.ToolSpec { return f.spec }

// Run decodes and validates args, then calls the function.
func (f *Func[A]) Run(ctx context.Context, args json.RawMessage) (Result, error) {
	a, err := Decode[A](args, f.resolved)
	if err != nil {
		return Errorf("%s: %v", f.spec.Name, err), nil
	}
	if err := context.Cause(ctx); err != nil {
		return Result{}, err
	}
	return f.run(ctx, a)
}

// Decode decodes a model's tool arguments into an A: nulls are dropped as
// absent properties, the rest is validated against schema when it is not
// nil, and unknown properties are refused. Numbers decoded into interface
// values are json.Number, exactly as written. The error says what is wrong
// in words a model can act on.
func Decode[A any](args json.RawMessage, schema *jsonschema.Resolved) (A, error) {
	var zero A
	args = bytes.TrimSpace(args)
	if len(args) == 0 {
		args = []byte("{}") // some providers send no arguments for a call without any
	}
	obj, err := object(args, false)
	if err != nil {
		return zero, err
	}
	if schema != nil {
		if err := schema.Validate(obj); err != nil {
			return zero, fmt.Errorf("invalid arguments: %s", strings.TrimPrefix(err.Error(), "validating root: "))
		}
	}
	// The schema validator needs float64 numbers; the value passed on keeps
	// them exact, so that a large integer id reaches a map[string]any (an
	// MCP server's arguments) as the model wrote it.
	exact, err := object(args, true)
	if err != nil {
		return zero, err
	}
	clean, err := json.Marshal(exact)
	if err != nil {
		return zero, err
	}
	dec := json.NewDecoder(bytes.NewReader(clean))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var a A
	if err := dec.Decode(&a); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return zero, fmt.Errorf("invalid arguments: %q must be a %s, not a JSON %s", ute.Field, ute.Type, ute.Value)
		}
		return zero, fmt.Errorf("invalid arguments: %v", err)
	}
	return a, nil
}

// object decodes args, which must be one JSON object, with its null
// properties dropped; with exact, numbers are json.Number.
func object(args []byte, exact bool) (map[string]any, error) {
	in := json.NewDecoder(bytes.NewReader(args))
	if exact {
		in.UseNumber()
	}
	var v any
	if err := in.Decode(&v); err != nil {
		return nil, fmt.Errorf("the arguments are not valid JSON (%v); send one JSON object", err)
	}
	if _, err := in.Token(); err != io.EOF {
		return nil, errors.New("the arguments hold more than one JSON value; send one JSON object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the arguments must be a JSON object, not %s", jsonKind(v))
	}
	dropNulls(obj)
	return obj, nil
}

// dropNulls removes null-valued properties, recursively.
func dropNulls(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if e == nil {
				delete(v, k)
				continue
			}
			dropNulls(e)
		}
	case []any:
		for _, e := range v {
			dropNulls(e)
		}
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "an object"
}
