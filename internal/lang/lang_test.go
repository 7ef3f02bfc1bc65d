package lang_test

import (
	"context"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/internal/lang"
)

func TestForPath(t *testing.T) {
	for path, want := range map[string]string{
		"a/b.py": "python", "x.GO": "go", "A.java": "java", "app.jsx": "javascript", "m.mjs": "javascript",
		"t.ts": "typescript", "c.tsx": "tsx", "lib.rs": "rust", "x.h": "c", "x.hpp": "cpp", "x.cc": "cpp",
	} {
		l, ok := lang.ForPath(path)
		if assert.True(t, ok, path) {
			assert.Equal(t, want, l.Name, path)
		}
	}
	for _, path := range []string{"README.md", "Makefile", "x.pyc", ""} {
		_, ok := lang.ForPath(path)
		assert.False(t, ok, path)
	}
}

// TestGrammarsParse parses a small valid program in each language and
// checks the tree has no errors, so a wrong grammar mapping is caught.
func TestGrammarsParse(t *testing.T) {
	src := map[string]string{
		"python":     "def f(x):\n    return x + 1\n",
		"go":         "package p\n\nfunc F() int { return 1 }\n",
		"java":       "class A { int f() { return 1; } }\n",
		"javascript": "const f = (x) => x + 1;\n",
		"typescript": "function f(x: number): number { return x + 1; }\n",
		"tsx":        "const C = () => <div>hi</div>;\n",
		"rust":       "fn f(x: i32) -> i32 { x + 1 }\n",
		"c":          "int f(int x) { return x + 1; }\n",
		"cpp":        "template <typename T> T f(T x) { return x; }\n",
	}
	require.Len(t, lang.All(), len(src))
	for _, l := range lang.All() {
		t.Run(l.Name, func(t *testing.T) {
			p := sitter.NewParser()
			defer p.Close()
			p.SetLanguage(l.Grammar())
			tree, err := p.ParseCtx(context.Background(), nil, []byte(src[l.Name]))
			require.NoError(t, err)
			defer tree.Close()
			assert.False(t, tree.RootNode().HasError(), tree.RootNode().String())
			got, ok := lang.ByName(l.Name)
			assert.True(t, ok)
			assert.Same(t, l, got)
		})
	}
}

func TestForSource(t *testing.T) {
	tests := []struct {
		path, src, want string
	}{
		{"a.h", "int f(int x);\nstruct s { int a; };\n", "c"},
		{"a.h", "#pragma once\nclass Widget {\n public:\n  int f();\n};\n", "cpp"},
		{"a.h", "namespace geo {\nint area();\n}\n", "cpp"},
		{"a.h", "template <typename T> T max(T a, T b);\n", "cpp"},
		{"a.h", "std::string name();\n", "cpp"},
		{"a.H", "class A : public B {};\n", "cpp"},
		{"a.c", "class_t x; /* std::x */\n", "c"}, // only headers are sniffed
		{"a.py", "class A:\n    pass\n", "python"},
	}
	for _, tt := range tests {
		l, ok := lang.ForSource(tt.path, []byte(tt.src))
		if assert.True(t, ok, tt.path) {
			assert.Equal(t, tt.want, l.Name, "%s: %q", tt.path, tt.src)
		}
		assert.True(t, lang.Fits(tt.path, tt.want), "%s fits %s", tt.path, tt.want)
	}
	assert.False(t, lang.Fits("a.c", "cpp"), "a .c file is C")
	assert.False(t, lang.Fits("a.md", "c"))
}
