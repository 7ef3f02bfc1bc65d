package edit_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/tools/edit"
)

func TestViewFile(t *testing.T) {
	ed, root := newEditor(t, nil)
	writeFile(t, root, "a.go", "package a\n\nfunc f() {\n\treturn\n}")
	tests := []struct {
		name  string
		rng   []int
		want  string
		error string
	}{
		{name: "whole", want: "a.go, lines 1-5 of 5:\n     1\tpackage a\n     2\t\n     3\tfunc f() {\n     4\t\treturn\n     5\t}\n"},
		{name: "range", rng: []int{3, 4}, want: "a.go, lines 3-4 of 5:\n     3\tfunc f() {\n     4\t\treturn\n"},
		{name: "to end", rng: []int{4, -1}, want: "a.go, lines 4-5 of 5:\n     4\t\treturn\n     5\t}\n"},
		{name: "one line", rng: []int{5, 5}, want: "a.go, lines 5-5 of 5:\n     5\t}\n"},
		{name: "end past the last line is cut", rng: []int{4, 99}, want: "a.go, lines 4-5 of 5:\n     4\t\treturn\n     5\t}\n"},
		{name: "start zero", rng: []int{0, 2}, error: "view_range [0, 2] is not a valid range for a.go, which has 5 lines"},
		{name: "negative start", rng: []int{-1, 2}, error: "which has 5 lines"},
		{name: "end before start", rng: []int{4, 2}, error: "view_range [4, 2] is not a valid range for a.go, which has 5 lines"},
		{name: "end zero", rng: []int{1, 0}, error: "which has 5 lines"},
		{name: "end below -1", rng: []int{1, -2}, error: "which has 5 lines"},
		{name: "start past the end", rng: []int{6, 9}, error: "view_range [6, 9] starts after the end of a.go, which has 5 lines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := obj{"command": "view", "path": "a.go"}
			if tt.rng != nil {
				args["view_range"] = tt.rng
			}
			if tt.error != "" {
				assert.Contains(t, refuse(t, ed, args), tt.error)
				return
			}
			assert.Equal(t, tt.want, succeed(t, ed, args))
		})
	}
	t.Run("range of one number", func(t *testing.T) {
		assert.Contains(t, refuse(t, ed, obj{"command": "view", "path": "a.go", "view_range": []int{3}}), "view_range")
	})
	t.Run("absolute path inside the root", func(t *testing.T) {
		out := succeed(t, ed, obj{"command": "view", "path": filepath.Join(root, "a.go"), "view_range": []int{1, 1}})
		assert.Contains(t, out, "     1\tpackage a\n")
	})
}

func TestViewSpecialFiles(t *testing.T) {
	ed, root := newEditor(t, nil)
	writeFile(t, root, "empty", "")
	writeFile(t, root, "crlf.txt", "one\r\ntwo\r\n")
	writeFile(t, root, "mixed.txt", "one\r\ntwo\n")
	writeFile(t, root, "bom.txt", "\xef\xbb\xbfhello\n")
	writeFile(t, root, "latin1.txt", "caf\xe9\n")
	writeFile(t, root, "blob.bin", "PK\x03\x04\x00\x00data")

	assert.Equal(t, "empty is empty (0 lines).\n", succeed(t, ed, obj{"command": "view", "path": "empty"}))
	assert.Contains(t, refuse(t, ed, obj{"command": "view", "path": "empty", "view_range": []int{1, 2}}), "empty (0 lines)")

	out := succeed(t, ed, obj{"command": "view", "path": "crlf.txt"})
	assert.Contains(t, out, "     1\tone\n     2\ttwo\n", "view hides the \\r of CRLF")
	assert.Contains(t, out, "The file's lines end in CRLF")

	assert.Contains(t, succeed(t, ed, obj{"command": "view", "path": "mixed.txt"}), "The file mixes CRLF")
	assert.Contains(t, succeed(t, ed, obj{"command": "view", "path": "bom.txt"}), "     1\thello\n", "the byte order mark is not shown")

	out = succeed(t, ed, obj{"command": "view", "path": "latin1.txt"})
	assert.Contains(t, out, "caf\uFFFD")
	assert.Contains(t, out, "not valid UTF-8")

	assert.Contains(t, refuse(t, ed, obj{"command": "view", "path": "blob.bin"}), "binary")
	assert.Contains(t, refuse(t, ed, obj{"command": "view", "path": "missing.go"}), "missing.go does not exist")
}

func TestViewDirectory(t *testing.T) {
	ed, root := newEditor(t, nil)
	for _, name := range []string{
		"README.md", "pkg/a.go", "pkg/deep/b.go", "pkg/deep/deeper/c.go",
		".git/config", "pkg/.hidden", ".env", "cmd/main.go", "empty/.keep",
	} {
		writeFile(t, root, name, "x\n")
	}
	want := "Entries of ., two levels deep, hidden ones left out; directories end in /:\n" +
		"README.md\ncmd/\ncmd/main.go\nempty/\npkg/\npkg/a.go\npkg/deep/\n"
	assert.Equal(t, want, succeed(t, ed, obj{"command": "view", "path": "."}))

	out := succeed(t, ed, obj{"command": "view", "path": "pkg"})
	assert.Equal(t, "Entries of pkg, two levels deep, hidden ones left out; directories end in /:\npkg/a.go\npkg/deep/\npkg/deep/b.go\npkg/deep/deeper/\n", out)

	assert.Contains(t, succeed(t, ed, obj{"command": "view", "path": "empty"}), "no entries other than hidden ones")
	assert.Contains(t, refuse(t, ed, obj{"command": "view", "path": "pkg", "view_range": []int{1, 2}}), "directory")
	for _, cmd := range []obj{
		{"command": "str_replace", "path": "pkg", "old_str": "a", "new_str": "b"},
		{"command": "insert", "path": "pkg", "insert_line": 0, "new_str": "b"},
		{"command": "create", "path": "pkg", "file_text": "b"},
	} {
		assert.Contains(t, refuse(t, ed, cmd), "directory", cmd["command"])
	}
}

func TestViewClips(t *testing.T) {
	ed, root := newEditor(t, &edit.Options{MaxOutput: 300})
	var sb strings.Builder
	for i := 1; i <= 100; i++ {
		fmt.Fprintf(&sb, "line %d\n", i)
	}
	writeFile(t, root, "long.txt", sb.String())

	out := succeed(t, ed, obj{"command": "view", "path": "long.txt"})
	body, note, ok := strings.Cut(out, "[Output clipped")
	require.True(t, ok, out)
	assert.LessOrEqual(t, utf8.RuneCountInString(body), 300+len("long.txt, lines 1-99 of 100:\n"))
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	last := len(lines) - 1 // the header is lines[0]
	assert.Equal(t, fmt.Sprintf("%6d\tline %d", last, last), lines[last], "whole lines are shown")
	assert.Contains(t, lines[0], fmt.Sprintf("lines 1-%d of 100", last))
	assert.Contains(t, note, fmt.Sprintf("view_range [%d, %d]", last+1, 2*last), "says which range comes next")
	assert.Contains(t, note, "grep -n")

	// The suggested range continues where the output stopped.
	out = succeed(t, ed, obj{"command": "view", "path": "long.txt", "view_range": []int{last + 1, 2 * last}})
	assert.Contains(t, out, fmt.Sprintf("%6d\tline %d\n", last+1, last+1))

	writeFile(t, root, "minified.js", strings.Repeat("x", 5000)+"\nsecond\n")
	out = succeed(t, ed, obj{"command": "view", "path": "minified.js"})
	assert.Contains(t, out, "Line 1 is too long to show whole")
	assert.Less(t, utf8.RuneCountInString(out), 600)
}

func TestViewRangeOfLargeFile(t *testing.T) {
	ed, root := newEditor(t, nil)
	const n = 200_000 // more than one read buffer
	var sb strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, "%d\n", i)
	}
	writeFile(t, root, "big.txt", sb.String())
	for _, start := range []int{1, 2, 30_000, 65_535, 123_457, n - 1, n} {
		out := succeed(t, ed, obj{"command": "view", "path": "big.txt", "view_range": []int{start, start + 1}})
		want := fmt.Sprintf("%6d\t%d\n", start, start)
		if start < n {
			want += fmt.Sprintf("%6d\t%d\n", start+1, start+1)
		}
		assert.Equal(t, fmt.Sprintf("big.txt, lines %d-%d of %d:\n", start, min(start+1, n), n)+want, out)
	}
}

// TestViewLineEndingsOfWholeFile checks that the note on line endings is
// about the whole file, not only the lines shown, and that a "\r\n" split
// between two reads counts.
func TestViewLineEndingsOfWholeFile(t *testing.T) {
	ed, root := newEditor(t, nil)
	writeFile(t, root, "mixed", strings.Repeat("crlf\r\n", 100_000)+"lf\n")
	out := succeed(t, ed, obj{"command": "view", "path": "mixed", "view_range": []int{1, 2}})
	assert.Contains(t, out, "The file mixes CRLF")

	const readSize = 256 << 10 // view's read buffer
	writeFile(t, root, "split", strings.Repeat("x", readSize-1)+"\r\nend\r\n")
	out = succeed(t, ed, obj{"command": "view", "path": "split", "view_range": []int{2, 2}})
	assert.Contains(t, out, "     2\tend\n")
	assert.Contains(t, out, "The file's lines end in CRLF")
}

func TestViewUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file")
	}
	ed, root := newEditor(t, nil)
	p := writeFile(t, root, "secret", "x\n")
	require.NoError(t, os.Chmod(p, 0))
	assert.Contains(t, refuse(t, ed, obj{"command": "view", "path": "secret"}), "permission denied")
}
