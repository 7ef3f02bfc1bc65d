package ckg

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/internal/lang"
)

// FuzzExtract parses arbitrary bytes as each language: no panic, no hang
// (the parser has a time limit), and the results are consistent.
func FuzzExtract(f *testing.F) {
	seeds := []string{
		"package p\nfunc (s *S) F() {}\n", "def f():\n  '''d'''\n", "class A { m() {} }", "const f = () => 1;",
		"interface I { m(): void }", "impl S { fn f(&self) {} }", "int f(void) { return 0; }",
		"namespace n { class K { void m(); }; }", "@interface A {}", "/** x */\n", "\x00\xff{{{(((",
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	langs := lang.All()
	x := newExtractor()
	f.Cleanup(x.close)
	x.timeout = 2_000_000
	f.Fuzz(func(t *testing.T, which uint8, src []byte) {
		sp := specs[langs[int(which)%len(langs)]]
		fd, err := x.extract(t.Context(), sp, src)
		if err != nil {
			require.ErrorIs(t, err, errParseLimit)
			return
		}
		lines := bytes.Count(src, []byte("\n")) + 1
		for _, s := range fd.symbols {
			assert.NotEmpty(t, s.Name)
			assert.True(t, 1 <= s.StartLine && s.StartLine <= s.Line && s.Line <= s.EndLine && s.EndLine <= lines, "%+v", s)
		}
		for i, r := range fd.refs {
			assert.Less(t, int(r.name), len(fd.names))
			assert.Less(t, int(r.scope), len(fd.symbols))
			if i > 0 {
				p := fd.refs[i-1]
				assert.True(t, p.line < r.line || p.line == r.line && p.col < r.col, "refs in order")
			}
		}
		// What the cache holds decodes to the same data.
		fd.path = "f" + sp.lang.Extensions[0]
		got := decodeFile(&reader{b: encodeFile(fd)[1:]})
		require.NotNil(t, got)
		assert.Equal(t, len(fd.refs), len(got.refs))
		if len(fd.refs) > 0 {
			assert.Equal(t, fd.refs, got.refs)
		}
		assert.Equal(t, len(fd.symbols), len(got.symbols))
	})
}

// FuzzDecodeCache feeds arbitrary bytes to the cache decoder: it must
// refuse or accept without panicking, and whatever it accepts is valid.
func FuzzDecodeCache(f *testing.F) {
	root := "/repo"
	fd := &fileData{path: "a/b.go", lang: "go", size: 10, mtime: 5,
		symbols: []Symbol{{Name: "F", Kind: Function, StartLine: 1, EndLine: 2, Line: 1, Column: 6, Signature: "func F()"}},
		names:   []string{"F", "x"}, refs: []ref{{name: 1, line: 2, col: 3, scope: 0}, {name: 0, qual: 3, line: 2, col: 9, scope: -1, flags: refCall}}}
	var buf bytes.Buffer
	writeHeader(&buf, root)
	writeRecord(&buf, encodeFile(fd))
	w := &writer{}
	w.byte(recRemove)
	w.str("a/b.go")
	writeRecord(&buf, w.b)
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:buf.Len()-3])
	f.Add([]byte(cacheMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		files, _, _, err := decodeCache(data, root)
		if err != nil {
			return
		}
		for p, fd := range files {
			assert.True(t, validPath(p))
			for _, r := range fd.refs {
				require.Less(t, int(r.name), len(fd.names))
				require.Less(t, int(r.scope), len(fd.symbols))
				_ = fd.reference(&r) // must not panic
			}
		}
	})
}
