package syntax

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conclave-dev/conclave/internal/lang"
)

// TestLiterals checks, language by language, which spellings are taken to
// be the same literal and which are not.
func TestLiterals(t *testing.T) {
	cases := []struct {
		lang *lang.Language
		a, b string
		same bool
	}{
		// Python
		{lang.Python, "0x10", "16", true},
		{lang.Python, "0o17", "15", true},
		{lang.Python, "0b1_0000", "16", true},
		{lang.Python, "1_000", "1000", true},
		{lang.Python, "1.5e3", "1500.0", true},
		{lang.Python, "1.", "1.0", true},
		{lang.Python, ".5", "0.5", true},
		{lang.Python, "1E-3", "0.001", true},
		{lang.Python, "1j", "1.0J", true},
		{lang.Python, "16", "16.0", false},
		{lang.Python, "1e3", "1000", false},
		{lang.Python, "0.1", "0.10000000000000001", false}, // the same double, but only exact values are merged
		{lang.Python, "'a'", `"a"`, true},
		{lang.Python, "'a'", `"""a"""`, true},
		{lang.Python, `"it's"`, `'it\'s'`, true},
		{lang.Python, `r"\d"`, `"\\d"`, true},
		{lang.Python, `R'\d'`, `r"\d"`, true},
		{lang.Python, `u"x"`, `"x"`, true},
		{lang.Python, `"\x41\101\u0041\U00000041"`, `"AAAA"`, true},
		{lang.Python, "'''a\nb'''", `"a\nb"`, true},
		{lang.Python, `"a\
b"`, `"ab"`, true},
		{lang.Python, `"\d"`, `"\\d"`, true}, // an unknown escape keeps its backslash
		{lang.Python, `b"x"`, `"x"`, false},
		{lang.Python, `B'x'`, `b"x"`, true},
		{lang.Python, `b"\x41"`, `b"A"`, true},
		{lang.Python, `f'{x!r}'`, `F"{x!r}"`, true},
		{lang.Python, `f'{x}'`, `'{x}'`, false},
		{lang.Python, `f'{d["k"]}'`, `f"{d['k']}"`, false},
		{lang.Python, `"\N{BULLET}"`, `"•"`, false}, // names are not resolved
		{lang.Python, "0777", "0777", true},
		{lang.Python, "00", "0", false},
		// Go
		{lang.Go, "0x10", "16", true},
		{lang.Go, "017", "0o17", true},
		{lang.Go, "0_17", "15", true},
		{lang.Go, "0x1p4", "16.0", true},
		{lang.Go, "1i", "1.0i", true},
		{lang.Go, "16", "16.0", false},
		{lang.Go, "`a\\b`", `"a\\b"`, true},
		{lang.Go, `'a'`, `'\x61'`, true},
		{lang.Go, `'a'`, `"a"`, false},
		// JavaScript and TypeScript
		{lang.JavaScript, "0x10", "16", true},
		{lang.JavaScript, "16", "16.0", true},
		{lang.JavaScript, "1_000", "1e3", true},
		{lang.JavaScript, "16n", "0x10n", true},
		{lang.JavaScript, "16n", "16", false},
		{lang.JavaScript, "010", "8", false},
		{lang.TypeScript, `'a"b'`, `"a\"b"`, true},
		{lang.TypeScript, `"\u{41}"`, `'A'`, true},
		{lang.TypeScript, `"\101"`, `"A"`, false},
		{lang.TypeScript, "`a`", `"a"`, false}, // templates keep their text
		// Java
		{lang.Java, "0x10", "16", true},
		{lang.Java, "010", "8", true},
		{lang.Java, "16L", "16l", true},
		{lang.Java, "16L", "16", false},
		{lang.Java, "1.0", "1D", true},
		{lang.Java, "1.0f", "1F", true},
		{lang.Java, "1.0f", "1.0", false},
		// Rust
		{lang.Rust, "1_000u32", "1000u32", true},
		{lang.Rust, "0x1f32", "7986", true}, // hexadecimal digits, not a suffix
		{lang.Rust, "1u32", "1u64", false},
		{lang.Rust, "010", "10", true},
		{lang.Rust, "1f64", "1.0f64", true},
		{lang.Rust, `r"\d"`, `"\\d"`, true},
		{lang.Rust, `r#"a "b""#`, `"a \"b\""`, true},
		{lang.Rust, `b"x"`, `"x"`, false},
		{lang.Rust, "\"a\\\n    b\"", `"ab"`, true},
		// C and C++
		{lang.C, "0x10", "16", true},
		{lang.C, "010", "8", true},
		{lang.C, "10UL", "10lu", true},
		{lang.C, "10ll", "10LL", true},
		{lang.C, "10u", "10", false},
		{lang.C, "0xFFFFFFFF", "4294967295", false},
		{lang.C, "1.0f", "1.F", true},
		{lang.C, "1.0", "1.0f", false},
		{lang.C, "(x)  +  1", "(x) + 1", true},
		{lang.C, `"a  b"`, `"a b"`, false},
		{lang.Cpp, "1'000", "1000", true},
	}
	for _, c := range cases {
		r := byLang[c.lang]
		a, b := r.literal(c.a), r.literal(c.b)
		assert.Equal(t, c.same, a == b, "%s: %s (%s) and %s (%s)", c.lang.Name, c.a, a, c.b, b)
	}
}

// TestLiteralSpelling pins a few canonical spellings, which show up in
// the evidence.
func TestLiteralSpelling(t *testing.T) {
	for text, want := range map[string]string{
		"0x10": "16", "1.5e3": "1500.0", "1e-2": "0.01", "1_0j": "10.0j", `'a'`: `"a"`, `b'\x00'`: `b"\x00"`, "1e999999": "1e999999",
	} {
		assert.Equal(t, want, byLang[lang.Python].literal(text), text)
	}
}
