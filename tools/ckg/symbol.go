package ckg

import (
	"fmt"
	"strings"
)

// Kind is what a [Symbol] defines.
type Kind uint8

// The kinds of definitions. Every language maps its own constructs onto
// these; the package doc lists the mapping.
const (
	Function  Kind = iota + 1 // a free function, or one nested in another function
	Method                    // a function whose parent is a class-like type
	Class                     // a class (also Java records, JS class expressions)
	Struct                    // a struct
	Interface                 // an interface (also Java annotation types)
	Trait                     // a Rust trait
	Enum                      // an enumeration
	Union                     // a C, C++ or Rust union
	Type                      // a type alias or a Go defined type that is neither struct nor interface
	Namespace                 // a C++ namespace, TypeScript namespace or Rust module
)

var kindNames = [...]string{
	Function: "function", Method: "method", Class: "class", Struct: "struct", Interface: "interface",
	Trait: "trait", Enum: "enum", Union: "union", Type: "type", Namespace: "namespace",
}

// String returns the kind's lower-case name, as used in output and flags.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// ParseKind returns the Kind named s (as printed by [Kind.String]).
func ParseKind(s string) (Kind, error) {
	for k, name := range kindNames {
		if name != "" && name == strings.ToLower(s) {
			return Kind(k), nil
		}
	}
	return 0, fmt.Errorf("ckg: unknown kind %q; use one of %s", s, strings.Join(kindNames[1:], ", "))
}

// MarshalText encodes k as its name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText decodes a name written by MarshalText.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	*k = v
	return err
}

// IsType reports whether k is a class-like kind: class, struct, interface,
// trait, enum, union or type. Such a symbol can be the parent of methods.
func (k Kind) IsType() bool { return k >= Class && k <= Type }

// IsFunc reports whether k is a function or a method.
func (k Kind) IsFunc() bool { return k == Function || k == Method }

// Symbol is one definition.
type Symbol struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Parent is the name of the enclosing class, type, namespace or
	// function, "" at top level. For a Go method it is the receiver's base
	// type, for a Rust function in an impl block the implemented type, for
	// a C++ out-of-line definition "A::f" it is "A".
	Parent string `json:"parent"`
	// Path is slash-separated and relative to the repository root.
	Path     string `json:"path"`
	Language string `json:"language"`
	// StartLine and EndLine span the whole definition, 1-based,
	// inclusive. Line and Column locate the defined name (Column counts
	// bytes, from 1).
	StartLine int `json:"start_line"`
	EndLine   int `json:"end_line"`
	Line      int `json:"line"`
	Column    int `json:"column"`
	// Signature is the declaration up to its body with runs of white
	// space collapsed, clipped to a few hundred bytes.
	Signature string `json:"signature,omitempty"`
	// Doc is the doc comment (the comment lines right above the
	// definition, or a Python docstring), without comment markers.
	Doc string `json:"doc,omitempty"`
}

// QualifiedName returns Parent.Name, or Name at top level.
func (s *Symbol) QualifiedName() string {
	if s.Parent == "" {
		return s.Name
	}
	return s.Parent + "." + s.Name
}

// Location returns "path:line".
func (s *Symbol) Location() string { return fmt.Sprintf("%s:%d", s.Path, s.Line) }

// Reference is one use of a name.
type Reference struct {
	Name string `json:"name"`
	Path string `json:"path"`
	// Line and Column locate the name, 1-based; Column counts bytes.
	Line   int `json:"line"`
	Column int `json:"column"`
	// Qualifier is what the name was selected from ("fmt" in fmt.Println,
	// "self" in self.x), "." when that is an expression rather than a
	// name, and "" for a bare name.
	Qualifier string `json:"qualifier,omitempty"`
	// Call is set when the name is called (a call site), not just named.
	Call bool `json:"call,omitempty"`
	// Scope is the qualified name of the innermost definition holding the
	// reference ("Server.Serve"), "" at top level.
	Scope string `json:"scope,omitempty"`
}

// Import is a name a file binds to another module or package.
type Import struct {
	// Name is the name bound in the file ("http", "np", "List"), "*" for a
	// wildcard import, "" when the language binds no name (a Go dot or
	// blank import).
	Name string
	// Path is the module as written: "net/http", "numpy", "./util",
	// "java.util".
	Path string
	// Member is the imported member for from-imports ("Thing" in
	// "from m import Thing as T"), "" when the whole module is bound.
	Member string
}
