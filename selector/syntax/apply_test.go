package syntax_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector/syntax"
)

// long returns a file of n numbered lines, so that edits far apart make
// separate hunks.
func long(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

// twoEdits changes lines 2 and 35 of long(40): two hunks.
func twoEdits(text string) string {
	return strings.NewReplacer("line 2\n", "line two\n", "line 35\n", "line thirty-five\n").Replace(text)
}

func TestApply(t *testing.T) {
	text := long(40)
	binBefore := "\x00\x01\x02\x03 binary \xff\xfe"
	binAfter := "\x00\x01\x02\x04 binary \xff\xfe\x00"
	cases := []struct {
		name          string
		before, after files
		want          []syntax.Change // Old and New are checked against before and after
	}{
		{name: "modify", before: files{"a.py": "x = 1\n"}, after: files{"a.py": "x = 2\n"},
			want: []syntax.Change{{Op: syntax.OpModify, OldPath: "a.py", NewPath: "a.py"}}},
		{name: "two hunks", before: files{"a.txt": text},
			after: files{"a.txt": twoEdits(text)},
			want:  []syntax.Change{{Op: syntax.OpModify, OldPath: "a.txt", NewPath: "a.txt"}}},
		{name: "create", before: files{"a.py": "x = 1\n"}, after: files{"a.py": "x = 1\n", "pkg/b.py": "y = 2\n"},
			want: []syntax.Change{{Op: syntax.OpCreate, NewPath: "pkg/b.py", NewMode: 0o644}}},
		{name: "delete", before: files{"a.py": "x = 1\n", "b.py": "y = 2\n"}, after: files{"a.py": "x = 1\n"},
			want: []syntax.Change{{Op: syntax.OpDelete, OldPath: "b.py", OldMode: 0o644}}},
		{name: "rename", before: files{"old/name.py": text}, after: files{"new/name.py": text},
			want: []syntax.Change{{Op: syntax.OpRename, OldPath: "old/name.py", NewPath: "new/name.py"}}},
		{name: "rename with changes", before: files{"old.py": text}, after: files{"new.py": twoEdits(text)},
			want: []syntax.Change{{Op: syntax.OpRename, OldPath: "old.py", NewPath: "new.py"}}},
		{name: "mode", before: files{"run.sh": "echo hi\n"}, after: files{"run.sh*": "echo hi\n"},
			want: []syntax.Change{{Op: syntax.OpModify, OldPath: "run.sh", NewPath: "run.sh", OldMode: 0o644, NewMode: 0o755}}},
		{name: "binary", before: files{"img.bin": binBefore}, after: files{"img.bin": binAfter},
			want: []syntax.Change{{Op: syntax.OpModify, OldPath: "img.bin", NewPath: "img.bin", Binary: true}}},
		{name: "new binary", before: files{}, after: files{"img.bin": binAfter},
			want: []syntax.Change{{Op: syntax.OpCreate, NewPath: "img.bin", NewMode: 0o644, Binary: true}}},
		{name: "several files in order", before: files{"a.py": "x = 1\n", "b.py": "y = 1\n"}, after: files{"a.py": "x = 2\n", "b.py": "y = 2\n"},
			want: []syntax.Change{{Op: syntax.OpModify, OldPath: "a.py", NewPath: "a.py"}, {Op: syntax.OpModify, OldPath: "b.py", NewPath: "b.py"}}},
		{name: "no newline at end", before: files{"a.py": "x = 1"}, after: files{"a.py": "x = 2"},
			want: []syntax.Change{{Op: syntax.OpModify, OldPath: "a.py", NewPath: "a.py"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base := tree(c.before)
			a, err := syntax.Apply(context.Background(), base, gitDiff(t, c.before, c.after))
			require.NoError(t, err)
			require.Len(t, a.Changes, len(c.want))
			for i, w := range c.want {
				got := a.Changes[i]
				assert.Equal(t, w.Op, got.Op)
				assert.Equal(t, w.OldPath, got.OldPath)
				assert.Equal(t, w.NewPath, got.NewPath)
				assert.Equal(t, w.Binary, got.Binary)
				if w.NewMode != 0 {
					assert.Equal(t, w.NewMode, got.NewMode)
				}
				if w.OldPath == "" {
					assert.Nil(t, got.Old)
				} else {
					assert.Equal(t, content(c.before, w.OldPath), string(got.Old))
				}
				if w.NewPath == "" {
					assert.Nil(t, got.New)
				} else {
					assert.Equal(t, content(c.after, w.NewPath), string(got.New))
				}
			}
			// Apply is pure: the base is as it was.
			assert.Equal(t, tree(c.before), base)
		})
	}
}

func content(fs files, path string) string {
	if s, ok := fs[path]; ok {
		return s
	}
	return fs[path+"*"]
}

func TestApplyErrors(t *testing.T) {
	text := long(40)
	twoHunks := gitDiff(t, files{"a.txt": text}, files{"a.txt": twoEdits(text)})
	// The second hunk's context no longer matches: line 33 changed.
	drifted := strings.Replace(text, "line 33\n", "line 33 changed\n", 1)
	cases := []struct {
		name   string
		base   files
		patch  string
		is     []error
		path   string
		hunk   int
		inText []string
	}{
		{name: "context does not match", base: files{"a.txt": drifted}, patch: twoHunks,
			is: []error{syntax.ErrDoesNotApply}, path: "a.txt", hunk: 2, inText: []string{"a.txt", "hunk 2", "@@ -32,7 +32,7 @@", "line 33"}},
		{name: "missing file", base: files{"b.txt": text}, patch: twoHunks,
			is: []error{syntax.ErrDoesNotApply, fs.ErrNotExist}, path: "a.txt", inText: []string{"a.txt"}},
		{name: "file shorter than the hunk", base: files{"a.txt": long(10)}, patch: twoHunks,
			is: []error{syntax.ErrDoesNotApply}, path: "a.txt", hunk: 2},
		{name: "created file exists", base: files{"a.py": "x\n", "b.py": "y\n"}, patch: gitDiff(t, files{"a.py": "x\n"}, files{"a.py": "x\n", "b.py": "z\n"}),
			is: []error{syntax.ErrDoesNotApply, fs.ErrExist}, path: "b.py"},
		{name: "malformed", base: files{}, patch: "diff --git a/x b/x\n@@ -1,2 +1,2 @@\n-a\n", is: []error{syntax.ErrMalformedPatch}},
		{name: "empty", base: files{}, patch: "no diff here\n", is: []error{syntax.ErrEmptyPatch}},
		{name: "path outside the tree", base: files{}, is: []error{syntax.ErrMalformedPatch},
			patch: "--- a/../etc/passwd\n+++ b/../etc/passwd\n@@ -1 +1 @@\n-a\n+b\n"},
		{name: "hunk longer than its header says", base: files{"a.py": "x = 1\ny = 2\n"}, is: []error{syntax.ErrMalformedPatch}, inText: []string{"line 7", "@@ -1,2 +1,2 @@"},
			patch: "--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\n-x = 1\n+x = 3\n y = 2\n+z = 4\n"},
		{name: "hunk hidden after a miscounted one", base: files{"a.txt": text}, is: []error{syntax.ErrMalformedPatch},
			patch: strings.Replace(twoHunks, "@@ -1,5 +1,5 @@", "@@ -1,5 +1,4 @@", 1)},
		{name: "file changed twice", base: files{"a.py": "x = 1\n"}, is: []error{syntax.ErrMalformedPatch}, inText: []string{"a.py"},
			patch: gitDiff(t, files{"a.py": "x = 1\n"}, files{"a.py": "x = 2\n"}) + gitDiff(t, files{"a.py": "x = 1\n"}, files{"a.py": "x = 3\n"})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := syntax.Apply(context.Background(), tree(c.base), c.patch)
			require.Error(t, err)
			assert.Nil(t, a)
			for _, target := range c.is {
				assert.ErrorIs(t, err, target)
			}
			var ae *syntax.ApplyError
			if c.path != "" && assert.True(t, errors.As(err, &ae), "%v", err) {
				assert.Equal(t, c.path, ae.Path)
				assert.Equal(t, c.hunk, ae.Hunk)
			}
			for _, s := range c.inText {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}
