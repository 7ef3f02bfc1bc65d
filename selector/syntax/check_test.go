package syntax_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector/syntax"
)

func TestCheck(t *testing.T) {
	const py = "def f(x):\n    return x\n\n\ndef g(y):\n    return y\n"
	const broken = "def f(x):\n    return x\n\n\ndef h(z)\n    return z\n"
	cases := []struct {
		name          string
		before, after files
		want          []syntax.Error
	}{
		{name: "clean edit", before: files{"a.py": py}, after: files{"a.py": "def f(x):\n    return x + 1\n\n\ndef g(y):\n    return y\n"}},
		{name: "broken edit", before: files{"a.py": py}, after: files{"a.py": "def f(x):\n    return x\n\n\ndef g(y)\n    return y\n"},
			want: []syntax.Error{{Path: "a.py", Line: 5, Column: 1, Node: "def g(y)"}}},
		{name: "error already there", before: files{"a.py": broken}, after: files{"a.py": "def f(x):\n    return x * 2\n\n\ndef h(z)\n    return z\n"}},
		{name: "error already there moves", before: files{"a.py": broken}, after: files{"a.py": "import os\n\n" + broken}},
		{name: "new error in a broken file", before: files{"a.py": broken}, after: files{"a.py": "def f(x):\n    return (x\n\n\ndef h(z)\n    return z\n"},
			want: []syntax.Error{{Path: "a.py", Line: 2, Column: 5, Node: "return (x"}}},
		{name: "new file", before: files{}, after: files{"pkg/calc.go": "package calc\n\nfunc F() int {\n\treturn 1\n"},
			want: []syntax.Error{{Path: "pkg/calc.go", Line: 5, Column: 1, Missing: true, Node: "}"}}},
		{name: "deleted file", before: files{"a.py": broken}, after: files{}},
		{name: "unknown language", before: files{"notes.txt": "a\n"}, after: files{"notes.txt": "def g(:\n"}},
		{name: "C++ header", // read with the C++ grammar, the C one would see errors
			before: files{"w.h": "#pragma once\nclass W {\n public:\n  int f() const;\n};\n"},
			after:  files{"w.h": "#pragma once\nclass W {\n public:\n  int f() const;\n  template <typename T> T g(T x) const { return x; }\n};\n"}},
		{name: "broken C++ header",
			before: files{"w.h": "namespace n {\nint f();\n}\n"},
			after:  files{"w.h": "namespace n {\nint f(;\n}\n"},
			want:   []syntax.Error{{Path: "w.h", Line: 2, Column: 6, Node: "("}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := syntax.Apply(context.Background(), tree(c.before), gitDiff(t, c.before, c.after))
			require.NoError(t, err)
			got, err := syntax.Check(context.Background(), a)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestCheckCancelled(t *testing.T) {
	before, after := files{"a.py": "x = 1\n"}, files{"a.py": "x = (\n"}
	a, err := syntax.Apply(context.Background(), tree(before), gitDiff(t, before, after))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = syntax.Check(ctx, a)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestErrorString(t *testing.T) {
	assert.Equal(t, `a.py:5:1: syntax error at "def g(y)"`, syntax.Error{Path: "a.py", Line: 5, Column: 1, Node: "def g(y)"}.Error())
	assert.Equal(t, `a.go:5:1: missing }`, syntax.Error{Path: "a.go", Line: 5, Column: 1, Missing: true, Node: "}"}.Error())
}
