package bash

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func clipOf(max int, writes ...string) *clip {
	c := &clip{max: max}
	for _, w := range writes {
		c.Write([]byte(w))
	}
	return c
}

func TestClip(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		writes []string
		want   string
		cut    int64
	}{
		{"empty", 10, nil, "", 0},
		{"fits", 10, []string{"hello"}, "hello", 0},
		{"exactly", 10, []string{"0123456789"}, "0123456789", 0},
		{"over", 10, []string{"0123456789abcdef"}, "01234\n[... 6 bytes of out cut here ...]\nbcdef", 6},
		{"over in pieces", 10, []string{"01", "2345", "6789ab", "c", "def"}, "01234\n[... 6 bytes of out cut here ...]\nbcdef", 6},
		{"much over", 4, []string{strings.Repeat("x", 1000) + "yz"}, "xx\n[... 998 bytes of out cut here ...]\nyz", 998},
		{"split runes", 5, []string{"ééééé"}, "é\n[... 6 bytes of out cut here ...]\né", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut := clipOf(tt.max, tt.writes...).text("out", tt.max)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.cut, cut)
		})
	}
}

func TestRender(t *testing.T) {
	q, z := strings.Repeat("Q", 100), strings.Repeat("Z", 100)
	tests := []struct {
		name             string
		stdout, stderr   string
		wantOut, wantErr int // bytes kept of each
	}{
		{"both short", "QQQ", "ZZZ", 3, 3},
		{"both long", q, z, 10, 10},
		{"short stdout", "QQQ", z, 3, 17},
		{"short stderr", q, "ZZZ", 17, 3},
		{"no stderr", q, "", 20, 0},
		{"no stdout", "", z, 0, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, cut := render(clipOf(100, tt.stdout), clipOf(100, tt.stderr), 20)
			assert.Equal(t, len(tt.stdout)+len(tt.stderr) > 20, cut)
			assert.Equal(t, tt.wantOut, strings.Count(text, "Q"), text)
			assert.Equal(t, tt.wantErr, strings.Count(text, "Z"), text)
			assert.Equal(t, tt.stderr != "", strings.Contains(text, "[stderr]\n"), text)
		})
	}
}

func FuzzClip(f *testing.F) {
	f.Add([]byte("hello, world"), 6, 3)
	f.Add([]byte("ééééé→→→世界"), 7, 2)
	f.Add(bytes.Repeat([]byte{0xff, 'a'}, 50), 10, 7)
	f.Fuzz(func(t *testing.T, data []byte, max, chunk int) {
		if max < 2 || max > 1<<16 || chunk < 1 {
			t.Skip()
		}
		c := &clip{max: max}
		for p := data; len(p) > 0; {
			k := min(chunk, len(p))
			c.Write(p[:k])
			p = p[k:]
		}
		text, cut := c.text("x", max)
		if len(data) <= max {
			assert.Equal(t, string(data), text)
			assert.Zero(t, cut)
			return
		}
		head, tail, ok := strings.Cut(text, fmt.Sprintf("\n[... %d bytes of x cut here ...]\n", cut))
		require.True(t, ok, "the note says how much was cut: %q", text)
		assert.Equal(t, int64(len(data)), int64(len(head)+len(tail))+cut, "kept and cut add up")
		assert.LessOrEqual(t, len(head)+len(tail), max)
		assert.True(t, bytes.HasPrefix(data, []byte(head)))
		assert.True(t, bytes.HasSuffix(data, []byte(tail)))
		if utf8.Valid(data) {
			assert.True(t, utf8.ValidString(text), "a cut never splits a rune")
		}
	})
}

// FuzzStream checks that output split into arbitrary reads is cut exactly
// at the end markers, whatever bytes surround them.
func FuzzStream(f *testing.F) {
	f.Add([]byte("before"), []byte("between\x00"), []byte("after"), 3)
	f.Add([]byte(""), []byte("\n_"), []byte("\n_E"), 1)
	f.Add([]byte("\n\n\n_EN"), []byte("0\x00"), []byte{}, 2)
	const nonce = "_END"
	marker := []byte("\n" + nonce + " ")
	f.Fuzz(func(t *testing.T, a, b, c []byte, chunk int) {
		for _, part := range [][]byte{a, b, c} {
			if bytes.Contains(part, []byte(nonce)) {
				t.Skip("the nonce is secret; output cannot hold it")
			}
		}
		if chunk < 1 {
			t.Skip()
		}
		input := slices.Concat(a, marker, []byte("7\x00/dir\x00"), b, marker, []byte("0\x00/\x00"), c)
		s := newStream(nil, marker, 2, 1<<20, make(chan struct{}, 1))
		var pending []byte
		for p := input; len(p) > 0; {
			k := min(chunk, len(p))
			pending = s.scan(append(pending, p[:k]...))
			p = p[k:]
		}
		s.cur.Write(pending)

		first, second := s.take(), s.take()
		require.NotNil(t, first)
		require.NotNil(t, second)
		assert.Nil(t, s.take())
		out := func(c *clip) string { text, _ := c.text("out", 1<<20); return text }
		assert.Equal(t, string(a), out(first.out))
		assert.Equal(t, []string{"7", "/dir"}, first.fields)
		assert.Equal(t, string(b), out(second.out))
		assert.Equal(t, []string{"0", "/"}, second.fields)
		assert.Equal(t, string(c), out(s.cur))
	})
}
