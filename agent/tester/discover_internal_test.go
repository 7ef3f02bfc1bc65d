package tester

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPyImports(t *testing.T) {
	src := `import os, shop.price as p  # a comment
from shop import (
    cart,
    names as n,  # trailing
)
from . import helpers
from ..util.io import read
from x import *
if True:
    import lazy.mod
text = "import not_this"
`
	got := pyImports(strings.NewReader(src), "tests.sub.test_a")
	assert.Equal(t, []string{"os", "shop.price", "shop", "shop.cart", "shop.names",
		"tests.sub", "tests.sub.helpers", "tests.util.io", "tests.util.io.read", "x", "lazy.mod"}, got)
}

func TestResolveRelative(t *testing.T) {
	for _, c := range []struct{ mod, self, want string }{
		{"a.b", "t.m", "a.b"},
		{".", "t.m", "t"},
		{".x", "t.m", "t.x"},
		{"..x", "p.t.m", "p.x"},
		{"...x", "m", "x"},
	} {
		assert.Equal(t, c.want, resolveRelative(c.mod, c.self), "%s from %s", c.mod, c.self)
	}
}

func TestChangedFiles(t *testing.T) {
	patch := "diff --git a/a.go b/a.go\n--- a/a.go\n+++ b/a.go\n@@ -1 +1 @@\n-x\n+y\n" +
		"diff --git a/gone.py b/gone.py\ndeleted file mode 100644\n--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n" +
		"diff --git a/../evil b/../evil\n--- a/../evil\n+++ b/../evil\n@@ -1 +1 @@\n-x\n+y\n"
	assert.Equal(t, []string{"a.go", "gone.py"}, changedFiles([]string{patch, "not a patch", patch}))
}

func TestSuiteCounts(t *testing.T) {
	s := Suite{Tests: []string{"m/p.TestA", "tests/test_x.py::TestX::test_y"}}
	for name, want := range map[string]bool{
		"m/p.TestA":                     true,
		"m/p.TestA/sub":                 true,
		"m/p.TestAB":                    false,
		"tests.test_x.TestX.test_y":     true,
		"tests.test_x.TestX.test_y[1]":  true,
		"tests.test_x.TestX.test_other": false,
	} {
		assert.Equal(t, want, s.counts(name), name)
	}
	assert.True(t, Suite{}.counts("anything"))
}

func TestMergeSuites(t *testing.T) {
	a := Suite{Kind: GoTest, Targets: []string{"m/p"}, Tests: []string{"m/p.TestA"}}
	b := Suite{Kind: GoTest, Targets: []string{"m/p"}, Tests: []string{"m/p.TestB", "m/p.TestA"}}
	all := Suite{Kind: GoTest, Targets: []string{"m/p"}}
	other := Suite{Kind: GoTest, Targets: []string{"m/q"}}
	got := merge([]Suite{a, other}, []Suite{b})
	assert.Equal(t, []Suite{{Kind: GoTest, Targets: []string{"m/p"}, Tests: []string{"m/p.TestA", "m/p.TestB"}}, other}, got)
	assert.Equal(t, []Suite{{Kind: GoTest, Targets: []string{"m/p"}}}, merge([]Suite{a}, []Suite{all}))
	assert.Equal(t, []string{"m/p.TestA"}, a.Tests, "merge does not change its input")
}
