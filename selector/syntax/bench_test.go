package syntax_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/conclave-dev/conclave/selector/syntax"
)

// module returns a Python module of n small functions, the kind of file
// a typical patch touches (about 12 lines per function).
func module(n int) string {
	var b strings.Builder
	b.WriteString("\"\"\"Geometry helpers.\"\"\"\n\nimport math\n\n")
	for i := range n {
		fmt.Fprintf(&b, `

def shape_%d(width, height, scale=1.0):
    """Return the area of shape %d, scaled."""
    # Negative sides make no sense here.
    if width < 0 or height < 0:
        raise ValueError("negative side: %%r" %% ((width, height),))
    total = 0
    for k in range(%d):
        total += math.hypot(width, height) * k
    return {"area": width * height * scale, "total": total}
`, i, i, i%7+1)
	}
	return b.String()
}

// typicalPatch edits three functions of module(40): a changed condition,
// a new guard with a comment, and a changed return, in three hunks.
func typicalPatch(b *testing.B) (files, string) {
	src := module(40)
	after := strings.Replace(src, "    if width < 0 or height < 0:\n        raise ValueError(\"negative side: %r\" % ((width, height),))\n    total = 0\n    for k in range(4)",
		"    if width <= 0 or height <= 0:\n        raise ValueError(\"negative side: %r\" % ((width, height),))\n    total = 0\n    for k in range(4)", 1)
	after = strings.Replace(after, "def shape_20(width, height, scale=1.0):\n    \"\"\"Return the area of shape 20, scaled.\"\"\"\n",
		"def shape_20(width, height, scale=1.0):\n    \"\"\"Return the area of shape 20, scaled.\"\"\"\n    # Scale must be positive.\n    if scale <= 0:\n        scale = 1.0\n", 1)
	after = strings.Replace(after, "    return {\"area\": width * height * scale, \"total\": total}\n\n\ndef shape_35(",
		"    return {'area': width * height * scale, 'total': total, 'scale': scale}\n\n\ndef shape_35(", 1)
	base := files{"geometry/shapes.py": src}
	return base, gitDiff(b, base, files{"geometry/shapes.py": after})
}

// BenchmarkKey measures the key of a typical patch (three hunks in a
// 500-line Python file) in patch-only and full-file mode, against plain
// white space normalisation of the patch text, measured in the same run.
func BenchmarkKey(b *testing.B) {
	base, patch := typicalPatch(b)
	ctx := context.Background()
	fsys := tree(base)
	b.Run("WhiteSpace", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h := sha256.New()
			for _, line := range strings.Split(patch, "\n") {
				h.Write([]byte(strings.Join(strings.Fields(line), " ")))
				h.Write([]byte{'\n'})
			}
			h.Sum(nil)
		}
	})
	b.Run("PatchOnly", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := syntax.Normalize(ctx, nil, patch, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("FullFile", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := syntax.Normalize(ctx, fsys, patch, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkApplyCheck measures the two filters on the same patch.
func BenchmarkApplyCheck(b *testing.B) {
	base, patch := typicalPatch(b)
	ctx := context.Background()
	fsys := tree(base)
	b.Run("Apply", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := syntax.Apply(context.Background(), fsys, patch); err != nil {
				b.Fatal(err)
			}
		}
	})
	a, err := syntax.Apply(context.Background(), fsys, patch)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Check", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := syntax.Check(ctx, a); err != nil {
				b.Fatal(err)
			}
		}
	})
}
