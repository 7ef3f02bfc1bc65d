package edit_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/tools/edit"
)

func TestCreate(t *testing.T) {
	ed, root := newEditor(t, nil)
	out := succeed(t, ed, obj{"command": "create", "path": "new/dir/f.py", "file_text": "print(1)\nprint(2)\n"})
	assert.Equal(t, "Created new/dir/f.py (2 lines).\n", out)
	assert.Equal(t, "print(1)\nprint(2)\n", readFile(t, root, "new/dir/f.py"), "parent directories are made")

	succeed(t, ed, obj{"command": "create", "path": "empty.txt", "file_text": ""})
	assert.Equal(t, "", readFile(t, root, "empty.txt"), "an empty file_text makes an empty file")

	msg := refuse(t, ed, obj{"command": "create", "path": "new/dir/f.py", "file_text": "other"})
	assert.Contains(t, msg, "already exists")
	assert.Contains(t, msg, "str_replace")
	assert.Equal(t, "print(1)\nprint(2)\n", readFile(t, root, "new/dir/f.py"), "never overwritten")

	assert.Contains(t, refuse(t, ed, obj{"command": "create", "path": "x.txt"}), "create needs file_text")
	writeFile(t, root, "file", "x")
	assert.Contains(t, refuse(t, ed, obj{"command": "create", "path": "file/below.txt", "file_text": "x"}), "not a directory")
}

func TestStrReplace(t *testing.T) {
	const src = "package a\n\nfunc f() int {\n\tx := 1\n\treturn x\n}\n\nfunc g() int {\n\tx := 1\n\treturn x\n}\n"
	tests := []struct {
		name     string
		old, new string
		want     string // the file after, when the edit succeeds
		error    string // part of the error message otherwise
	}{
		{name: "unique", old: "func f() int {\n\tx := 1", new: "func f() int {\n\tx := 2",
			want: strings.Replace(src, "x := 1", "x := 2", 1)},
		{name: "deletion", old: "\nfunc g() int {\n\tx := 1\n\treturn x\n}\n", new: "",
			want: "package a\n\nfunc f() int {\n\tx := 1\n\treturn x\n}\n"},
		{name: "none", old: "func h()", new: "x", error: "no match for old_str in a.go"},
		{name: "several", old: "x := 1", new: "y", error: "old_str occurs 2 times in a.go, starting at lines 4, 9"},
		{name: "several multi-line", old: "\tx := 1\n\treturn x\n}", new: "y", error: "occurs 2 times in a.go, starting at lines 4, 9"},
		{name: "several on one line", old: "n", new: "N", error: "starting at lines 3 (2 times), 5, 8 (2 times), 10"},
		{name: "empty old_str", old: "", new: "x", error: "old_str is empty"},
		{name: "same text", old: "x := 1", new: "x := 1", error: "nothing to change"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ed, root := newEditor(t, nil)
			writeFile(t, root, "a.go", src)
			args := obj{"command": "str_replace", "path": "a.go", "old_str": tt.old, "new_str": tt.new}
			if tt.error != "" {
				assert.Contains(t, refuse(t, ed, args), tt.error)
				assert.Equal(t, src, readFile(t, root, "a.go"), "a refused edit changes nothing")
				return
			}
			succeed(t, ed, args)
			assert.Equal(t, tt.want, readFile(t, root, "a.go"))
		})
	}
}

func TestStrReplaceOverlapping(t *testing.T) {
	ed, root := newEditor(t, nil)
	writeFile(t, root, "a.txt", "aaa\n")
	assert.Contains(t, refuse(t, ed, obj{"command": "str_replace", "path": "a.txt", "old_str": "aa", "new_str": "b"}),
		"occurs 2 times", "overlapping occurrences make old_str ambiguous")
}

func TestStrReplaceManyMatchesListed(t *testing.T) {
	ed, root := newEditor(t, nil)
	writeFile(t, root, "a.txt", strings.Repeat("x\n", 80))
	msg := refuse(t, ed, obj{"command": "str_replace", "path": "a.txt", "old_str": "x", "new_str": "y"})
	assert.Contains(t, msg, "occurs 80 times")
	assert.Contains(t, msg, "1, 2, 3, ")
	assert.Contains(t, msg, " 50 and 30 more")
}

func TestStrReplaceSnippet(t *testing.T) {
	ed, root := newEditor(t, nil)
	var sb strings.Builder
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&sb, "line %d\n", i)
	}
	writeFile(t, root, "a.txt", sb.String())
	out := succeed(t, ed, obj{"command": "str_replace", "path": "a.txt", "old_str": "line 10\n", "new_str": "ten\nand more\n"})
	// The edit spans lines 10-11 now; four lines of context either side.
	want := "     6\tline 6\n     7\tline 7\n     8\tline 8\n     9\tline 9\n    10\tten\n    11\tand more\n" +
		"    12\tline 11\n    13\tline 12\n    14\tline 13\n    15\tline 14\n"
	assert.Contains(t, out, want)
	assert.NotContains(t, out, "     5\t")
	assert.NotContains(t, out, "    16\t")
}

func TestStrReplaceNeedsNewStr(t *testing.T) {
	ed, root := newEditor(t, nil)
	writeFile(t, root, "a.txt", "a\n")
	assert.Contains(t, refuse(t, ed, obj{"command": "str_replace", "path": "a.txt", "old_str": "a"}), `give "" to delete`)
	assert.Contains(t, refuse(t, ed, obj{"command": "str_replace", "path": "a.txt", "old_str": "a", "new_str": "b", "insert_line": 3}),
		"str_replace does not use insert_line")
	// Empty values of unused parameters, as some models send, are let through.
	succeed(t, ed, obj{"command": "str_replace", "path": "a.txt", "old_str": "a", "new_str": "b", "file_text": ""})
}

func TestWhitespaceHint(t *testing.T) {
	tests := []struct {
		name, file, old string
		want            []string
	}{
		{
			name: "tabs against spaces",
			file: "func f() {\n\tif x {\n\t\treturn\n\t}\n}\n",
			old:  "    if x {\n        return\n    }",
			want: []string{"matches apart from whitespace at line 2", "the file indents with tabs where old_str has spaces",
				"     2\t\"\\tif x {\"\n     3\t\"\\t\\treturn\"\n     4\t\"\\t}\"\n"},
		},
		{
			name: "spaces against tabs",
			file: "def f():\n    return 1\n",
			old:  "def f():\n\treturn 1",
			want: []string{"at line 1", "the file indents with spaces where old_str has tabs"},
		},
		{
			name: "trailing spaces",
			file: "a = 1   \nb = 2\n",
			old:  "a = 1\nb = 2",
			want: []string{"at line 1", "trailing whitespace differs", `"a = 1   "`},
		},
		{
			name: "indentation depth",
			file: "if a:\n        b()\n",
			old:  "if a:\n    b()\n",
			want: []string{"the indentation differs"},
		},
		{
			name: "mixed line endings",
			file: "one\r\ntwo\nthree\r\n",
			old:  "one\ntwo\n",
			want: []string{"at line 1", "line endings", `"one\r"`},
		},
		{
			name: "several places",
			file: "\tx()\n\n\tx()\n",
			old:  "  x()",
			want: []string{"at lines 1, 3"},
		},
		{
			name: "first line found",
			file: "a()\nb()\nc()\n",
			old:  "b()\nzzz()",
			want: []string{`Its first line, "b()", occurs at line 2`, "view_range [2, 8]"},
		},
		{
			name: "nothing like it",
			file: "a()\n",
			old:  "q()",
			want: []string{`no line contains its first line, "q()"`},
		},
		{
			name: "only whitespace",
			file: "a\n",
			old:  "  \n",
			want: []string{"only whitespace"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ed, root := newEditor(t, nil)
			writeFile(t, root, "f", tt.file)
			msg := refuse(t, ed, obj{"command": "str_replace", "path": "f", "old_str": tt.old, "new_str": "X"})
			for _, w := range tt.want {
				assert.Contains(t, msg, w)
			}
		})
	}
}

func TestInsert(t *testing.T) {
	tests := []struct {
		name, file string
		after      int
		text       string
		want       string
		error      string
	}{
		{name: "top", file: "a\nb\n", after: 0, text: "x", want: "x\na\nb\n"},
		{name: "middle", file: "a\nb\n", after: 1, text: "x\ny\n", want: "a\nx\ny\nb\n"},
		{name: "end", file: "a\nb\n", after: 2, text: "x", want: "a\nb\nx\n"},
		{name: "empty line", file: "a\nb\n", after: 1, text: "", want: "a\n\nb\n"},
		{name: "end without final newline", file: "a\nb", after: 2, text: "x\n", want: "a\nb\nx"},
		{name: "before a last line without final newline", file: "a\nb", after: 1, text: "x", want: "a\nx\nb"},
		{name: "empty file", file: "", after: 0, text: "x", want: "x\n"},
		{name: "crlf", file: "a\r\nb\r\n", after: 1, text: "x\ny", want: "a\r\nx\r\ny\r\nb\r\n"},
		{name: "crlf end without final newline", file: "a\r\nb", after: 2, text: "x", want: "a\r\nb\r\nx"},
		{name: "bom top", file: "\xef\xbb\xbfa\n", after: 0, text: "x", want: "\xef\xbb\xbfx\na\n"},
		{name: "tabs kept", file: "\ta\n", after: 1, text: "\tb", want: "\ta\n\tb\n"},
		{name: "beyond the end", file: "a\nb\n", after: 3, text: "x", error: "insert_line 3 is outside f, which has 2 lines: give 0 to insert at the top, up to 2"},
		{name: "negative", file: "a\n", after: -1, text: "x", error: "insert_line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ed, root := newEditor(t, nil)
			writeFile(t, root, "f", tt.file)
			args := obj{"command": "insert", "path": "f", "insert_line": tt.after, "new_str": tt.text}
			if tt.error != "" {
				assert.Contains(t, refuse(t, ed, args), tt.error)
				assert.Equal(t, tt.file, readFile(t, root, "f"))
				return
			}
			out := succeed(t, ed, args)
			assert.Equal(t, tt.want, readFile(t, root, "f"))
			assert.Contains(t, out, "after line")
		})
	}
}

// TestPreservesBytes checks that an edit changes only the bytes it
// replaces: tabs, CRLF, a byte order mark and a missing final newline stay.
func TestPreservesBytes(t *testing.T) {
	tests := []struct {
		name, file, old, new, want string
	}{
		{"tabs", "func f() {\n\tif x {\n\t\treturn\n\t}\n}\n", "\t\treturn\n", "\t\treturn nil\n",
			"func f() {\n\tif x {\n\t\treturn nil\n\t}\n}\n"},
		{"makefile", "all:\n\tgo build\n\ntest:\n\tgo test\n", "go test", "go test -race",
			"all:\n\tgo build\n\ntest:\n\tgo test -race\n"},
		{"crlf with lf old_str", "a\r\nb\r\nc\r\n", "a\nb\n", "x\ny\nz\n", "x\r\ny\r\nz\r\nc\r\n"},
		{"crlf with crlf old_str", "a\r\nb\r\nc\r\n", "a\r\nb", "x", "x\r\nc\r\n"},
		{"crlf old_str ending in cr", "a\r\rb\r\n", "a\r", "x", "x\rb\r\n"},
		{"lf file and crlf new_str", "a\nb\n", "a\n", "x\r\ny\r\n", "x\ny\nb\n"},
		{"mixed byte for byte", "a\r\nb\nc\r\n", "b\nc\r\n", "d\n", "a\r\nd\n"},
		{"bom", "\xef\xbb\xbfpackage a\n", "package a", "package b", "\xef\xbb\xbfpackage b\n"},
		{"no final newline", "a\nb", "b", "c", "a\nc"},
		{"all at once", "\xef\xbb\xbf\tx = 1\r\n\ty = 2", "\ty = 2", "\ty = 3\n\tz = 4", "\xef\xbb\xbf\tx = 1\r\n\ty = 3\r\n\tz = 4"},
		{"multi-byte text", "名前 = \"値\"\n", "\"値\"", "\"新\"", "名前 = \"新\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ed, root := newEditor(t, nil)
			writeFile(t, root, "f", tt.file)
			succeed(t, ed, obj{"command": "str_replace", "path": "f", "old_str": tt.old, "new_str": tt.new})
			assert.Equal(t, tt.want, readFile(t, root, "f"))
			succeed(t, ed, obj{"command": "undo_edit", "path": "f"})
			assert.Equal(t, tt.file, readFile(t, root, "f"), "undo restores every byte")
		})
	}
	t.Run("crlf cr is not matched inside a line break", func(t *testing.T) {
		ed, root := newEditor(t, nil)
		writeFile(t, root, "f", "a\r\nb\r\n")
		refuse(t, ed, obj{"command": "str_replace", "path": "f", "old_str": "a\r", "new_str": "x"})
	})
}

func TestFileModeKept(t *testing.T) {
	for _, mode := range []os.FileMode{0o755, 0o600, 0o640} {
		t.Run(mode.String(), func(t *testing.T) {
			ed, root := newEditor(t, nil)
			p := writeFile(t, root, "run.sh", "#!/bin/sh\necho hi\n")
			require.NoError(t, os.Chmod(p, mode))
			succeed(t, ed, obj{"command": "str_replace", "path": "run.sh", "old_str": "hi", "new_str": "ho"})
			succeed(t, ed, obj{"command": "insert", "path": "run.sh", "insert_line": 1, "new_str": "set -e"})
			succeed(t, ed, obj{"command": "undo_edit", "path": "run.sh"})
			info, err := os.Stat(p)
			require.NoError(t, err)
			assert.Equal(t, mode, info.Mode())
		})
	}
}

func TestAtomicWriteLeavesNoTemporaryFiles(t *testing.T) {
	ed, root := newEditor(t, nil)
	writeFile(t, root, "dir/a.txt", "one\ntwo\n")
	succeed(t, ed, obj{"command": "str_replace", "path": "dir/a.txt", "old_str": "one", "new_str": "1"})
	succeed(t, ed, obj{"command": "insert", "path": "dir/a.txt", "insert_line": 2, "new_str": "three"})
	succeed(t, ed, obj{"command": "undo_edit", "path": "dir/a.txt"})
	refuse(t, ed, obj{"command": "str_replace", "path": "dir/a.txt", "old_str": "zzz", "new_str": "1"})
	entries, err := os.ReadDir(filepath.Join(root, "dir"))
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the edited file is left in its directory")
	assert.Equal(t, "a.txt", entries[0].Name())
	assert.Equal(t, "1\ntwo\n", readFile(t, root, "dir/a.txt"))
}

func TestWriteFailureKeepsFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into read-only directories")
	}
	ed, root := newEditor(t, nil)
	writeFile(t, root, "ro/a.txt", "one\n")
	require.NoError(t, os.Chmod(filepath.Join(root, "ro"), 0o555))
	t.Cleanup(func() { os.Chmod(filepath.Join(root, "ro"), 0o755) })
	assert.Contains(t, refuse(t, ed, obj{"command": "str_replace", "path": "ro/a.txt", "old_str": "one", "new_str": "1"}), "writing ro/a.txt")
	assert.Equal(t, "one\n", readFile(t, root, "ro/a.txt"))
}

func TestRefusesNonText(t *testing.T) {
	ed, root := newEditor(t, nil)
	writeFile(t, root, "blob", "abc\n\x00\x01\x02")
	writeFile(t, root, "latin1", "a\ncaf\xe9\n")
	for _, c := range []obj{
		{"command": "str_replace", "old_str": "abc", "new_str": "x"},
		{"command": "insert", "insert_line": 0, "new_str": "x"},
	} {
		c["path"] = "blob"
		assert.Contains(t, refuse(t, ed, c), "blob is a binary file (it has a NUL byte at line 2)")
		c["path"] = "latin1"
		assert.Contains(t, refuse(t, ed, c), "latin1 is not UTF-8 text (the first invalid byte is on line 2)")
	}
	assert.Equal(t, "abc\n\x00\x01\x02", readFile(t, root, "blob"))
}

func TestMaxFileSize(t *testing.T) {
	ed, root := newEditor(t, &edit.Options{MaxFileSize: 10})
	writeFile(t, root, "big", "0123456789abcdef\n")
	assert.Contains(t, refuse(t, ed, obj{"command": "str_replace", "path": "big", "old_str": "0", "new_str": "x"}),
		"big is 17 bytes, more than the 10 this tool edits")
	succeed(t, ed, obj{"command": "view", "path": "big"})
}
