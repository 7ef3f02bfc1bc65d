package syntax_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conclave-dev/conclave/selector/syntax"
)

// An equivCase is two edits of the same base file. Each becomes a patch
// made by git; the patches must get the same key exactly when same says
// so, in both modes unless patchOnly says patch-only mode judges
// differently (it sees less and errs on the side of "different").
type equivCase struct {
	name      string
	a, b      [][2]string // replacements applied to the base, in order
	same      bool
	patchOnly *bool
	opts      *syntax.Options
}

var no = new(bool)

func edit(base string, repl [][2]string) string {
	for _, r := range repl {
		if !strings.Contains(base, r[0]) {
			panic("edit: no " + r[0] + " in base")
		}
		base = strings.Replace(base, r[0], r[1], 1)
	}
	return base
}

func runEquiv(t *testing.T, path, base string, cases []equivCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := files{path: base}
			pa := gitDiff(t, before, files{path: edit(base, c.a)})
			pb := gitDiff(t, before, files{path: edit(base, c.b)})
			for _, mode := range []syntax.Mode{syntax.ModePatchOnly, syntax.ModeFullFile} {
				want := c.same
				if mode == syntax.ModePatchOnly && c.patchOnly != nil {
					want = *c.patchOnly
				}
				na, nb := keyOf(t, mode, before, pa, c.opts), keyOf(t, mode, before, pb, c.opts)
				assert.NotEmpty(t, na.Key, "%s: the first patch has no change left:\n%s", mode, na)
				assert.NotEmpty(t, nb.Key, "%s: the second patch has no change left:\n%s", mode, nb)
				assert.Equal(t, want, na.Key == nb.Key, "%s mode\n%s\n%s", mode, na, nb)
			}
		})
	}
}

const pyBase = `import os


def area(width, height):
    """Return the area of a rectangle."""
    total = width * height
    return total


def describe(shape):
    name = shape.name
    return "shape %s" % name


class Box:
    limit = 10

    def fits(self, other):
        return other.size < self.limit
`

func TestEquivalencePython(t *testing.T) {
	plusOne := [2]string{"    return total\n", "    return total + 1\n"}
	runEquiv(t, "pkg/shapes.py", pyBase, []equivCase{
		{name: "comments", a: [][2]string{plusOne},
			b: [][2]string{{"    return total\n", "    # one more than the area\n    return total + 1  # see issue 12\n"}}, same: true},
		{name: "blank lines and trailing spaces", a: [][2]string{plusOne},
			b: [][2]string{{"    return total\n", "\n    return total  +  1   \n\n"}}, same: true},
		{name: "call split over lines", a: [][2]string{{`return "shape %s" % name`, `return format_shape(name, upper=True)`}},
			b: [][2]string{{`return "shape %s" % name`, "return format_shape(name,\n                        upper=True)"}}, same: true},
		{name: "backslash continuation", a: [][2]string{plusOne},
			b: [][2]string{{"    return total\n", "    return total \\\n        + 1\n"}}, same: true},
		{name: "block indented by a different amount",
			a: [][2]string{{"        return other.size", "        if other is None:\n            return False\n        return other.size"}},
			b: [][2]string{{"        return other.size", "        if other is None:\n                return False\n        return other.size"}}, same: true},
		{name: "statement moved into the block",
			a: [][2]string{{"    total = width * height\n    return total\n", "    if width > 0:\n        total = width * height\n    return total\n"}},
			b: [][2]string{{"    total = width * height\n    return total\n", "    if width > 0:\n        total = width * height\n        return total\n"}}, same: false},
		{name: "semicolons", a: [][2]string{{"    total = width", "    width = abs(width)\n    total = width"}},
			b: [][2]string{{"    total = width", "    width = abs(width);\n    total = width"}}, same: true},
		{name: "quote styles", a: [][2]string{{"name = shape.name", "name = shape.get('name')"}},
			b: [][2]string{{"name = shape.name", `name = shape.get("""name""")`}}, same: true},
		{name: "raw string and escapes", a: [][2]string{{"import os\n", "import os\n\nPATTERN = r\"\\d+\\.\"\n"}},
			b: [][2]string{{"import os\n", "import os\n\nPATTERN = \"\\\\d+\\\\.\"\n"}}, same: true},
		{name: "unicode prefix and escapes", a: [][2]string{{"import os\n", "import os\n\nSEP = u'\\t\\u00e9'\n"}},
			b: [][2]string{{"import os\n", "import os\n\nSEP = \"\\x09é\"\n"}}, same: true},
		{name: "bytes are not text", a: [][2]string{{"import os\n", "import os\n\nTAG = b'x'\n"}},
			b: [][2]string{{"import os\n", "import os\n\nTAG = 'x'\n"}}, same: false},
		{name: "hexadecimal and decimal", a: [][2]string{{"limit = 10", "limit = 0x10"}},
			b: [][2]string{{"limit = 10", "limit = 16"}}, same: true},
		{name: "digit separators and octal", a: [][2]string{{"limit = 10", "limit = 1_000 + 0o17"}},
			b: [][2]string{{"limit = 10", "limit = 1000 + 15"}}, same: true},
		{name: "float spellings", a: [][2]string{{"limit = 10", "limit = 1.5e3"}},
			b: [][2]string{{"limit = 10", "limit = 1500.0"}}, same: true},
		{name: "int is not float", a: [][2]string{{"limit = 10", "limit = 16"}},
			b: [][2]string{{"limit = 10", "limit = 16.0"}}, same: false},
		{name: "docstring edits do not count",
			a: [][2]string{plusOne, {"Return the area of a rectangle.", "Return the area, plus one."}},
			b: [][2]string{plusOne}, same: true},
		{name: "docstring edits count when kept", opts: &syntax.Options{KeepDocstrings: true},
			a: [][2]string{plusOne, {"Return the area of a rectangle.", "Return the area, plus one."}},
			b: [][2]string{plusOne}, same: false},
		{name: "renamed variable",
			a: [][2]string{{"    total = width * height\n    return total\n", "    product = width * height\n    return product\n"}},
			b: [][2]string{{"    total = width * height\n    return total\n", "    result = width * height\n    return result\n"}}, same: false},
		{name: "same tokens at another place in the line",
			a: [][2]string{{"def area(width, height):", "def area(width, height, depth):"}},
			b: [][2]string{{"def area(width, height):", "def area(width, depth, height):"}}, same: false},
	})
}

const goBase = `package calc

import "fmt"

// Area returns the area of a rectangle.
func Area(w, h int) int {
	total := w * h
	return total
}

func Describe(name string) string {
	return fmt.Sprintf("shape %s", name)
}
`

func TestEquivalenceGo(t *testing.T) {
	plusOne := [2]string{"\treturn total\n", "\treturn total + 1\n"}
	guard := "\tif w < 0 {\n\t\treturn 0\n\t}\n\ttotal := w * h"
	runEquiv(t, "calc/calc.go", goBase, []equivCase{
		{name: "comments", a: [][2]string{plusOne},
			b: [][2]string{{"\treturn total\n", "\t// One more.\n\treturn total + 1 /* see issue 12 */\n"}}, same: true},
		{name: "block on one line", a: [][2]string{{"\ttotal := w * h", guard}},
			b: [][2]string{{"\ttotal := w * h", "\tif w < 0 { return 0 }\n\ttotal := w * h"}}, same: true},
		{name: "explicit semicolons", a: [][2]string{{"\ttotal := w * h", guard}},
			b: [][2]string{{"\ttotal := w * h", "\tif w < 0 {\n\t\treturn 0;\n\t};\n\ttotal := w * h;"}}, same: true},
		{name: "raw and interpreted strings", a: [][2]string{{`"shape %s"`, `"shape: %s"`}},
			b: [][2]string{{`"shape %s"`, "`shape: %s`"}}, same: true},
		{name: "rune spellings", a: [][2]string{{"import \"fmt\"\n", "import \"fmt\"\n\nconst sep = 'a'\n"}},
			b: [][2]string{{"import \"fmt\"\n", "import \"fmt\"\n\nconst sep = '\\x61'\n"}}, same: true},
		{name: "numbers", a: [][2]string{{"import \"fmt\"\n", "import \"fmt\"\n\nconst limit = 0x10 + 1_000 + 017\n"}},
			b: [][2]string{{"import \"fmt\"\n", "import \"fmt\"\n\nconst limit = 16 + 1000 + 0o17\n"}}, same: true},
		{name: "int is not float", a: [][2]string{{"import \"fmt\"\n", "import \"fmt\"\n\nconst limit = 16\n"}},
			b: [][2]string{{"import \"fmt\"\n", "import \"fmt\"\n\nconst limit = 16.0\n"}}, same: false},
		{name: "build directives count", a: [][2]string{{"package calc\n", "//go:build linux\n\npackage calc\n"}, plusOne},
			b: [][2]string{{"package calc\n", "//go:build windows\n\npackage calc\n"}, plusOne}, same: false},
		{name: "renamed variable",
			a: [][2]string{{"\ttotal := w * h\n\treturn total\n", "\tarea := w * h\n\treturn area\n"}},
			b: [][2]string{{"\ttotal := w * h\n\treturn total\n", "\tsize := w * h\n\treturn size\n"}}, same: false},
	})
}

const tsBase = `import { format } from "./format";

export function area(width: number, height: number): number {
  const total = width * height;
  return total;
}

export function describe(name: string): string {
  return format("shape %s", name);
}
`

func TestEquivalenceTypeScript(t *testing.T) {
	runEquiv(t, "src/shapes.ts", tsBase, []equivCase{
		{name: "comments", a: [][2]string{{"  return total;", "  return total + 1;"}},
			b: [][2]string{{"  return total;", "  // one more\n  return total + 1; /* see #12 */"}}, same: true},
		{name: "quote styles and escapes", a: [][2]string{{`format("shape %s", name)`, `format("it's %s", name)`}},
			b: [][2]string{{`format("shape %s", name)`, `format('it\'s %s', name)`}}, same: true},
		{name: "arguments over lines", a: [][2]string{{`format("shape %s", name)`, `format("shape: %s", name, width)`}},
			b: [][2]string{{`format("shape %s", name)`, "format(\n    \"shape: %s\",\n    name,\n    width\n  )"}}, same: true},
		{name: "numbers", a: [][2]string{{"  const total", "  const limit = 0x10 + 1_000;\n  const total"}},
			b: [][2]string{{"  const total", "  const limit = 16.0 + 1000;\n  const total"}}, same: true},
		{name: "bigint is not number", a: [][2]string{{"  const total", "  const limit = 16n;\n  const total"}},
			b: [][2]string{{"  const total", "  const limit = 16;\n  const total"}}, same: false},
		{name: "omitted semicolon", a: [][2]string{{"  const total", "  const limit = 10;\n  const total"}},
			b: [][2]string{{"  const total", "  const limit = 10\n  const total"}}, same: true, patchOnly: no},
		{name: "line break after return", a: [][2]string{{"  return total;", "  return total + 1;"}},
			b: [][2]string{{"  return total;", "  return\n    total + 1;"}}, same: false},
		{name: "renamed variable", a: [][2]string{{"  const total = width * height;\n  return total;", "  const size = width * height;\n  return size;"}},
			b: [][2]string{{"  const total = width * height;\n  return total;", "  const prod = width * height;\n  return prod;"}}, same: false},
	})
}

const javaBase = `package shapes;

public class Area {
    // The largest side.
    static final int LIMIT = 10;

    public static int area(int width, int height) {
        int total = width * height;
        return total;
    }
}
`

func TestEquivalenceJava(t *testing.T) {
	guard := "        if (width < 0) {\n            return 0;\n        }\n        int total"
	runEquiv(t, "src/main/java/shapes/Area.java", javaBase, []equivCase{
		{name: "comments", a: [][2]string{{"return total;", "return total + 1;"}},
			b: [][2]string{{"return total;", "/* one more */ return total + 1; // see #12"}}, same: true},
		{name: "brace style", a: [][2]string{{"        int total", guard}},
			b: [][2]string{{"        int total", "        if (width < 0)\n        {\n            return 0;\n        }\n        int total"}}, same: true},
		{name: "numbers", a: [][2]string{{"LIMIT = 10", "LIMIT = 0x10 + 1_000 + 010"}},
			b: [][2]string{{"LIMIT = 10", "LIMIT = 16 + 1000 + 8"}}, same: true},
		{name: "long is not int", a: [][2]string{{"LIMIT = 10", "LIMIT = 16L"}},
			b: [][2]string{{"LIMIT = 10", "LIMIT = 16"}}, same: false},
		{name: "double spellings", a: [][2]string{{"static final int LIMIT = 10;", "static final double RATIO = 1.0;"}},
			b: [][2]string{{"static final int LIMIT = 10;", "static final double RATIO = 1d;"}}, same: true},
		{name: "renamed variable", a: [][2]string{{"int total = width * height;\n        return total;", "int size = width * height;\n        return size;"}},
			b: [][2]string{{"int total = width * height;\n        return total;", "int prod = width * height;\n        return prod;"}}, same: false},
	})
}

const rustBase = `/// Area of a rectangle.
pub fn area(width: u32, height: u32) -> u32 {
    let total = width * height;
    total
}
`

func TestEquivalenceRust(t *testing.T) {
	runEquiv(t, "src/lib.rs", rustBase, []equivCase{
		{name: "comments", a: [][2]string{{"    total\n", "    total + 1\n"}},
			b: [][2]string{{"    total\n", "    /* one /* nested */ more */\n    total + 1 // see #12\n"}}, same: true},
		{name: "doc comments", a: [][2]string{{"    total\n", "    total + 1\n"}, {"/// Area of", "/// The area of"}},
			b: [][2]string{{"    total\n", "    total + 1\n"}}, same: true},
		{name: "raw strings", a: [][2]string{{"    let total", "    let re = r\"\\d+\";\n    let name = r#\"a \"b\"\"#;\n    let total"}},
			b: [][2]string{{"    let total", "    let re = \"\\\\d+\";\n    let name = \"a \\\"b\\\"\";\n    let total"}}, same: true},
		{name: "numbers", a: [][2]string{{"    let total", "    let limit = 1_000u32 + 0x10;\n    let total"}},
			b: [][2]string{{"    let total", "    let limit = 1000u32 + 16;\n    let total"}}, same: true},
		{name: "typed literals differ", a: [][2]string{{"    let total", "    let limit = 1u32;\n    let total"}},
			b: [][2]string{{"    let total", "    let limit = 1u64;\n    let total"}}, same: false},
		{name: "expression is not statement", a: [][2]string{{"    total\n", "    total + 1\n"}},
			b: [][2]string{{"    total\n", "    total + 1;\n"}}, same: false},
	})
}

const cBase = `#include <stdio.h>

#define LIMIT 10

/* Area of a rectangle. */
int area(int width, int height) {
    int total = width * height;
    return total;
}
`

func TestEquivalenceC(t *testing.T) {
	runEquiv(t, "lib/area.c", cBase, []equivCase{
		{name: "comments", a: [][2]string{{"return total;", "return total + 1;"}},
			b: [][2]string{{"return total;", "/* one more */ return total + 1; // see #12"}}, same: true},
		{name: "brace style", a: [][2]string{{"int area(int width, int height) {", "int area(int width, int height, int depth) {"}},
			b: [][2]string{{"int area(int width, int height) {", "int area(int width,\n         int height,\n         int depth)\n{"}}, same: true},
		{name: "small hexadecimal", a: [][2]string{{"#define LIMIT 10", "#define LIMIT 10\nstatic const int mask = 0x10;"}},
			b: [][2]string{{"#define LIMIT 10", "#define LIMIT 10\nstatic const int mask = 16;"}}, same: true},
		{name: "large hexadecimal is unsigned", a: [][2]string{{"#define LIMIT 10", "#define LIMIT 10\nstatic const long mask = 0xFFFFFFFF;"}},
			b: [][2]string{{"#define LIMIT 10", "#define LIMIT 10\nstatic const long mask = 4294967295;"}}, same: false},
		{name: "suffix order and case", a: [][2]string{{"#define LIMIT 10", "#define LIMIT 10\nstatic const unsigned long big = 10ul;"}},
			b: [][2]string{{"#define LIMIT 10", "#define LIMIT 10\nstatic const unsigned long big = 10LU;"}}, same: true},
		{name: "macro spacing", a: [][2]string{{"#define LIMIT 10", "#define LIMIT (10 + 1)"}},
			b: [][2]string{{"#define LIMIT 10", "#define LIMIT  (10  +  1)"}}, same: true},
		{name: "function-like macro is not object-like", a: [][2]string{{"#define LIMIT 10", "#define LIMIT 10\n#define TWICE(x) ((x) * 2)"}},
			b: [][2]string{{"#define LIMIT 10", "#define LIMIT 10\n#define TWICE (x) ((x) * 2)"}}, same: false},
	})
}

func TestEquivalenceCpp(t *testing.T) {
	base := "#include <vector>\n\nint area(int w, int h) {\n    return w * h;\n}\n"
	runEquiv(t, "src/area.cpp", base, []equivCase{
		{name: "template closers", a: [][2]string{{"    return w * h;", "    std::vector<std::vector<int>> grid;\n    return w * h;"}},
			b: [][2]string{{"    return w * h;", "    std::vector<std::vector<int> > grid;\n    return w * h;"}}, same: true},
		{name: "digit separators", a: [][2]string{{"w * h;", "w * h * 1'000;"}},
			b: [][2]string{{"w * h;", "w * h * 1000;"}}, same: true},
	})
}

func TestEquivalenceText(t *testing.T) {
	base := "# Shapes\n\nCompute areas of rectangles.\nSee the docs.\n"
	runEquiv(t, "README.md", base, []equivCase{
		{name: "white space", a: [][2]string{{"Compute areas", "Compute the areas"}},
			b: [][2]string{{"Compute areas", "Compute   the  areas"}}, same: true},
		{name: "words", a: [][2]string{{"Compute areas", "Compute the areas"}},
			b: [][2]string{{"Compute areas", "Compute all areas"}}, same: false},
	})
}

// Hunks that start at a docstring's opening quote or inside a docstring:
// patch-only mode must read the code after it as code.
func TestEquivalenceDocstringBoundaries(t *testing.T) {
	atOpener := "import os\n\n\nclass Jitter:\n    \"\"\"\n    Random displacement of marks.\n    \"\"\"\n    width = 0\n    x = 0\n    y = 0\n"
	runEquiv(t, "pkg/moves.py", atOpener, []equivCase{
		{name: "hunk starts at the opening quote, comment added", a: [][2]string{{"width = 0", "width = 0.1"}},
			b: [][2]string{{"width = 0", "width = 0.1  # a tenth"}}, same: true},
		{name: "hunk starts at the opening quote, other value", a: [][2]string{{"width = 0", "width = 0.1"}},
			b: [][2]string{{"width = 0", "width = 0.2"}}, same: false},
	})
	inside := "def f():\n    \"\"\"\n    Summary line.\n\n    More text here.\n    Even more text.\n    \"\"\"\n    return 1\n"
	runEquiv(t, "pkg/f.py", inside, []equivCase{
		{name: "hunk starts inside the docstring, comment added", a: [][2]string{{"return 1", "return 2"}},
			b: [][2]string{{"return 1", "return 2  # two"}}, same: true},
		{name: "hunk starts inside the docstring, docstring edited", a: [][2]string{{"return 1", "return 2"}},
			b: [][2]string{{"return 1", "return 2"}, {"Even more text.", "Even more words."}}, same: true},
		{name: "hunk starts inside the docstring, other value", a: [][2]string{{"return 1", "return 2"}},
			b: [][2]string{{"return 1", "return 3"}}, same: false},
	})
}

func TestEquivalenceJavaScript(t *testing.T) {
	base := "export function check(s) {\n  return s.length > 0;\n}\n"
	guard := func(re string) [][2]string {
		return [][2]string{{"  return s.length > 0;", "  const re = " + re + ";\n  return s.length > 0 && re.test(s);"}}
	}
	runEquiv(t, "lib/check.js", base, []equivCase{
		{name: "regular expression with slashes", a: guard(`/^a\/\/b$/`),
			b: [][2]string{{"  return s.length > 0;", "  // paths like a//b\n  const re = /^a\\/\\/b$/; /* strict */\n  return s.length > 0 && re.test(s);"}}, same: true},
		{name: "different regular expression", a: guard(`/^a\/\/b$/`), b: guard(`/^a\/\/c$/`), same: false},
		{name: "template literal is not a string", a: guard("`x`"), b: guard(`"x"`), same: false},
	})
}
