package edit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func FuzzArgs(f *testing.F) {
	for _, s := range []string{
		`{"command":"view","path":"a.txt","view_range":[1,-1]}`,
		`{"command":"str_replace","path":"a.txt","old_str":"a","new_str":""}`,
		`{"command":"insert","path":"a.txt","insert_line":1,"new_str":"x"}`,
		`{"command":"create","path":"d/n.txt","file_text":"x"}`,
		`{"command":"undo_edit","path":"a.txt"}`,
		`{"command":"view","path":"../a.txt","old_str":null}`,
		`{"command":"view","path":"a.txt","view_range":[0,99999999999]}`,
	} {
		f.Add([]byte(s))
	}
	ed, root := newEditor(f, nil)
	writeFile(f, root, "a.txt", "a\nb\n")
	f.Fuzz(func(t *testing.T, args []byte) {
		res, err := ed.Run(context.Background(), args)
		require.NoError(t, err)
		require.NotEmpty(t, res.Content)
		if res.IsError {
			return
		}
		var a struct {
			Command string `json:"command"`
			Path    string `json:"path"`
		}
		require.NoError(t, json.Unmarshal(args, &a), "accepted arguments are a JSON object")
		assert.Contains(t, []string{"view", "create", "str_replace", "insert", "undo_edit"}, a.Command)
		assert.NotEmpty(t, a.Path)
	})
}

// FuzzStrReplace checks str_replace against a model of what it should do,
// written in terms of the text the model sees: the file without its byte
// order mark, with CRLF read as LF when every line break is CRLF. When
// old_str occurs exactly once in that text, the edit must succeed and the
// file become the original with that one occurrence replaced, in the
// file's own line endings; otherwise the edit must fail and change
// nothing.
func FuzzStrReplace(f *testing.F) {
	for _, s := range [][3]string{
		{"a\nb\nc\n", "b", "B"},
		{"a\r\nb\r\nc\r\n", "a\nb", "x\ny"},
		{"a\r\nb\nc", "b\nc", ""},
		{"\xef\xbb\xbf\tx\n", "\tx", "\ty"},
		{"aaa", "aa", "b"},
		{"a\r\r\nb\r\n", "a\r", "z"},
		{"x\r\ny\r\n", "\r\n", "\n"},
	} {
		f.Add([]byte(s[0]), s[1], s[2])
	}
	ed, root := newEditor(f, nil)
	path := filepath.Join(root, "f")
	f.Fuzz(func(t *testing.T, content []byte, old, new string) {
		if !utf8.ValidString(old) || !utf8.ValidString(new) {
			return // JSON cannot carry them unchanged
		}
		require.NoError(t, os.WriteFile(path, content, 0o644))
		raw, err := json.Marshal(obj{"command": "str_replace", "path": "f", "old_str": old, "new_str": new})
		require.NoError(t, err)
		res, err := ed.Run(context.Background(), raw)
		require.NoError(t, err)
		got, err := os.ReadFile(path)
		require.NoError(t, err)

		want, ok := expectReplace(content, old, new)
		if !ok {
			assert.True(t, res.IsError, "edit should fail: %s", res.Content)
			assert.Equal(t, string(content), string(got), "a failed edit changes nothing")
			return
		}
		require.False(t, res.IsError, res.Content)
		assert.Equal(t, string(want), string(got))
	})
}

// expectReplace is the reference model of str_replace.
func expectReplace(content []byte, old, new string) ([]byte, bool) {
	if bytes.IndexByte(content, 0) >= 0 || !utf8.Valid(content) || old == "" {
		return nil, false
	}
	prefix, body := "", string(content)
	if strings.HasPrefix(body, "\ufeff") {
		prefix, body = "\ufeff", body[3:]
	}
	lf, crlf := strings.Count(body, "\n"), strings.Count(body, "\r\n")
	mixed := crlf > 0 && crlf < lf
	toCRLF := crlf > 0 && crlf == lf
	if !mixed {
		body = strings.ReplaceAll(body, "\r\n", "\n")
		old = strings.ReplaceAll(old, "\r\n", "\n")
		new = strings.ReplaceAll(new, "\r\n", "\n")
	}
	if old == new {
		return nil, false
	}
	var at []int
	for i := 0; len(at) < 2; i++ {
		j := strings.Index(body[i:], old)
		if j < 0 {
			break
		}
		i += j
		at = append(at, i)
	}
	if len(at) != 1 {
		return nil, false
	}
	body = body[:at[0]] + new + body[at[0]+len(old):]
	if toCRLF {
		body = strings.ReplaceAll(body, "\n", "\r\n")
	}
	return slices.Concat([]byte(prefix), []byte(body)), true
}
