package syntax

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// spliceBases are files of several top-level nodes, one per language
// family, for the splice tests.
var spliceBases = []struct{ path, src string }{
	{"a.py", "import os\n\n\ndef f(x):\n    \"\"\"Doc.\"\"\"\n    return x + 1\n\n\n# between\nclass A:\n    y = 1\n\n    def g(self):\n        return [\n            1,\n        ]\n\n\n@dec\ndef h():\n    pass\n\nZ = 'z'\n"},
	{"b.go", "package b\n\nimport \"fmt\"\n\n// F says hi.\nfunc F() {\n\tfmt.Println(\"hi\")\n}\n\ntype T struct{ A int }\n\nvar v = `raw\nstring`\n\nfunc (t T) M() int { return t.A }\n"},
	{"c.ts", "import { x } from './x';\n\nexport function f(a: number): number {\n  return a + x\n}\n\nconst y = f(1)\n(function () {})()\nlet p = 1;\nlet q = 2;\n[1, 2].forEach(console.log);\n\nclass C {\n  m() { return `t${y}` }\n}\n"},
	{"d.c", "#include <stdio.h>\n#define N 2\n\nint f(int a) {\n  return a * N;\n}\n\n#ifdef X\nint g(void) { return 1; }\n#endif\n\n/* tail */\nstatic int z = 3;\n"},
	{"e.rs", "use std::fmt;\n\nfn f(x: u32) -> u32 {\n    x + 1\n}\n\nstruct S { a: u8 }\n\nimpl S {\n    fn g(&self) -> u8 { self.a }\n}\n"},
	{"F.java", "package p;\n\nimport java.util.List;\n\nclass F {\n  int f() { return 1; }\n}\n\ninterface G { void g(); }\n"},
}

// checkSplice compares the spliced reading of new with a parse of the
// whole of it, when the splice is taken; it reports whether it was.
func checkSplice(t *testing.T, path string, old, new []byte) bool {
	t.Helper()
	ctx := context.Background()
	r := rulesFor(path, old, new)
	require.NotNil(t, r, path)
	for _, keep := range []bool{false, true} {
		base, err := r.analyze(ctx, old, keep)
		require.NoError(t, err)
		got, ok, err := r.splice(ctx, base, old, new, keep, false)
		require.NoError(t, err)
		if !ok {
			return false
		}
		want, err := r.analyze(ctx, new, keep)
		require.NoError(t, err)
		require.Equal(t, want.sum, got.sum, "%s: the canonical form differs from a whole parse of\n%s", path, new)
		require.Equal(t, want.nodes, got.nodes, "%s", path)
		require.Equal(t, want.toks, got.toks, "%s", path)
		require.Equal(t, want.streamOf(r, new, keep), got.streamOf(r, new, keep), "%s", path)
	}
	return true
}

// TestSplice: a change inside one top-level node is read by parsing that
// node and its neighbours only, and the result is what a parse of the
// whole file gives; a change that reaches past the neighbours is not.
func TestSplice(t *testing.T) {
	tests := []struct {
		path, from, to string
		spliced        bool
	}{
		{"a.py", "return x + 1", "return x + 2", true},
		{"a.py", "    def g(self):", "    def g(self, k=1):", true},
		{"a.py", "\n\n# between\n", "\n\n\ndef new():\n    return 0\n\n# between\n", true},
		{"a.py", "Z = 'z'\n", "Z = 'zz'\n", true},
		{"a.py", "import os\n", "import sys\n", true},
		{"a.py", "return x + 1", "return '''x", false},               // an open string swallows the rest
		{"a.py", "\n\n# between\n", "\n\n@dec2\n# between\n", false}, // a decorator joins the class
		{"b.go", "return t.A", "return t.A + 1", true},
		{"b.go", "fmt.Println(\"hi\")", "fmt.Println(\"hi\", 1)", true},
		{"c.ts", "return a + x", "return a - x", true},
		{"c.ts", "const y = f(1)\n", "const y = f(2);\n", true},
		{"c.ts", "let q = 2;", "let q = 2", false}, // no semicolon: the next line continues it
		{"d.c", "return a * N;", "return a * N + 1;", true},
		{"d.c", "int g(void) { return 1; }", "int g(void) { return 2; }", true},
		{"e.rs", "self.a", "self.a + 1", true},
		{"F.java", "return 1;", "return 2;", true},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.to, func(t *testing.T) {
			var src string
			for _, b := range spliceBases {
				if b.path == tt.path {
					src = b.src
				}
			}
			require.Contains(t, src, tt.from)
			after := strings.Replace(src, tt.from, tt.to, 1)
			assert.Equal(t, tt.spliced, checkSplice(t, tt.path, []byte(src), []byte(after)))
		})
	}
}

// FuzzSplice replaces a span of a file with arbitrary text: whenever the
// splice is taken, it reads the file as a whole parse does.
func FuzzSplice(f *testing.F) {
	f.Add(uint8(0), uint16(60), uint16(70), "return x * 3")
	f.Add(uint8(0), uint16(120), uint16(120), "\n\ndef k():\n    pass\n")
	f.Add(uint8(1), uint16(40), uint16(48), "func G() {}\n")
	f.Add(uint8(2), uint16(100), uint16(101), ";")
	f.Add(uint8(3), uint16(70), uint16(90), "#endif\n")
	f.Add(uint8(4), uint16(10), uint16(30), "}")
	f.Fuzz(func(t *testing.T, which uint8, from, to uint16, text string) {
		b := spliceBases[int(which)%len(spliceBases)]
		lo, hi := min(int(from), len(b.src)), min(int(to), len(b.src))
		if lo > hi {
			lo, hi = hi, lo
		}
		checkSplice(t, b.path, []byte(b.src), []byte(b.src[:lo]+text+b.src[hi:]))
	})
}
