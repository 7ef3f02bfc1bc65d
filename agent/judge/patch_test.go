package judge

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/conclave-dev/conclave/selector"
)

const twoFiles = `diff --git a/calc.py b/calc.py
index 1111111..2222222 100644
--- a/calc.py
+++ b/calc.py
@@ -1,5 +1,5 @@ def add(a, b):
-    return a - b
+    return a + b
--- a line that looks like a header but is a removed line
@@ -10,3 +10,4 @@ class Calculator:
     pass
+    extra = 1
diff --git a/docs/new.md b/docs/new.md
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/docs/new.md
@@ -0,0 +1,2 @@
+# New
++++ not a header either
diff --git a/old.py b/gone.py
similarity index 90%
rename from old.py
rename to gone.py
`

func TestSummarize(t *testing.T) {
	got := summarize(twoFiles)
	assert.Equal(t, `3 files, +4 -2 lines; the patch is 23 lines long.
- calc.py (modified, +2 -2), in: def add(a, b):; class Calculator:
- docs/new.md (added, +2 -0)
- gone.py (renamed from old.py, +0 -0)
`, got)
	assert.Equal(t, "(the patch changes no file)\n", summarize("not a diff"))
}

func TestSummarizeBounds(t *testing.T) {
	var b strings.Builder
	for i := range 30 {
		b.WriteString("diff --git a/f b/" + strings.Repeat("p", 1000) + string(rune('a'+i%26)) + "\n")
		for h := range 10 {
			b.WriteString("@@ -1 +1 @@ heading " + string(rune('a'+h)) + "\n+x\n")
		}
	}
	got := summarize(b.String())
	assert.Contains(t, got, "… and 10 more files")
	assert.Contains(t, got, "; and 4 more")
	assert.Less(t, len(got), 20*(3*headingLength+summaryHunks*(headingLength+10)+50))
}

func FuzzSummarize(f *testing.F) {
	f.Add(twoFiles)
	f.Add("diff --git a/x b/x\n@@ -1 +1 @@\n-\xff\n+\n")
	f.Fuzz(func(t *testing.T, patch string) {
		got := summarize(patch)
		if utf8.ValidString(patch) && !utf8.ValidString(got) {
			t.Fatalf("summary of valid UTF-8 is not: %q", got)
		}
		if n := strings.Count(got, "\n"); n > summaryFiles+2 {
			t.Fatalf("summary has %d lines", n)
		}
	})
}

func TestViewPatch(t *testing.T) {
	cands := []selector.Candidate{{ID: "a", Patch: twoFiles}}
	res := viewPatch(cands, patchArgs{Candidate: "a", StartLine: 5, EndLine: 6})
	assert.Equal(t, "     5\t@@ -1,5 +1,5 @@ def add(a, b):\n     6\t-    return a - b\n… lines 7 to 23 of 23 follow; ask with start_line 7.\n", res.Content)
	assert.True(t, viewPatch(cands, patchArgs{Candidate: "a", StartLine: 99}).IsError)
	assert.True(t, viewPatch(cands, patchArgs{Candidate: "b"}).IsError)
	all := viewPatch(cands, patchArgs{Candidate: "a"})
	assert.False(t, all.IsError)
	assert.NotContains(t, all.Content, "follow")
}
