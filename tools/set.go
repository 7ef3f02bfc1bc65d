package tools

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/conclave-dev/conclave/llm"
)

// Set is an ordered collection of tools with unique names. The zero value
// is an empty set. Add must not run concurrently with other methods; the
// other methods are safe for concurrent use.
type Set struct {
	tools []Tool
	index map[string]int
}

// NewSet returns a Set holding ts, or an error if two share a name.
func NewSet(ts ...Tool) (*Set, error) {
	s := &Set{}
	if err := s.Add(ts...); err != nil {
		return nil, err
	}
	return s, nil
}

// Add appends ts. It adds nothing and returns an error if a name is empty,
// already in the set, or repeated among ts.
func (s *Set) Add(ts ...Tool) error {
	seen := map[string]bool{}
	for _, t := range ts {
		name := t.Spec().Name
		if name == "" {
			return errors.New("tools: a tool has an empty name")
		}
		if _, dup := s.index[name]; dup || seen[name] {
			return fmt.Errorf("tools: two tools are named %q; rename one (MCP tools can be prefixed by server)", name)
		}
		seen[name] = true
	}
	if s.index == nil {
		s.index = make(map[string]int)
	}
	for _, t := range ts {
		s.index[t.Spec().Name] = len(s.tools)
		s.tools = append(s.tools, t)
	}
	return nil
}

// Get returns the tool named name.
func (s *Set) Get(name string) (Tool, bool) {
	i, ok := s.index[name]
	if !ok {
		return nil, false
	}
	return s.tools[i], true
}

// Tools returns the tools in the order they were added.
func (s *Set) Tools() []Tool { return slices.Clone(s.tools) }

// Names returns the tool names in order.
func (s *Set) Names() []string {
	names := make([]string, len(s.tools))
	for i, t := range s.tools {
		names[i] = t.Spec().Name
	}
	return names
}

// Specs returns the tools' specs in order, ready for [llm.Request.Tools].
func (s *Set) Specs() []llm.ToolSpec {
	specs := make([]llm.ToolSpec, len(s.tools))
	for i, t := range s.tools {
		specs[i] = t.Spec()
	}
	return specs
}

// Run runs the tool that call names with call's arguments. A call to a tool
// not in the set, and a tool that panics (a bug in the tool), become error
// results the model can read, so that one bad call does not end the run. A
// Go error from the tool is returned as is.
func (s *Set) Run(ctx context.Context, call llm.ToolCall) (res Result, err error) {
	t, ok := s.Get(call.Name)
	if !ok {
		return Errorf("there is no tool named %q; the tools are: %s", call.Name, strings.Join(s.Names(), ", ")), nil
	}
	defer func() {
		if p := recover(); p != nil {
			res, err = Errorf("%s crashed on these arguments (panic: %v); try different arguments", call.Name, p), nil
		}
	}()
	return t.Run(ctx, call.Args)
}

// Close closes every tool that holds resources (implements io.Closer), in
// reverse order, and joins their errors.
func (s *Set) Close() error {
	var errs []error
	for _, t := range slices.Backward(s.tools) {
		if c, ok := t.(io.Closer); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}
