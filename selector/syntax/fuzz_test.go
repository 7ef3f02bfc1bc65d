package syntax

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/internal/lang"
)

var fuzzBase = fstest.MapFS{
	"a.py":       {Data: []byte("def f(x):\n    return x\n\n\nclass A:\n    \"\"\"Doc.\"\"\"\n    y = 1\n")},
	"pkg/b.go":   {Data: []byte("package pkg\n\nfunc F() int {\n\treturn 1\n}\n")},
	"src/c.ts":   {Data: []byte("export const c = (x: number) => x + 1;\n")},
	"README.md":  {Data: []byte("# Title\n\nText.\n")},
	"bin/tool":   {Data: []byte("\x00\x01\x02")},
	"lib/d.c":    {Data: []byte("#define N 1\nint d(void) { return N; }\n")},
	"src/lib.rs": {Data: []byte("fn e() -> u8 { 1 }\n")},
}

var fuzzPatches = []string{
	"diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,3 @@\n def f(x):\n-    return x\n+    # twice\n+    return x * 2\n",
	"diff --git a/pkg/b.go b/pkg/b.go\n--- a/pkg/b.go\n+++ b/pkg/b.go\n@@ -3,3 +3,3 @@\n func F() int {\n-\treturn 1\n+\treturn 0x1\n }\n",
	"diff --git a/new.py b/new.py\nnew file mode 100644\n--- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+x = '''\n",
	"diff --git a/README.md b/README.md\ndeleted file mode 100644\n--- a/README.md\n+++ /dev/null\n@@ -1,3 +0,0 @@\n-# Title\n-\n-Text.\n",
	"diff --git a/a.py b/b.py\nsimilarity index 100%\nrename from a.py\nrename to b.py\n",
	"diff --git a/src/c.ts b/src/c.ts\n--- a/src/c.ts\n+++ b/src/c.ts\n@@ -1 +1 @@\n-export const c = (x: number) => x + 1;\n+export const c = (x: number) =>\n+  x + 1\n\\ No newline at end of file\n",
	"diff --git a/bin/tool b/bin/tool\nindex 1..2 100644\nGIT binary patch\nliteral 3\nKcmZQzWMTjS00IC2\n\nliteral 0\nHcmV?d00001\n\n",
	"--- a/lib/d.c\n+++ b/lib/d.c\n@@ -1,2 +1,2 @@\n-#define N 1\n+#define N (1)\n int d(void) { return N; }\n",
}

// FuzzApply applies arbitrary patches to a fixed tree: no panics, and a
// patch that applies normalises in both modes, the same way twice.
func FuzzApply(f *testing.F) {
	for _, p := range fuzzPatches {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, patch string) {
		ctx := context.Background()
		a, err := Apply(ctx, fuzzBase, patch)
		if err != nil {
			require.Nil(t, a)
			return
		}
		for _, ch := range a.Changes {
			assert.Equal(t, ch.Op == OpDelete, ch.New == nil)
			assert.Equal(t, ch.Op == OpCreate, ch.Old == nil)
		}
		_, err = Check(ctx, a)
		require.NoError(t, err)
		for _, base := range []fstest.MapFS{nil, fuzzBase} {
			var n1, n2 *Normal
			var e1, e2 error
			if base == nil {
				n1, e1 = Normalize(ctx, nil, patch, nil)
				n2, e2 = Normalize(ctx, nil, patch, nil)
			} else {
				n1, e1 = Normalize(ctx, base, patch, nil)
				n2, e2 = Normalize(ctx, base, patch, nil)
			}
			require.NoError(t, e1)
			require.NoError(t, e2)
			assert.Equal(t, n1.Key, n2.Key)
		}
	})
}

// FuzzNormalize normalises arbitrary patches without the base: no panics,
// deterministic keys.
func FuzzNormalize(f *testing.F) {
	for _, p := range fuzzPatches {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, patch string) {
		n1, err1 := Normalize(context.Background(), nil, patch, nil)
		n2, err2 := Normalize(context.Background(), nil, patch, nil)
		require.Equal(t, err1 == nil, err2 == nil)
		if err1 == nil {
			assert.Equal(t, n1.Key, n2.Key)
			assert.Equal(t, n1.String(), n2.String())
		}
	})
}

// FuzzFragment tokenises arbitrary text as a hunk in each language: no
// panics, and a hunk whose two sides are the same text has no edits,
// whichever tokeniser reads it.
func FuzzFragment(f *testing.F) {
	seeds := []string{
		"def f(x):\n    '''doc'''\n    return x  # c\n",
		"        text of a docstring\n        \"\"\"\n        x = 1\n",
		"func F() {\n\treturn `raw\n`\n}\n",
		"const re = /a\\/b/g; // c\nconst t = `x${y}`;\n",
		"fn f<'a>(x: &'a str) -> u8 { /* /* n */ */ b'x' }\n",
		"#define F(x) (x) \\\n  + 1\n auto s = R\"d(x)d\";\n",
		" * end of a comment */\nint x = 0x1p3;\n",
		"class A { long x = 0x10L; String s = \"\"\"\n hi\n \"\"\"; }\n",
	}
	for i, s := range seeds {
		f.Add(s, uint8(i))
	}
	all := lang.All()
	f.Fuzz(func(t *testing.T, text string, which uint8) {
		r := byLang[all[int(which)%len(all)]]
		for _, tz := range []tokenizer{tokenizeAuto, tokenizeTree, tokenizePlain} {
			a, b, err := r.hunk(context.Background(), text, text, false, tz)
			require.NoError(t, err)
			assert.Empty(t, edits(a, b, 1, 0), "%s %q", r.lang.Name, text)
		}
		toks, _ := lex(text, r.lex)
		for i, tk := range toks {
			assert.NotEmpty(t, tk.text)
			assert.LessOrEqual(t, tk.line, tk.endLine)
			if i > 0 {
				assert.LessOrEqual(t, toks[i-1].endLine, tk.line)
			}
		}
	})
}

// FuzzEdits checks the diff on arbitrary token streams: applying the edits
// to the first stream gives the second.
func FuzzEdits(f *testing.F) {
	f.Add("a b c d", "a x c d e")
	f.Add("⏎ ⇤ def f ( ) : ⏎", "⏎ ⇤ def g ( ) : ⏎ ⇥ pass ⏎ ⇤ def f ( ) : ⏎")
	f.Add("", "a")
	f.Fuzz(func(t *testing.T, x, y string) {
		a, b := fields(x), fields(y)
		es := edits(a, b, 1, 0)
		// Rebuild b from a: every edit removes Del at its place and puts Ins.
		var out []string
		i := 0
		for _, e := range es {
			for i < len(a) && !at(a, i, e) {
				out = append(out, a[i].s)
				i++
			}
			for _, d := range e.Del {
				require.Less(t, i, len(a))
				require.Equal(t, d, a[i].s)
				i++
			}
			out = append(out, e.Ins...)
		}
		for ; i < len(a); i++ {
			out = append(out, a[i].s)
		}
		var want []string
		for _, t := range b {
			want = append(want, t.s)
		}
		assert.Equal(t, want, out)
	})
}

// fields makes a token stream of words, a few to a line.
func fields(s string) []tok {
	var out []tok
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if start >= 0 {
				out = append(out, tok{s[start:i], len(out) / 3})
			}
			start = -1
		} else if start < 0 {
			start = i
		}
	}
	return out
}

// at reports whether edit e starts before a[i].
func at(a []tok, i int, e Edit) bool {
	col := 0
	for j := i - 1; j >= 0 && a[j].line == a[i].line; j-- {
		if a[j].s != markIndent && a[j].s != markDedent {
			col++
		}
	}
	if a[i].s == markIndent || a[i].s == markDedent {
		col = -1
		for j := i + 1; j < len(a) && a[j].line == a[i].line && (a[j].s == markIndent || a[j].s == markDedent); j++ {
			col--
		}
	}
	return a[i].line+1 == e.Line && col == e.Token
}
