package syntax

import (
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Literal spellings. Each function returns the canonical spelling of one
// literal token, or the token unchanged when it is not sure the rewrite
// keeps the meaning: two literals get the same spelling only when the
// language gives them the same value and type.

// numRules say how a language spells numbers.
type numRules struct {
	sep         string // digit separators to drop ("_" or "'")
	leadingZero byte   // what an integer such as 017 is: 'o' octal, 'd' decimal, 0 leave as written
	floatOnly   bool   // every number without a suffix is a double (JavaScript)
	intBits     int    // values below 1<<intBits have the same type in every base (C); 0: no limit
	// suffix validates a type suffix and returns its canonical spelling and
	// whether it makes the literal a floating-point (or imaginary) number.
	suffix func(s string, float bool) (canon string, isFloat, ok bool)
}

// number returns the canonical spelling of a numeric literal: integers in
// decimal, other numbers as their exact decimal expansion with at least one
// fractional digit, followed by the canonical type suffix.
func (r *numRules) number(text string) string {
	s := text
	for _, c := range r.sep {
		s = strings.ReplaceAll(s, string(c), "")
	}
	base := 10
	if len(s) > 2 && s[0] == '0' {
		switch s[1] | 0x20 {
		case 'x':
			base = 16
		case 'o':
			base = 8
		case 'b':
			base = 2
		}
	}
	body := s
	if base != 10 {
		body = s[2:]
	}
	isDigit := func(c byte) bool { return digitVal(c) < base }
	i := 0
	for i < len(body) && isDigit(body[i]) {
		i++
	}
	mant, frac := body[:i], ""
	if i < len(body) && body[i] == '.' && (base == 10 || base == 16) {
		j := i + 1
		for j < len(body) && isDigit(body[j]) {
			j++
		}
		frac, i = body[i+1:j], j
	}
	exp, hasExp := 0, false
	if i < len(body) && (base == 10 && body[i]|0x20 == 'e' || base == 16 && body[i]|0x20 == 'p') {
		j := i + 1
		if j < len(body) && (body[j] == '+' || body[j] == '-') {
			j++
		}
		k := j
		for k < len(body) && body[k] >= '0' && body[k] <= '9' {
			k++
		}
		e, err := strconv.Atoi(body[i+1 : k])
		if k == j || err != nil || e > 1000 || e < -1000 {
			return text
		}
		exp, hasExp, i = e, true, k
	}
	if mant == "" && frac == "" {
		return text
	}
	float := hasExp || len(body) > len(mant) && body[len(mant)] == '.'
	if base == 16 && float && !hasExp {
		return text // a hexadecimal float needs its binary exponent
	}
	suffix, isFloat, ok := r.suffix(body[i:], float)
	if !ok {
		return text
	}
	float = float || isFloat || r.floatOnly && suffix == ""
	if !float && base == 10 && len(mant) > 1 && mant[0] == '0' {
		switch r.leadingZero {
		case 'o':
			base, mant = 8, mant[1:]
			if strings.ContainsAny(mant, "89") {
				return text
			}
		case 0:
			return text
		}
	}
	if !float {
		v, ok := new(big.Int).SetString(mant, base)
		if !ok {
			return text
		}
		if r.intBits > 0 && base != 10 && v.BitLen() >= r.intBits {
			return text // in C a large hex or octal constant may be unsigned where the decimal one is not
		}
		return v.String() + suffix
	}
	v, ok := new(big.Int).SetString(mant+frac, base)
	if mant+frac == "" || !ok {
		return text
	}
	q := new(big.Rat).SetInt(v)
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(int64(base)), big.NewInt(int64(len(frac))), nil))
	q.Quo(q, scale)
	if hasExp {
		b := int64(10)
		if base == 16 {
			b = 2
		}
		p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(b), big.NewInt(int64(abs(exp))), nil))
		if exp < 0 {
			q.Quo(q, p)
		} else {
			q.Mul(q, p)
		}
	}
	return decimal(q) + suffix
}

// decimal writes q exactly in decimal. Every literal's value is a decimal
// or binary fraction, so its denominator is 2^a·5^b and max(a, b) digits
// after the point suffice.
func decimal(q *big.Rat) string {
	d := new(big.Int).Set(q.Denom())
	var twos, fives int
	for d.Bit(0) == 0 && d.BitLen() > 1 {
		d.Rsh(d, 1)
		twos++
	}
	five, m := big.NewInt(5), new(big.Int)
	for {
		qq, r := new(big.Int).QuoRem(d, five, m)
		if r.Sign() != 0 {
			break
		}
		d, fives = qq, fives+1
	}
	if d.Cmp(big.NewInt(1)) != 0 {
		return q.RatString()
	}
	s := strings.TrimRight(q.FloatString(max(twos, fives, 1)), "0")
	if strings.HasSuffix(s, ".") {
		s += "0"
	}
	return s
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return 99
}

// Type suffixes, per language.

func pySuffix(s string, float bool) (string, bool, bool) {
	switch s {
	case "":
		return "", float, true
	case "j", "J":
		return "j", true, true
	}
	return "", false, false
}

func goSuffix(s string, float bool) (string, bool, bool) {
	switch s {
	case "":
		return "", float, true
	case "i":
		return "i", true, true
	}
	return "", false, false
}

func jsSuffix(s string, float bool) (string, bool, bool) {
	switch {
	case s == "":
		return "", true, true
	case s == "n" && !float:
		return "n", false, true
	}
	return "", false, false
}

func javaSuffix(s string, float bool) (string, bool, bool) {
	switch l := strings.ToLower(s); {
	case l == "" && float:
		return "d", true, true
	case l == "":
		return "", false, true
	case l == "l" && !float:
		return "l", false, true
	case l == "f" || l == "d":
		return l, true, true
	}
	return "", false, false
}

func rustSuffix(s string, float bool) (string, bool, bool) {
	switch s {
	case "":
		return "", float, true
	case "f32", "f64":
		return s, true, true
	case "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize":
		return s, false, !float
	}
	return "", false, false
}

// cSuffix accepts the integer suffixes u, l, ll and z in any order and
// case (the letters sorted, lower case) and the float suffixes f and l.
func cSuffix(s string, float bool) (string, bool, bool) {
	l := []byte(strings.ToLower(s))
	if float {
		switch string(l) {
		case "", "f", "l":
			return string(l), true, true
		}
		return "", false, false
	}
	if strings.Contains(s, "lL") || strings.Contains(s, "Ll") {
		return "", false, false
	}
	for _, c := range l {
		if c != 'u' && c != 'l' && c != 'z' {
			return "", false, false
		}
	}
	slices.Sort(l)
	return string(l), false, true
}

// Strings.

// pyString returns the canonical spelling of a Python string literal: its
// value re-quoted, with a b prefix for bytes. Quote style, raw prefixes and
// escapes do not survive; f-strings keep their text, and only lose a quote
// style when nothing inside depends on it.
func pyString(text string) string {
	i := strings.IndexAny(text, `'"`)
	if i < 0 || i > 3 {
		return text
	}
	var raw, bytes, format bool
	for _, c := range strings.ToLower(text[:i]) {
		switch c {
		case 'r':
			raw = true
		case 'b':
			bytes = true
		case 'f':
			format = true
		case 'u':
		default:
			return text
		}
	}
	q := text[i : i+1]
	if strings.HasPrefix(text[i:], q+q+q) && len(text)-i >= 6 {
		q = q + q + q
	}
	if len(text)-i < 2*len(q) || !strings.HasSuffix(text, q) {
		return text
	}
	body := text[i+len(q) : len(text)-len(q)]
	prefix := ""
	if bytes {
		prefix = "b"
	}
	if format {
		if raw {
			prefix += "r"
		}
		prefix += "f"
		if !strings.ContainsAny(body, "'\"\\\n") {
			return prefix + `"` + body + `"`
		}
		return prefix + text[i:]
	}
	value := body
	if !raw {
		v, ok := pyUnescape(body, bytes)
		if !ok {
			return prefix + text[i:]
		}
		value = v
	}
	return prefix + strconv.Quote(value)
}

func pyUnescape(s string, bytes bool) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch c = s[i]; c {
		case '\n':
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case '\\', '\'', '"':
			b.WriteByte(c)
		case 'a':
			b.WriteByte(7)
		case 'b':
			b.WriteByte(8)
		case 'f':
			b.WriteByte(12)
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte(11)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(s[i:j], 8, 32)
			if !writeCode(&b, rune(v), bytes) {
				return "", false
			}
			i = j - 1
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
			if c != 'x' && bytes {
				b.WriteString(`\` + string(c))
				continue
			}
			if i+1+n > len(s) {
				return "", false
			}
			v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
			if err != nil || !writeCode(&b, rune(v), bytes) {
				return "", false
			}
			i += n
		default: // unknown escapes, \N{...} included, are left to the text
			if c == 'N' && !bytes {
				return "", false
			}
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

// writeCode writes a code point (a byte, for bytes literals) and reports
// whether it is one.
func writeCode(b *strings.Builder, r rune, bytes bool) bool {
	if bytes {
		if r > 0xff {
			return false
		}
		b.WriteByte(byte(r))
		return true
	}
	if !utf8.ValidRune(r) {
		return false
	}
	b.WriteRune(r)
	return true
}

// jsString returns the canonical spelling of a JavaScript or TypeScript
// string in single or double quotes: its value, double-quoted. Strings with
// legacy octal escapes or lone surrogates keep their text.
func jsString(text string) string {
	if len(text) < 2 || text[0] != text[len(text)-1] || text[0] != '"' && text[0] != '\'' {
		return text
	}
	s := text[1 : len(text)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch c = s[i]; c {
		case '\n':
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case 'b':
			b.WriteByte(8)
		case 'f':
			b.WriteByte(12)
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte(11)
		case '0':
			if i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
				return text
			}
			b.WriteByte(0)
		case '1', '2', '3', '4', '5', '6', '7', '8', '9':
			return text
		case 'x', 'u':
			var hex string
			switch {
			case c == 'x' && i+2 < len(s):
				hex, i = s[i+1:i+3], i+2
			case c == 'u' && i+1 < len(s) && s[i+1] == '{':
				end := strings.IndexByte(s[i:], '}')
				if end < 0 {
					return text
				}
				hex, i = s[i+2:i+end], i+end
			case c == 'u' && i+4 < len(s):
				hex, i = s[i+1:i+5], i+4
			default:
				return text
			}
			v, err := strconv.ParseUint(hex, 16, 32)
			if err != nil || hex == "" || !utf8.ValidRune(rune(v)) {
				return text
			}
			b.WriteRune(rune(v))
		default:
			b.WriteByte(c) // \' \" \\ and identity escapes
		}
	}
	if !utf8.ValidString(b.String()) {
		return text
	}
	return strconv.Quote(b.String())
}

// goString returns a Go string or rune literal as strconv quotes its value,
// so raw and interpreted strings with the same value agree.
func goString(text string) string {
	v, err := strconv.Unquote(text)
	if err != nil {
		return text
	}
	if text[0] == '\'' {
		r, _ := utf8.DecodeRuneInString(v)
		return strconv.QuoteRune(r)
	}
	return strconv.Quote(v)
}

// rustString returns the canonical spelling of a Rust string or byte
// string, raw or not: its value, quoted, with a b prefix for bytes. C
// strings and unusual escapes keep their text.
func rustString(text string) string {
	prefix := ""
	s := text
	if strings.HasPrefix(s, "b") {
		prefix, s = "b", s[1:]
	}
	if strings.HasPrefix(s, "r") {
		s = s[1:]
		hashes := len(s) - len(strings.TrimLeft(s, "#"))
		s = s[hashes:]
		closer := `"` + strings.Repeat("#", hashes)
		if len(s) < 1+len(closer) || s[0] != '"' || !strings.HasSuffix(s, closer) {
			return text
		}
		return prefix + strconv.Quote(s[1:len(s)-len(closer)])
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return text
	}
	s = s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			continue // Rust reads CRLF in string literals as LF
		}
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch c = s[i]; c {
		case '\n', '\r':
			for i+1 < len(s) && strings.IndexByte(" \t\r\n", s[i+1]) >= 0 {
				i++
			}
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '0':
			b.WriteByte(0)
		case '\\', '\'', '"':
			b.WriteByte(c)
		case 'x':
			if i+2 >= len(s) {
				return text
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil || prefix == "" && v > 0x7f {
				return text
			}
			b.WriteByte(byte(v))
			i += 2
		case 'u':
			end := strings.IndexByte(s[i:], '}')
			if prefix != "" || i+1 >= len(s) || s[i+1] != '{' || end < 0 {
				return text
			}
			v, err := strconv.ParseUint(strings.ReplaceAll(s[i+2:i+end], "_", ""), 16, 32)
			if err != nil || !utf8.ValidRune(rune(v)) {
				return text
			}
			b.WriteRune(rune(v))
			i += end
		default:
			return text
		}
	}
	return prefix + strconv.Quote(b.String())
}
