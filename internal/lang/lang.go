// Package lang maps source files to their language and tree-sitter grammar.
// It is the one place that lists the languages Conclave parses, shared by
// the code knowledge graph (tools/ckg) and syntax voting (selector/syntax).
package lang

import (
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/c"
	"github.com/smacker/go-tree-sitter/cpp"
	"github.com/smacker/go-tree-sitter/golang"
	"github.com/smacker/go-tree-sitter/java"
	"github.com/smacker/go-tree-sitter/javascript"
	"github.com/smacker/go-tree-sitter/python"
	"github.com/smacker/go-tree-sitter/rust"
	"github.com/smacker/go-tree-sitter/typescript/tsx"
	"github.com/smacker/go-tree-sitter/typescript/typescript"
)

// Language is a programming language Conclave can parse.
type Language struct {
	// Name is a short stable identifier: "python", "go", "java",
	// "javascript", "typescript", "tsx", "rust", "c", "cpp".
	Name string
	// Extensions are the file name extensions, with the dot, lower case.
	Extensions []string

	grammar func() *sitter.Language
}

// Grammar returns the tree-sitter grammar. The value is shared and
// immutable; parsers may use it concurrently.
func (l *Language) Grammar() *sitter.Language { return l.grammar() }

var (
	Python     = &Language{Name: "python", Extensions: []string{".py", ".pyi"}, grammar: sync.OnceValue(python.GetLanguage)}
	Go         = &Language{Name: "go", Extensions: []string{".go"}, grammar: sync.OnceValue(golang.GetLanguage)}
	Java       = &Language{Name: "java", Extensions: []string{".java"}, grammar: sync.OnceValue(java.GetLanguage)}
	JavaScript = &Language{Name: "javascript", Extensions: []string{".js", ".mjs", ".cjs", ".jsx"}, grammar: sync.OnceValue(javascript.GetLanguage)}
	TypeScript = &Language{Name: "typescript", Extensions: []string{".ts", ".mts", ".cts"}, grammar: sync.OnceValue(typescript.GetLanguage)}
	TSX        = &Language{Name: "tsx", Extensions: []string{".tsx"}, grammar: sync.OnceValue(tsx.GetLanguage)}
	Rust       = &Language{Name: "rust", Extensions: []string{".rs"}, grammar: sync.OnceValue(rust.GetLanguage)}
	// C claims ".h" by its extension; ForSource gives a ".h" that uses C++
	// to Cpp.
	C   = &Language{Name: "c", Extensions: []string{".c", ".h"}, grammar: sync.OnceValue(c.GetLanguage)}
	Cpp = &Language{Name: "cpp", Extensions: []string{".cc", ".cpp", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++"}, grammar: sync.OnceValue(cpp.GetLanguage)}
)

var all = []*Language{Python, Go, Java, JavaScript, TypeScript, TSX, Rust, C, Cpp}

var byExt = func() map[string]*Language {
	m := make(map[string]*Language)
	for _, l := range all {
		for _, e := range l.Extensions {
			m[e] = l
		}
	}
	return m
}()

// All returns every language, in a fixed order.
func All() []*Language { return append([]*Language(nil), all...) }

// ForPath returns the language of a file by its extension.
func ForPath(path string) (*Language, bool) {
	l, ok := byExt[strings.ToLower(filepath.Ext(path))]
	return l, ok
}

// cppMarkers are constructs C does not have. A header using any of them is
// C++ (a C header might mention them only in comments or strings, which is
// rare enough for a tie-breaker between two grammars).
var cppMarkers = regexp.MustCompile(`(?m)^\s*(class\s+\w+\s*[:{]|namespace\b|template\s*<|(public|private|protected)\s*:)|\busing\s+namespace\b|\w::\w`)

// ForSource returns the language of a file by its extension, refined by its
// contents where the extension is shared: a ".h" header is C++ when it uses
// C++ constructs (classes, namespaces, templates, access specifiers, "::"),
// and C otherwise.
func ForSource(path string, src []byte) (*Language, bool) {
	l, ok := ForPath(path)
	if ok && l == C && strings.EqualFold(filepath.Ext(path), ".h") && cppMarkers.Match(src) {
		return Cpp, true
	}
	return l, ok
}

// Fits reports whether a file at path may be in the language named name:
// the language of its extension, or C++ for a ".h" header.
func Fits(path, name string) bool {
	l, ok := ForPath(path)
	if !ok {
		return false
	}
	return l.Name == name || (l == C && name == Cpp.Name && strings.EqualFold(filepath.Ext(path), ".h"))
}

// ByName returns the language with the given Name.
func ByName(name string) (*Language, bool) {
	for _, l := range all {
		if l.Name == name {
			return l, true
		}
	}
	return nil, false
}
