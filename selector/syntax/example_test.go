package syntax_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing/fstest"

	"github.com/conclave-dev/conclave/selector/syntax"
)

const exampleBase = `def area(width, height):
    return width * height


def describe(shape):
    return "a %s" % shape
`

// Two candidate fixes that differ in a comment, quote style and line
// breaks are the same change; a third that renames a variable is not.
func Example() {
	candidates := []string{
		`diff --git a/shapes.py b/shapes.py
--- a/shapes.py
+++ b/shapes.py
@@ -4,3 +4,3 @@ def area(width, height):
 
 def describe(shape):
-    return "a %s" % shape
+    return "a %s shape" % (shape,)
`,
		`diff --git a/shapes.py b/shapes.py
--- a/shapes.py
+++ b/shapes.py
@@ -4,3 +4,5 @@ def area(width, height):
 
 def describe(shape):
-    return "a %s" % shape
+    # Say what it is.
+    return 'a %s shape' % (shape,
+                           )
`,
		`diff --git a/shapes.py b/shapes.py
--- a/shapes.py
+++ b/shapes.py
@@ -4,3 +4,3 @@ def area(width, height):
 
-def describe(shape):
-    return "a %s" % shape
+def describe(kind):
+    return "a %s shape" % (kind,)
`,
	}
	var keys []syntax.Key
	for _, c := range candidates {
		n, err := syntax.Normalize(context.Background(), nil, c, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		keys = append(keys, n.Key)
	}
	fmt.Println(syntax.Cluster(keys))
	// Output:
	// [[0 1] [2]]
}

// The normal form shows what the key is made of: here, in patch-only
// mode, the tokens a hunk adds and removes, anchored in the original file.
func ExampleNormalize() {
	patch := `diff --git a/shapes.py b/shapes.py
--- a/shapes.py
+++ b/shapes.py
@@ -1,2 +1,5 @@
 def area(width, height):
-    return width * height
+    # Never negative.
+    if width < 0x0:
+        return 0
+    return width * height
`
	n, err := syntax.Normalize(context.Background(), nil, patch, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(n.Files[0].Path, ": ", n.Files[0].Kind, "\n")
	for _, e := range n.Files[0].Edits {
		fmt.Println(e.Line, e.Token, e.Del, e.Ins)
	}
	// Output:
	// shapes.py: source
	// 2 0 [] [if width < 0 : ⏎ ⇥ return 0 ⏎ ⇤]
}

// With the original files, Normalize applies the patch and compares whole
// syntax trees: a patch that only edits comments changes nothing.
func ExampleNormalize_fullFile() {
	base := fstest.MapFS{"shapes.py": {Data: []byte(exampleBase)}}
	patch := `diff --git a/shapes.py b/shapes.py
--- a/shapes.py
+++ b/shapes.py
@@ -1,2 +1,2 @@
 def area(width, height):
-    return width * height
+    return width * height  # in square units
`
	n, err := syntax.Normalize(context.Background(), base, patch, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s key %q\n", n.Mode, n.Key)
	fmt.Println(n.Ignored)
	// Output:
	// full-file key ""
	// [{shapes.py no change after normalisation}]
}

func ExampleApply() {
	base := fstest.MapFS{"shapes.py": {Data: []byte(exampleBase)}}
	patch := `diff --git a/shapes.py b/shapes.py
--- a/shapes.py
+++ b/shapes.py
@@ -1,2 +1,2 @@
 def area(width, height):
-    return width * height
+    return abs(width * height)
`
	a, err := syntax.Apply(context.Background(), base, patch)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range a.Changes {
		first, _, _ := strings.Cut(string(c.New), "\n\n")
		fmt.Printf("%s %s:\n%s\n", c.Op, c.Path(), first)
	}
	// Output:
	// modify shapes.py:
	// def area(width, height):
	//     return abs(width * height)
}

// A patch whose context does not match the file says which hunk failed.
func ExampleApply_conflict() {
	base := fstest.MapFS{"shapes.py": {Data: []byte(exampleBase)}}
	patch := `diff --git a/shapes.py b/shapes.py
--- a/shapes.py
+++ b/shapes.py
@@ -1,2 +1,2 @@
 def area(w, h):
-    return w * h
+    return abs(w * h)
`
	_, err := syntax.Apply(context.Background(), base, patch)
	var ae *syntax.ApplyError
	if errors.As(err, &ae) {
		fmt.Println(ae.Path, ae.Hunk, ae.Line, errors.Is(err, syntax.ErrDoesNotApply))
	}
	// Output:
	// shapes.py 1 1 true
}

func ExampleCheck() {
	base := fstest.MapFS{"shapes.py": {Data: []byte(exampleBase)}}
	patch := `diff --git a/shapes.py b/shapes.py
--- a/shapes.py
+++ b/shapes.py
@@ -4,3 +4,3 @@ def area(width, height):
 
-def describe(shape):
+def describe(shape)
     return "a %s" % shape
`
	a, err := syntax.Apply(context.Background(), base, patch)
	if err != nil {
		fmt.Println(err)
		return
	}
	errs, err := syntax.Check(context.Background(), a)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range errs {
		fmt.Println(e)
	}
	// Output:
	// shapes.py:5:1: syntax error at "def describe(shape)"
}

func ExampleCluster() {
	keys := []syntax.Key{"b", "a", "b", "", "a", "b"}
	fmt.Println(syntax.Cluster(keys))
	// Output:
	// [[0 2 5] [1 4] [3]]
}

func ExampleClassify() {
	for _, p := range []string{"src/app/models.py", "tests/test_models.py", "reproduce_bug.py", "docs/index.rst", "setup.cfg"} {
		fmt.Println(p, syntax.Classify(p, true))
	}
	// Output:
	// src/app/models.py source
	// tests/test_models.py test
	// reproduce_bug.py scratch
	// docs/index.rst docs
	// setup.cfg other
}

// Many candidates against one tree: a Base reads and parses shapes.py once
// for all of them, both for checking and for normalising.
func ExampleNewBase() {
	base := syntax.NewBase(fstest.MapFS{"shapes.py": {Data: []byte(exampleBase)}})
	patch := func(body string) string {
		return "diff --git a/shapes.py b/shapes.py\n--- a/shapes.py\n+++ b/shapes.py\n@@ -1,2 +1,2 @@\n def area(width, height):\n-    return width * height\n+" + body + "\n"
	}
	ctx := context.Background()
	var keys []syntax.Key
	for _, body := range []string{"    return abs(width * height)", "    return abs(width*height)  # never negative", "    return abs(width * height"} {
		a, err := syntax.Apply(ctx, base, patch(body))
		if err != nil {
			fmt.Println(err)
			return
		}
		problems, err := syntax.Check(ctx, a)
		if err != nil || len(problems) > 0 {
			fmt.Println("breaks the syntax:", problems, err)
			continue
		}
		n, err := syntax.Normalize(ctx, base, patch(body), nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		keys = append(keys, n.Key)
	}
	fmt.Println("same change:", keys[0] == keys[1])
	// Output:
	// breaks the syntax: [shapes.py:2:5: syntax error at "return abs(width * height"] <nil>
	// same change: true
}
