package syntax

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tok is one token of a normalised stream and the line (from 0) of the
// text it came from.
type tok struct {
	s    string
	line int
}

// Markers for the layout that carries meaning. None can be a token of
// valid source.
const (
	markNewline = "⏎" // end of a statement where a line break ends one
	markIndent  = "⇥" // a Python block opens
	markDedent  = "⇤" // a Python block closes
)

// stream turns tokens into a normalised stream: comments go, literals are
// respelled, and line breaks and indentation become markers only where the
// language gives them meaning. src is the text the tokens came from, for
// Python's indentation.
func (r *rules) stream(src string, toks []token, keepDoc bool) []tok {
	toks = r.clean(toks)
	switch r.layout {
	case layoutPython:
		return pythonLayout(src, toks, keepDoc)
	case layoutGo:
		return goLayout(toks)
	case layoutJS:
		return jsLayout(toks)
	case layoutDirective:
		return directiveLayout(toks)
	}
	out := make([]tok, len(toks))
	for i, t := range toks {
		out[i] = tok{t.text, t.line}
	}
	return out
}

// clean drops comments and blank tokens, respells literals and splits
// what must be split; a dropped token's line continuation passes on.
func (r *rules) clean(toks []token) []token {
	out := make([]token, 0, len(toks))
	cont := false
	for _, t := range toks {
		t.cont = t.cont || cont
		cont = false
		switch {
		case t.kind == tkComment:
			if r.layout != layoutGo || !isGoDirective(t.text) {
				cont = t.cont
				continue
			}
			t.kind, t.text = tkCode, strings.TrimRight(t.text, " \t\r\n")
			out = append(out, t)
		case t.kind == tkLiteral:
			t.open = r.layout == layoutPython && !terminated(t.text)
			t.text = r.literal(t.text)
			out = append(out, t)
		case strings.TrimSpace(t.text) == "":
			cont = t.cont
		case r.splitShift && (t.text == ">>" || t.text == ">>>"):
			for range t.text {
				t.text = ">"
				out = append(out, t)
			}
		case r.layout == layoutDirective && strings.HasPrefix(t.text, "#"):
			t.text = strings.Join(strings.Fields(t.text), "")
			out = append(out, t)
		case strings.ContainsAny(t.text, " \t\r\n"):
			for _, f := range strings.Fields(t.text) {
				t.text = f
				out = append(out, t)
				t.cont = false
			}
		default:
			out = append(out, t)
		}
	}
	return out
}

// isGoDirective reports whether a Go comment is a directive the toolchain
// reads (//go:build, //go:embed, //go:generate, //line …): those are kept.
func isGoDirective(c string) bool {
	return strings.HasPrefix(c, "//go:") || strings.HasPrefix(c, "//line ") || strings.HasPrefix(c, "// +build")
}

func isString(t token) bool {
	if t.kind != tkLiteral || t.text == "" {
		return false
	}
	c := t.text[0]
	return !(c >= '0' && c <= '9' || c == '.')
}

// pythonLayout marks logical lines and indentation. A line break ends a
// statement unless brackets are open or a backslash continues the line; a
// ';' ends one too. Indentation is compared with the lines before, as
// Python does, so re-indenting a whole block in the same way changes
// nothing but moving a statement in or out of a block does. A fragment may
// start inside brackets: the lowest bracket depth it reaches is taken as
// depth zero. Unless keepDoc, statements that are only string literals
// (docstrings) go.
func pythonLayout(src string, toks []token, keepDoc bool) []tok {
	depth := make([]int, len(toks))
	d, low := 0, 0
	for i, t := range toks {
		depth[i] = d
		if t.kind == tkCode {
			switch t.text {
			case "(", "[", "{":
				d++
			case ")", "]", "}":
				d--
				low = min(low, d)
			}
		}
	}
	type stmt struct {
		from, to int  // its tokens, toks[from:to]
		top      bool // at depth zero: a whole statement, as far as the fragment shows
		newLine  bool // first statement of its logical line
		indent   int
	}
	starts := []int{0} // where each line of src starts
	for i := range len(src) {
		if src[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	var stmts []stmt
	open := false // the last statement takes more tokens
	for i, t := range toks {
		top := depth[i] == low
		switch {
		case i == 0 || top && !t.cont && t.line > toks[i-1].endLine:
			stmts = append(stmts, stmt{from: i, to: i, top: top, newLine: true, indent: indentWidth(src[starts[min(t.line, len(starts)-1)]:])})
		case !open:
			stmts = append(stmts, stmt{from: i, to: i, top: top, indent: stmts[len(stmts)-1].indent})
		}
		open = true
		if top && t.kind == tkCode && t.text == ";" {
			open = false
			continue
		}
		stmts[len(stmts)-1].to = i + 1
	}
	out := make([]tok, 0, len(toks)+len(stmts))
	var stack []int
	for _, s := range stmts {
		body := toks[s.from:s.to]
		if len(body) == 0 || !keepDoc && s.top && allStrings(body) {
			continue
		}
		line := body[0].line
		if s.newLine && s.top {
			switch {
			case len(stack) == 0:
				stack = append(stack, s.indent)
			case s.indent > stack[len(stack)-1]:
				stack = append(stack, s.indent)
				out = append(out, tok{markIndent, line})
			default:
				for len(stack) > 0 && s.indent < stack[len(stack)-1] {
					stack = stack[:len(stack)-1]
					out = append(out, tok{markDedent, line})
				}
				if len(stack) == 0 || stack[len(stack)-1] < s.indent {
					stack = append(stack, s.indent) // an inconsistent dedent starts afresh
				}
			}
		}
		for _, t := range body {
			out = append(out, tok{t.text, t.line})
		}
		out = append(out, tok{markNewline, body[len(body)-1].endLine})
	}
	return out
}

func allStrings(toks []token) bool {
	for _, t := range toks {
		if !isString(t) || t.open {
			return false
		}
	}
	return true
}

// terminated reports whether a Python literal that is a string has its
// closing quote; other literals are.
func terminated(text string) bool {
	i := strings.IndexAny(text, `'"`)
	if i < 0 || i > 3 {
		return true
	}
	q := text[i : i+1]
	if strings.HasPrefix(text[i:], q+q+q) {
		q += q + q
	}
	body := text[i+len(q):]
	if len(body) < len(q) || !strings.HasSuffix(body, q) {
		return false
	}
	slashes := len(body) - len(q) - len(strings.TrimRight(body[:len(body)-len(q)], `\`))
	return slashes%2 == 0
}

// indentWidth returns the width of the white space a line starts with,
// tabs advancing to the next multiple of eight as in Python's tokenizer.
func indentWidth(line string) int {
	w := 0
	for _, c := range []byte(line) {
		switch c {
		case ' ':
			w++
		case '\t':
			w = w/8*8 + 8
		case '\f':
			w = 0
		default:
			return w
		}
	}
	return w
}

// goLayout inserts the semicolons Go's lexer inserts at line ends, then
// drops those before a closing ')' or '}', which Go lets one omit.
func goLayout(toks []token) []tok {
	out := make([]tok, 0, len(toks)+len(toks)/4)
	for i, t := range toks {
		out = append(out, tok{t.text, t.line})
		if (i+1 == len(toks) || toks[i+1].line > t.endLine) && goEndsStatement(t) {
			out = append(out, tok{";", t.endLine})
		}
	}
	kept := out[:0]
	for i, t := range out {
		if t.s == ";" && i+1 < len(out) && (out[i+1].s == ")" || out[i+1].s == "}") {
			continue
		}
		kept = append(kept, t)
	}
	return kept
}

var goKeywords = set("break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
	"for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select",
	"struct", "switch", "type", "var")

func goEndsStatement(t token) bool {
	if t.kind == tkLiteral {
		return true
	}
	switch t.text {
	case "break", "continue", "fallthrough", "return", "++", "--", ")", "]", "}":
		return true
	}
	return isWord(t.text) && !goKeywords[t.text]
}

func isWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || r == '$' || unicode.IsLetter(r)
}

// JavaScript's automatic semicolon insertion, approximated from the safe
// side: a line break is kept (as a marker) unless it provably changes
// nothing, because the token before it needs an operand, the token after
// it can only continue an expression, or it sits directly inside ( or [.
// Line breaks after return, break, continue, throw, yield and async, and
// before ++ and --, always count.
var (
	jsRestricted = set("return", "break", "continue", "throw", "yield", "async",
		"type", "declare", "abstract", "namespace", "module", "interface", "let")
	jsNeedsMore = set(";", ",", "{", "(", "[", ".", "?.", "=", "+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", ">>>=",
		"&=", "|=", "^=", "&&=", "||=", "??=", "=>", "+", "-", "*", "/", "%", "**", "<", "<=", ">=", "==", "===", "!=",
		"!==", "&&", "||", "??", "?", ":", "&", "|", "^", "<<", "~", "...",
		"in", "instanceof", "typeof", "new", "delete", "void", "else", "extends")
	jsContinues = set(")", "]", "}", ".", "?.", ",", ";", "=", "+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", ">>>=",
		"&=", "|=", "^=", "&&=", "||=", "??=", "=>", "*", "/", "%", "**", "==", "===", "!=", "!==", "<=", ">=",
		"&&", "||", "??", "?", ":", "&", "|", "^", "<<", "(", "[", "+", "-", "in", "instanceof")
)

func jsLayout(toks []token) []tok {
	out := make([]tok, 0, len(toks)+len(toks)/4)
	var open []string
	for i, t := range toks {
		if i > 0 && t.line > toks[i-1].endLine && jsBreakCounts(toks[i-1], t, open) && out[len(out)-1].s != markNewline {
			out = append(out, tok{markNewline, toks[i-1].endLine})
		}
		out = append(out, tok{t.text, t.line})
		if t.kind != tkCode {
			continue
		}
		switch t.text {
		case "(", "[", "{", "${":
			open = append(open, t.text)
		case ")", "]", "}":
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
	}
	return out
}

func jsBreakCounts(prev, next token, open []string) bool {
	switch {
	case prev.kind == tkCode && jsRestricted[prev.text], next.text == "++", next.text == "--":
		return true
	case len(open) > 0 && (open[len(open)-1] == "(" || open[len(open)-1] == "["):
		return false
	case prev.kind == tkCode && jsNeedsMore[prev.text], next.kind == tkCode && jsContinues[next.text]:
		return false
	case next.kind == tkLiteral && strings.HasPrefix(next.text, "`"):
		return false // a tagged template
	}
	return true
}

// directiveLayout ends each preprocessor directive with a marker: a
// directive ends at its line's end, unlike everything else in C.
func directiveLayout(toks []token) []tok {
	out := make([]tok, 0, len(toks))
	in := false
	for i, t := range toks {
		newLine := i == 0 || t.line > toks[i-1].endLine
		if in && newLine && !t.cont {
			out = append(out, tok{markNewline, toks[i-1].endLine})
			in = false
		}
		if newLine && t.kind == tkCode && strings.HasPrefix(t.text, "#") && len(t.text) > 1 {
			in = true
		}
		out = append(out, tok{t.text, t.line})
	}
	if in {
		out = append(out, tok{markNewline, toks[len(toks)-1].endLine})
	}
	return out
}
