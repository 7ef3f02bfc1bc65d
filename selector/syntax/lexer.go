package syntax

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// A token of source text, from a syntax tree's leaves or from the plain
// lexer; layout turns a list of them into the normalised stream.
type token struct {
	text    string
	kind    tokKind
	line    int  // line of the first byte, from 0
	endLine int  // line of the last byte
	cont    bool // a backslash line continuation comes before it
	open    bool // a string literal that runs to the end of the text
}

type tokKind uint8

const (
	tkCode    tokKind = iota // identifier, keyword, operator, punctuation
	tkLiteral                // string, number, character, regular expression, lifetime
	tkComment
)

// lexRules describe a language's lexical conventions for the plain lexer.
type lexRules struct {
	hashComment bool     // '#' starts a line comment (Python)
	slashes     bool     // "//" and "/* */" comments
	nested      bool     // block comments nest (Rust)
	pyStrings   bool     // Python string prefixes and triple quotes
	multiline   bool     // "…" strings may span lines (Rust)
	backtick    byte     // what ` starts: 'r' raw string (Go), 't' template (JavaScript), 0 nothing
	quote       byte     // what ' starts: 's' string, 'c' character, 'l' character or lifetime (Rust)
	regex       bool     // /…/ regular expression literals (JavaScript)
	rustRaw     bool     // r"…", r#"…"#, b"…", br"…"
	cPrefixes   bool     // L"…", u"…", U"…", u8"…", and R"d(…)d" raw strings
	directives  bool     // '#' first on a line starts a preprocessor directive
	textBlocks  bool     // """…""" text blocks (Java)
	hashIdent   bool     // '#' right before an identifier belongs to it (JavaScript private names)
	dollar      bool     // '$' is an identifier character
	ops         []string // operators of more than one character, longest first
	sep         byte     // digit separator ('_' or '\'')
}

// lex splits src into tokens without a grammar: comments, literals,
// identifiers and operators. It never fails; text it does not recognise
// becomes one-character tokens. open is the opening delimiter of a string
// or comment still open at the end of src: a hint that src is a fragment
// cut inside one.
func lex(src string, lr *lexRules) (toks []token, open string) {
	line := 0
	cont := false
	first := true // no token yet on this line
	emit := func(start, end int, kind tokKind) {
		t := token{text: src[start:end], kind: kind, line: line, cont: cont}
		for i := start; i < end; i++ {
			if src[i] == '\n' {
				line++
			}
		}
		t.endLine = line
		toks = append(toks, t)
		cont, first = false, false
	}
	n := len(src)
	for i := 0; i < n; {
		c := src[i]
		switch {
		case c == '\n':
			line, first = line+1, true
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '\\' && (strings.HasPrefix(src[i+1:], "\n") || strings.HasPrefix(src[i+1:], "\r\n")):
			i = strings.IndexByte(src[i:], '\n') + i + 1
			line, cont = line+1, true
		case lr.hashComment && c == '#', lr.slashes && strings.HasPrefix(src[i:], "//"):
			end := strings.IndexByte(src[i:], '\n')
			if end < 0 {
				end = n - i
			}
			emit(i, i+end, tkComment)
			i += end
		case lr.slashes && strings.HasPrefix(src[i:], "/*"):
			end, ok := blockComment(src, i, lr.nested)
			if !ok {
				open = "/*"
			}
			emit(i, end, tkComment)
			i = end
		case c >= '0' && c <= '9' || c == '.' && i+1 < n && src[i+1] >= '0' && src[i+1] <= '9':
			end := number(src, i, lr.sep)
			emit(i, end, tkLiteral)
			i = end
		case c == '"' || c == '\'' || c == '`':
			end, o := quoted(src, i, i, lr)
			if o != "" {
				open = o
			}
			emit(i, end, tkLiteral)
			i = end
		case c == '#' && lr.directives && first:
			// The directive's name, then the rest of its line (continued
			// lines included, comments dropped) as one token.
			j := i + 1
			for j < n && (src[j] == ' ' || src[j] == '\t') {
				j++
			}
			k := ident(src, j, lr)
			toks = append(toks, token{text: "#" + src[j:k], line: line, endLine: line, cont: cont})
			cont, first = false, false
			end := k
			for end < n && src[end] != '\n' {
				if strings.HasPrefix(src[end:], "\\\n") {
					end++
				}
				end++
			}
			switch rest := directiveArg(src[k:end]); {
			case rest != "":
				emit(k, end, tkLiteral)
				toks[len(toks)-1].text = rest
			case k < end:
				emit(k, end, tkComment)
			}
			i = end
		case c == '#' && lr.hashIdent && i+1 < n && identStart(src[i+1:], lr):
			end := ident(src, i+1, lr)
			emit(i, end, tkCode)
			i = end
		case identStart(src[i:], lr):
			end := ident(src, i, lr)
			if q := end; q < n && (src[q] == '"' || src[q] == '\'' || src[q] == '#') && isStringPrefix(src[i:end], src[q], lr) {
				end, o := quoted(src, i, q, lr)
				if o != "" {
					open = o
				}
				emit(i, end, tkLiteral)
				i = end
				continue
			}
			emit(i, end, tkCode)
			i = end
		case c == '/' && lr.regex && regexAllowed(toks):
			if end := regexEnd(src, i); end > 0 {
				emit(i, end, tkLiteral)
				i = end
				continue
			}
			emit(i, i+operator(src[i:], lr.ops), tkCode)
			i += operator(src[i:], lr.ops)
		default:
			end := i + operator(src[i:], lr.ops)
			emit(i, end, tkCode)
			i = end
		}
	}
	return toks, open
}

// directiveArg returns a directive's argument without comments, line
// continuations and runs of spaces.
func directiveArg(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "//"):
			i = len(s)
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				i = len(s)
				break
			}
			i += end + 3
			b.WriteByte(' ')
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '\n':
			b.WriteByte(' ')
			i++
		default:
			b.WriteByte(s[i])
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func identStart(s string, lr *lexRules) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || unicode.IsLetter(r) || r == '$' && lr.dollar
}

func ident(src string, i int, lr *lexRules) int {
	for i < len(src) {
		r, size := utf8.DecodeRuneInString(src[i:])
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && (r != '$' || !lr.dollar) {
			break
		}
		i += size
	}
	return i
}

// operator returns the length of the operator at the start of s: the
// longest listed one, else one character.
func operator(s string, ops []string) int {
	for _, op := range ops {
		if strings.HasPrefix(s, op) {
			return len(op)
		}
	}
	_, size := utf8.DecodeRuneInString(s)
	return size
}

// number returns the end of the numeric literal starting at i: digits,
// letters (bases, exponents, suffixes), separators, one point, and the
// sign of an exponent.
func number(src string, i int, sep byte) int {
	hex := strings.HasPrefix(src[i:], "0x") || strings.HasPrefix(src[i:], "0X")
	point := false
	for i < len(src) {
		c := src[i]
		switch {
		case isAlnum(c):
			i++
			if (c|0x20 == 'e' && !hex || c|0x20 == 'p' && hex) && i < len(src) && (src[i] == '+' || src[i] == '-') {
				i++
			}
		case c == sep && sep != 0 && i+1 < len(src) && isAlnum(src[i+1]):
			i++
		case c == '.' && !point:
			next := byte(0)
			if i+1 < len(src) {
				next = src[i+1]
			}
			exponent := next|0x20 == 'e' && !hex && i+2 < len(src) && (src[i+2] >= '0' && src[i+2] <= '9' || src[i+2] == '+' || src[i+2] == '-')
			if next == '.' || (next == '_' || unicode.IsLetter(rune(next))) && !exponent {
				return i
			}
			point = true
			i++
		default:
			return i
		}
	}
	return i
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z' || c == '_'
}

func blockComment(src string, i int, nested bool) (int, bool) {
	depth := 0
	for j := i; j+1 < len(src); j++ {
		switch {
		case src[j] == '/' && src[j+1] == '*' && (nested || depth == 0):
			depth++
			j++
		case src[j] == '*' && src[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j + 1, true
			}
		}
	}
	return len(src), false
}

// isStringPrefix reports whether word, followed by the character q, is the
// prefix of a string literal.
func isStringPrefix(word string, q byte, lr *lexRules) bool {
	switch {
	case lr.pyStrings:
		if q == '#' || len(word) > 2 {
			return false
		}
		w := strings.ToLower(word)
		return strings.Trim(w, "rbuf") == "" && !(len(w) == 2 && (w[0] == w[1] || strings.Contains(w, "u") || w == "bf" || w == "fb"))
	case lr.rustRaw:
		switch word {
		case "b", "c":
			return q != '#'
		case "r", "br", "cr":
			return q == '"' || q == '#'
		}
	case lr.cPrefixes:
		switch word {
		case "L", "u", "U", "u8":
			return q != '#'
		case "R", "LR", "uR", "UR", "u8R":
			return q == '"'
		}
	}
	return false
}

// quoted returns the end of the literal whose prefix starts at start and
// whose quote is at q, and the opening delimiter when the literal runs to
// the end of src.
func quoted(src string, start, q int, lr *lexRules) (end int, open string) {
	prefix := src[start:q]
	c := src[q]
	switch {
	case lr.rustRaw && strings.HasSuffix(prefix, "r"):
		hashes := 0
		for q+hashes < len(src) && src[q+hashes] == '#' {
			hashes++
		}
		body := q + hashes + 1
		if body > len(src) || src[body-1] != '"' {
			return q + hashes, ""
		}
		closer := `"` + strings.Repeat("#", hashes)
		if k := strings.Index(src[body:], closer); k >= 0 {
			return body + k + len(closer), ""
		}
		return len(src), src[start:body]
	case lr.cPrefixes && strings.HasSuffix(prefix, "R") && c == '"':
		paren := strings.IndexByte(src[q:], '(')
		if paren < 0 || paren > 17 {
			return q + 1, ""
		}
		closer := ")" + src[q+1:q+paren] + `"`
		if k := strings.Index(src[q+paren:], closer); k >= 0 {
			return q + paren + k + len(closer), ""
		}
		return len(src), src[start : q+paren+1]
	case c == '`' && lr.backtick == 'r':
		if k := strings.IndexByte(src[q+1:], '`'); k >= 0 {
			return q + k + 2, ""
		}
		return len(src), "`"
	case c == '`' && lr.backtick == 't':
		return template(src, q)
	case c == '`':
		return q + 1, ""
	case c == '\'' && lr.quote == 'l':
		if q+2 < len(src) && src[q+1] != '\\' {
			if _, size := utf8.DecodeRuneInString(src[q+1:]); q+1+size < len(src) && src[q+1+size] == '\'' {
				return q + size + 2, ""
			}
			if identStart(src[q+1:], lr) {
				return ident(src, q+1, lr), "" // a lifetime or label
			}
		}
	}
	triple := (lr.pyStrings || lr.textBlocks && c == '"') && strings.HasPrefix(src[q:], strings.Repeat(string(c), 3))
	if triple {
		closer := strings.Repeat(string(c), 3)
		for j := q + 3; j < len(src); j++ {
			switch {
			case src[j] == '\\':
				j++
			case strings.HasPrefix(src[j:], closer):
				return j + 3, ""
			}
		}
		return len(src), closer
	}
	multiline := lr.multiline && c == '"'
	for j := q + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case c:
			return j + 1, ""
		case '\n':
			if !multiline {
				return j, "" // unterminated on its line: the literal ends there
			}
		}
	}
	if multiline {
		return len(src), string(c)
	}
	return len(src), ""
}

// template returns the end of a JavaScript template literal, skipping its
// ${…} substitutions.
func template(src string, q int) (int, string) {
	depth := 0
	for j := q + 1; j < len(src); j++ {
		switch {
		case src[j] == '\\':
			j++
		case depth == 0 && src[j] == '`':
			return j + 1, ""
		case strings.HasPrefix(src[j:], "${"):
			depth++
			j++
		case depth > 0 && src[j] == '{':
			depth++
		case depth > 0 && src[j] == '}':
			depth--
		}
	}
	return len(src), "`"
}

// regexAllowed reports whether a '/' after toks starts a regular
// expression rather than a division, by the usual rule: a division follows
// an operand.
func regexAllowed(toks []token) bool {
	for i := len(toks) - 1; i >= 0; i-- {
		t := toks[i]
		if t.kind == tkComment {
			continue
		}
		if t.kind == tkLiteral {
			return false
		}
		switch t.text {
		case ")", "]", "}", "++", "--":
			return false
		case "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await":
			return true
		}
		r, _ := utf8.DecodeRuneInString(t.text)
		return !(r == '_' || r == '$' || r == '#' || unicode.IsLetter(r) || unicode.IsDigit(r))
	}
	return true
}

// regexEnd returns the end of the regular expression literal at i, or 0
// when the line ends first.
func regexEnd(src string, i int) int {
	class := false
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '\n':
			return 0
		case '[':
			class = true
		case ']':
			class = false
		case '/':
			if !class {
				j++
				for j < len(src) && isAlnum(src[j]) {
					j++
				}
				return j
			}
		}
	}
	return 0
}
