package syntax_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector/syntax"
)

var modes = []syntax.Mode{syntax.ModePatchOnly, syntax.ModeFullFile}

// splitDiffs splits a git patch into its per-file diffs.
func splitDiffs(p string) []string {
	out := strings.SplitAfter(p, "\ndiff --git ")
	// SplitAfter leaves each "diff --git " at the end of the part before.
	for i := range out {
		out[i] = strings.TrimSuffix(out[i], "diff --git ")
		if i > 0 {
			out[i] = "diff --git " + out[i]
		}
	}
	return out
}

func TestKeyFiles(t *testing.T) {
	base := files{"pkg/a.py": pyBase, "pkg/b.py": pyBase}
	edit := func(s string) string { return strings.Replace(s, "limit = 10", "limit = 11", 1) }
	inA := gitDiff(t, base, files{"pkg/a.py": edit(pyBase), "pkg/b.py": pyBase})
	inB := gitDiff(t, base, files{"pkg/a.py": pyBase, "pkg/b.py": edit(pyBase)})
	both := gitDiff(t, base, files{"pkg/a.py": edit(pyBase), "pkg/b.py": strings.Replace(pyBase, "import os", "import sys", 1)})
	parts := splitDiffs(both)
	require.Len(t, parts, 2)
	reordered := parts[1] + parts[0]
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			assert.NotEqual(t, keyOf(t, mode, base, inA, nil).Key, keyOf(t, mode, base, inB, nil).Key, "a change to another file is another patch")
			assert.Equal(t, keyOf(t, mode, base, both, nil).Key, keyOf(t, mode, base, reordered, nil).Key, "the order of files in the patch does not count")
		})
	}
}

func TestKeyPolicy(t *testing.T) {
	base := files{"pkg/a.py": pyBase}
	fixed := strings.Replace(pyBase, "limit = 10", "limit = 11", 1)
	plain := gitDiff(t, base, files{"pkg/a.py": fixed})
	withScript := gitDiff(t, base, files{"pkg/a.py": fixed, "reproduce_bug.py": "from pkg.a import Box\nprint(Box.limit)\n"})
	withTest := gitDiff(t, base, files{"pkg/a.py": fixed, "tests/test_a.py": "def test_limit():\n    assert True\n"})
	noTests := &syntax.Options{Ignore: func(_ string, k syntax.FileKind) bool { return k == syntax.FileScratch || k == syntax.FileTest }}
	everything := &syntax.Options{Ignore: func(string, syntax.FileKind) bool { return false }}
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			n := keyOf(t, mode, base, withScript, nil)
			assert.Equal(t, keyOf(t, mode, base, plain, nil).Key, n.Key, "scratch scripts are ignored by default")
			assert.Equal(t, []syntax.Ignored{{Path: "reproduce_bug.py", Reason: "scratch file"}}, n.Ignored)
			assert.NotEqual(t, keyOf(t, mode, base, plain, everything).Key, keyOf(t, mode, base, withScript, everything).Key)
			assert.NotEqual(t, keyOf(t, mode, base, plain, nil).Key, keyOf(t, mode, base, withTest, nil).Key, "tests count by default")
			assert.Equal(t, keyOf(t, mode, base, plain, noTests).Key, keyOf(t, mode, base, withTest, noTests).Key)
		})
	}
}

func TestKeyNoChange(t *testing.T) {
	base := files{"pkg/a.py": pyBase, "notes.md": "Notes\n"}
	comment := gitDiff(t, base, files{"pkg/a.py": strings.Replace(pyBase, "    limit = 10\n", "    # The most it holds.\n    limit = 10  # units\n", 1), "notes.md": "Notes\n"})
	scratchOnly := gitDiff(t, base, files{"pkg/a.py": pyBase, "notes.md": "Notes\n", "repro.py": "print(1)\n"})
	spaces := gitDiff(t, base, files{"pkg/a.py": pyBase, "notes.md": "Notes  \n"})
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			n := keyOf(t, mode, base, comment, nil)
			assert.Empty(t, n.Key)
			assert.Empty(t, n.Files)
			assert.Equal(t, []syntax.Ignored{{Path: "pkg/a.py", Reason: "no change after normalisation"}}, n.Ignored)
			assert.Empty(t, keyOf(t, mode, base, scratchOnly, nil).Key)
			assert.Empty(t, keyOf(t, mode, base, spaces, nil).Key)
		})
	}
}

func TestKeyOperations(t *testing.T) {
	text := "def f():\n    return 1\n"
	base := files{"a.py": text, "run.sh": "echo hi\n"}
	patches := map[string]string{
		"rename":        gitDiff(t, base, files{"b.py": text, "run.sh": "echo hi\n"}),
		"copy as new":   gitDiff(t, base, files{"a.py": text, "pkg/b.py": text, "run.sh": "echo hi\n"}),
		"delete":        gitDiff(t, base, files{"run.sh": "echo hi\n"}),
		"make runnable": gitDiff(t, base, files{"a.py": text, "run.sh*": "echo hi\n"}),
		"binary":        gitDiff(t, base, files{"a.py": text, "run.sh": "echo hi\n", "logo.bin": "\x00\x01\x02"}),
		"other binary":  gitDiff(t, base, files{"a.py": text, "run.sh": "echo hi\n", "logo.bin": "\x00\x01\x03"}),
	}
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			seen := map[syntax.Key]string{}
			for name, p := range patches {
				n := keyOf(t, mode, base, p, nil)
				require.NotEmpty(t, n.Key, name)
				if other, ok := seen[n.Key]; ok {
					t.Errorf("%s and %s have the same key", name, other)
				}
				seen[n.Key] = name
			}
			n := keyOf(t, mode, base, patches["make runnable"], nil)
			require.Len(t, n.Files, 1)
			assert.Contains(t, n.String(), "mode 100755")
			n = keyOf(t, mode, base, patches["binary"], nil)
			require.Len(t, n.Files, 1)
			assert.True(t, n.Files[0].Binary)
		})
	}
}

func TestKeyModesDiffer(t *testing.T) {
	base := files{"a.py": pyBase}
	p := gitDiff(t, base, files{"a.py": strings.Replace(pyBase, "limit = 10", "limit = 11", 1)})
	assert.NotEqual(t, keyOf(t, syntax.ModePatchOnly, base, p, nil).Key, keyOf(t, syntax.ModeFullFile, base, p, nil).Key)
}

func TestNormalizeErrors(t *testing.T) {
	ctx := context.Background()
	base := files{"a.py": pyBase}
	p := gitDiff(t, base, files{"a.py": strings.Replace(pyBase, "limit = 10", "limit = 11", 1)})
	_, err := syntax.Normalize(ctx, tree(files{"a.py": strings.Replace(pyBase, "limit = 10", "limit = 9", 1)}), p, nil)
	var ae *syntax.ApplyError
	require.True(t, errors.As(err, &ae), "%v", err)
	assert.Equal(t, "a.py", ae.Path)
	assert.Equal(t, 1, ae.Hunk)
	_, err = syntax.Normalize(ctx, nil, "", nil)
	assert.ErrorIs(t, err, syntax.ErrEmptyPatch)
	_, err = syntax.Normalize(ctx, nil, "diff --git a/x b/x\n@@ -1,2 +1,2 @@\n-a\n", nil)
	assert.ErrorIs(t, err, syntax.ErrMalformedPatch)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, fsys := range []files{nil, base} {
		var n *syntax.Normal
		if fsys == nil {
			n, err = syntax.Normalize(cancelled, nil, p, nil)
		} else {
			n, err = syntax.Normalize(cancelled, tree(fsys), p, nil)
		}
		assert.Nil(t, n)
		assert.ErrorIs(t, err, context.Canceled)
	}
}

// TestNormalizeConcurrent computes keys from many goroutines at once: the
// results must be those of a sequential run (go test -race checks the
// rest).
func TestNormalizeConcurrent(t *testing.T) {
	base := files{"a.py": pyBase, "b.go": goBase, "c.ts": tsBase}
	var patches []string
	for i, repl := range [][2]string{{"limit = 10", "limit = 11"}, {"total", "product"}, {"shape", "form"}} {
		after := files{}
		for name, src := range base {
			after[name] = strings.ReplaceAll(src, repl[0], repl[1])
		}
		if i == 2 {
			after["c.ts"] = strings.Replace(tsBase, "name", "label", -1)
		}
		patches = append(patches, gitDiff(t, base, after))
	}
	want := map[string]syntax.Key{}
	for _, mode := range modes {
		for i, p := range patches {
			want[mode.String()+string(rune('0'+i))] = keyOf(t, mode, base, p, nil).Key
		}
	}
	var wg sync.WaitGroup
	got := make([]syntax.Key, 8*len(patches)*len(modes))
	for r := range 8 {
		for m, mode := range modes {
			for i, p := range patches {
				wg.Go(func() {
					var fsys = tree(base)
					var n *syntax.Normal
					var err error
					if mode == syntax.ModePatchOnly {
						n, err = syntax.Normalize(context.Background(), nil, p, nil)
					} else {
						n, err = syntax.Normalize(context.Background(), fsys, p, nil)
					}
					if err == nil {
						got[(r*len(modes)+m)*len(patches)+i] = n.Key
					}
				})
			}
		}
	}
	wg.Wait()
	for r := range 8 {
		for m, mode := range modes {
			for i := range patches {
				assert.Equal(t, want[mode.String()+string(rune('0'+i))], got[(r*len(modes)+m)*len(patches)+i])
			}
		}
	}
}

func TestCluster(t *testing.T) {
	cases := []struct {
		name string
		keys []syntax.Key
		want [][]int
	}{
		{"none", nil, nil},
		{"biggest first", []syntax.Key{"a", "b", "b", "c", "b", "a"}, [][]int{{1, 2, 4}, {0, 5}, {3}}},
		{"ties by first index", []syntax.Key{"x", "y", "y", "x"}, [][]int{{0, 3}, {1, 2}}},
		{"zero keys stand alone", []syntax.Key{"", "a", "", "a"}, [][]int{{1, 3}, {0}, {2}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			keys := append([]syntax.Key(nil), c.keys...)
			assert.Equal(t, c.want, syntax.Cluster(keys))
			assert.Equal(t, c.keys, keys, "the keys are not modified")
		})
	}
}
