package syntax

import (
	"strings"
	"sync"

	"github.com/conclave-dev/conclave/internal/lang"
)

// rules are what normalisation knows about one language.
type rules struct {
	lang *lang.Language
	// atomic are the node types written as one token: literals, whose
	// spelling literal rewrites, and tokens the grammar splits (lifetimes).
	atomic map[string]bool
	// literal returns the canonical spelling of a literal token.
	literal func(string) string
	layout  layoutKind
	// dropSemi says a ';' leaf carries nothing the syntax tree does not
	// already show: statements are nodes, and an omitted ';' is implied.
	dropSemi bool
	// splitShift splits ">>" and ">>>" into '>' tokens, as a grammar with
	// generics does when they close type arguments.
	splitShift bool
	lex        *lexRules

	names       sync.Once
	symbolNames []string
}

type layoutKind uint8

const (
	layoutFree      layoutKind = iota // line breaks never matter (Java, Rust)
	layoutPython                      // logical lines and indentation
	layoutGo                          // automatic semicolons
	layoutJS                          // automatic semicolon insertion
	layoutDirective                   // preprocessor lines (C, C++)
)

var cLex = &lexRules{slashes: true, quote: 'c', cPrefixes: true, directives: true, dollar: true, sep: '\'', ops: []string{"<<=", ">>=", "...", "->*", "<=>", "->", "::", ".*", "++", "--", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>", "##"}}

var jsLex = &lexRules{
	slashes: true, backtick: 't', quote: 's', regex: true, hashIdent: true, dollar: true, sep: '_',
	ops: []string{">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=", "=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "**", "<<", ">>"},
}

var jsRules = func(l *lang.Language) *rules {
	num := &numRules{sep: "_", floatOnly: true, suffix: jsSuffix}
	return &rules{
		lang:       l,
		atomic:     set("string", "template_string", "number", "regex"),
		literal:    literalFunc(num, jsString),
		layout:     layoutJS,
		dropSemi:   true,
		splitShift: l != lang.JavaScript,
		lex:        jsLex,
	}
}

var cRules = func(l *lang.Language) *rules {
	num := literalFunc(&numRules{sep: "'", leadingZero: 'o', intBits: 31, suffix: cSuffix}, nil)
	return &rules{
		lang:   l,
		atomic: set("string_literal", "char_literal", "raw_string_literal", "number_literal", "system_lib_string", "preproc_arg"),
		// A macro body or directive argument is one token, its spaces
		// collapsed: "F(x) x+1" and "F (x) x+1" define different macros.
		literal: func(s string) string {
			q := strings.IndexAny(s, `"'`)
			if s == "" || s[0] >= '0' && s[0] <= '9' || s[0] == '.' || q == 0 || q > 0 && isStringPrefix(s[:q], s[q], cLex) {
				return num(s)
			}
			return strings.Join(strings.Fields(s), " ")
		},
		layout:     layoutDirective,
		splitShift: l == lang.Cpp,
		lex:        cLex,
	}
}

var byLang = func() map[*lang.Language]*rules {
	py := &numRules{sep: "_", suffix: pySuffix}
	goNum := &numRules{sep: "_", leadingZero: 'o', suffix: goSuffix}
	java := &numRules{sep: "_", leadingZero: 'o', suffix: javaSuffix}
	rust := &numRules{sep: "_", leadingZero: 'd', suffix: rustSuffix}
	m := map[*lang.Language]*rules{
		lang.Python: {
			atomic:   set("string", "integer", "float"),
			literal:  literalFunc(py, pyString),
			layout:   layoutPython,
			dropSemi: true,
			lex: &lexRules{hashComment: true, pyStrings: true, quote: 's', sep: '_',
				ops: []string{"**=", "//=", ">>=", "<<=", "...", "->", ":=", "**", "//", "<<", ">>", "<=", ">=", "==", "!=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@="}},
		},
		lang.Go: {
			atomic:   set("interpreted_string_literal", "raw_string_literal", "rune_literal", "int_literal", "float_literal", "imaginary_literal"),
			literal:  literalFunc(goNum, goString),
			layout:   layoutGo,
			dropSemi: true,
			lex: &lexRules{slashes: true, backtick: 'r', quote: 'c', sep: '_',
				ops: []string{"<<=", ">>=", "&^=", "...", "&&", "||", "<-", "++", "--", "==", "!=", "<=", ">=", ":=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>", "&^"}},
		},
		lang.Java: {
			atomic: set("string_literal", "character_literal", "decimal_integer_literal", "hex_integer_literal", "octal_integer_literal",
				"binary_integer_literal", "decimal_floating_point_literal", "hex_floating_point_literal"),
			literal:    literalFunc(java, nil),
			splitShift: true,
			lex: &lexRules{slashes: true, quote: 'c', textBlocks: true, dollar: true, sep: '_',
				ops: []string{">>>=", "<<=", ">>=", ">>>", "...", "->", "::", "==", "!=", "<=", ">=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>"}},
		},
		lang.Rust: {
			atomic:     set("string_literal", "raw_string_literal", "char_literal", "integer_literal", "float_literal", "lifetime"),
			literal:    literalFunc(rust, rustString),
			splitShift: true,
			lex: &lexRules{slashes: true, nested: true, multiline: true, quote: 'l', rustRaw: true, sep: '_',
				ops: []string{"<<=", ">>=", "...", "..=", "..", "::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>"}},
		},
	}
	for _, l := range []*lang.Language{lang.JavaScript, lang.TypeScript, lang.TSX} {
		m[l] = jsRules(l)
	}
	for _, l := range []*lang.Language{lang.C, lang.Cpp} {
		m[l] = cRules(l)
	}
	for l, r := range m {
		r.lang = l
	}
	return m
}()

// rulesFor returns the rules for a file's language, or nil when the file
// is compared as text.
func rulesFor(path string) *rules {
	l, ok := lang.ForPath(path)
	if !ok {
		return nil
	}
	return byLang[l]
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// literalFunc spells numbers with num and strings with str (nil: as
// written). Characters, regular expressions, templates and lifetimes keep
// their text.
func literalFunc(num *numRules, str func(string) string) func(string) string {
	return func(s string) string {
		if s == "" {
			return s
		}
		if c := s[0]; c >= '0' && c <= '9' || c == '.' && len(s) > 1 {
			return num.number(s)
		}
		if str != nil {
			return str(s)
		}
		return s
	}
}
