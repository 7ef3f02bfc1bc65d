package conclave_test

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/discovery"
	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/selector/rank"
	"github.com/conclave-dev/conclave/selector/syntax"
	"github.com/conclave-dev/conclave/vote"
)

// serialised lists the exported types written to files, trajectories and
// reports. Add a type here when it starts being written; the types it
// holds are checked with it.
var serialised = []any{
	// conclave: the run directory's records and the progress events
	conclave.Task{}, conclave.Attempt{}, conclave.Result{}, conclave.Event{},
	// agent/tester: plans and results are kept in run directories
	tester.Plan{}, tester.Result{},
	// llm: requests and responses are recorded (llm/replay) and traced
	llm.Request{}, llm.Response{}, llm.Event{}, llm.Totals{}, llm.Price{},
	// agent: runs, their events and trajectories
	agent.Run{}, agent.Event{}, agent.Trae{},
	// agent/discovery: DeepDiscovery's answer, a tool result in trajectories
	discovery.Result{},
	// vote
	vote.Result{}, vote.Estimate{}, vote.Item{}, vote.Prior{}, vote.Record{},
	// selector
	selector.Decision{}, selector.Candidate{}, selector.Question{}, selector.Answer{}, selector.Verdict{},
	// selector/syntax
	syntax.Error{}, syntax.Normal{},
	// selector/rank: model files
	rank.Model{},
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// TestJSONTags checks that every field of the serialised types, and of
// the types they hold, has an explicit json tag naming it in snake_case,
// so that what is written does not change with a Go rename.
func TestJSONTags(t *testing.T) {
	seen := map[reflect.Type]bool{}
	for _, v := range serialised {
		walkJSON(reflect.TypeOf(v), reflect.TypeOf(v).String(), seen, t.Errorf)
	}
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// walkJSON checks typ's fields and walks into the types they hold,
// reporting each field that breaks the rule; path says how typ was
// reached.
func walkJSON(typ reflect.Type, path string, seen map[reflect.Type]bool, report func(format string, args ...any)) {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if seen[typ] {
		return
	}
	seen[typ] = true
	if typ.Implements(jsonMarshaler) || typ.Implements(textMarshaler) ||
		reflect.PointerTo(typ).Implements(jsonMarshaler) || reflect.PointerTo(typ).Implements(textMarshaler) {
		return // it says itself how it encodes
	}
	switch typ.Kind() {
	case reflect.Slice, reflect.Array:
		walkJSON(typ.Elem(), path+"[]", seen, report)
	case reflect.Map:
		walkJSON(typ.Key(), path+"{key}", seen, report)
		walkJSON(typ.Elem(), path+"{}", seen, report)
	case reflect.Struct:
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() {
				continue
			}
			tag, ok := f.Tag.Lookup("json")
			name, _, _ := strings.Cut(tag, ",")
			switch {
			case !ok && f.Anonymous:
				walkJSON(f.Type, path, seen, report)
				continue
			case !ok:
				report("%s.%s (%s) has no json tag: add one naming it in snake_case", path, f.Name, typ)
				continue
			case name == "-":
				continue
			case !snakeCase.MatchString(name):
				report("%s.%s (%s) is tagged %q: name it in snake_case", path, f.Name, typ, name)
			}
			walkJSON(f.Type, path+"."+f.Name, seen, report)
		}
	}
}

// TestJSONTagsWalker checks the walker on a type made to fail it: a field
// without a tag two levels down, behind a map of pointers, and a tag not
// in snake_case.
func TestJSONTagsWalker(t *testing.T) {
	type inner struct {
		Good int `json:"good"`
		Bad  int
		skip int
	}
	type outer struct {
		List  []inner           `json:"list"`
		ByKey map[string]*inner `json:"by_key"`
		Camel string            `json:"camelCase"`
		Quiet string            `json:"-"`
	}
	var failures []string
	walkJSON(reflect.TypeFor[outer](), "outer", map[reflect.Type]bool{}, func(format string, args ...any) {
		failures = append(failures, fmt.Sprintf(format, args...))
	})
	assert.Len(t, failures, 2)
	assert.Contains(t, failures, "outer.List[].Bad (conclave_test.inner) has no json tag: add one naming it in snake_case")
	assert.Contains(t, failures, `outer.Camel (conclave_test.outer) is tagged "camelCase": name it in snake_case`)
}
