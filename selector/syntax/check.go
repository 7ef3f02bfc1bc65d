package syntax

import (
	"context"
	"fmt"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"
)

// Error is a place where a file does not parse: what [Check] reports.
type Error struct {
	Path   string `json:"path"`
	Line   int    `json:"line"`   // from 1
	Column int    `json:"column"` // in bytes, from 1
	// Missing is set when the parser had to assume a token that is not
	// there, such as a closing parenthesis; Node is then its type.
	// Otherwise Node is the start of the text it could not parse.
	Missing bool   `json:"missing,omitempty"`
	Node    string `json:"node"`
}

// Error says where the file does not parse and why, as
// "path:line:column: missing )".
func (e Error) Error() string {
	if e.Missing {
		return fmt.Sprintf("%s:%d:%d: missing %s", e.Path, e.Line, e.Column, e.Node)
	}
	return fmt.Sprintf("%s:%d:%d: syntax error at %q", e.Path, e.Line, e.Column, e.Node)
}

// Check parses each changed file in a language the package knows, before
// and after the patch, and returns the syntax errors the patch
// introduced, by file in patch order and by position within a file.
//
// A file that already had errors before the patch is not held against
// it: an error after the patch counts only if no error before it matches
// (same kind, same text, same source line text, one for one), so a
// pre-existing error that merely moved does not count, while a new one in
// an already broken file does. Deleted and binary files are not checked.
//
// Check returns the context's cause when it is done, which also stops a
// parse in progress. It is safe for concurrent use.
func Check(ctx context.Context, a *Applied) ([]Error, error) {
	var out []Error
	for i := range a.Changes {
		ch := &a.Changes[i]
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		r := rulesFor(ch.Path(), ch.Old, ch.New)
		if r == nil || ch.New == nil || ch.Binary {
			continue
		}
		old, new, err := a.trees(ctx, ch, r, false, true)
		if err != nil {
			return nil, err
		}
		if !new.hasError {
			continue
		}
		before := map[string]int{}
		for _, e := range old.errors {
			before[e.match(ch.Old)]++
		}
		for _, e := range new.errors {
			if m := e.match(ch.New); before[m] > 0 {
				before[m]--
				continue
			}
			e.Path = ch.Path()
			out = append(out, e)
		}
	}
	return out, nil
}

// match is what must be equal for an error before the patch to account
// for one after it.
func (e Error) match(src []byte) string {
	lines := strings.SplitN(string(src), "\n", e.Line+1)
	line := ""
	if e.Line-1 < len(lines) {
		line = strings.TrimSpace(lines[e.Line-1])
	}
	return fmt.Sprintf("%t\x00%s\x00%s", e.Missing, e.Node, line)
}

// errorWeight measures how badly a text parses: the bytes its ERROR nodes
// cover, plus one for each MISSING node.
func errorWeight(root *sitter.Node) int {
	n := 0
	walkProblems(root, func(e *sitter.Node) { n += max(1, int(e.EndByte())-int(e.StartByte())) })
	return n
}

// walkProblems calls f on each ERROR node (not looking inside it) and each
// MISSING node, in order, visiting only subtrees that hold errors.
func walkProblems(n *sitter.Node, f func(*sitter.Node)) {
	switch {
	case n.IsMissing(), n.IsError():
		f(n)
		return
	case !n.HasError():
		return
	}
	for i := range int(n.ChildCount()) {
		walkProblems(n.Child(i), f)
	}
}

// snippet returns the first line of text, at most 40 bytes of it.
func snippet(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	s = strings.TrimSpace(s)
	if len(s) > 40 {
		s = strings.ToValidUTF8(s[:40], "") + "…"
	}
	return s
}
