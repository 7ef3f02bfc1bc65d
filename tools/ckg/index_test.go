package ckg

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// writeTree writes files (slash paths to contents) under a new temporary
// directory and returns it.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, src := range files {
		writeFile(t, root, p, src)
	}
	return root
}

func writeFile(t testing.TB, root, p, src string) {
	t.Helper()
	full := filepath.Join(root, filepath.FromSlash(p))
	require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
	require.NoError(t, os.WriteFile(full, []byte(src), 0o644))
}

// goRepo is a small Go module with two packages.
var goRepo = map[string]string{
	"go.mod": "module example.com/m\n",
	"a/a.go": `package a

// Server serves.
type Server struct{}

// Serve runs the server.
func (s *Server) Serve() error { return helper() }

func helper() error { return nil }

func New() *Server { return &Server{} }
`,
	"a/a_test.go": "package a\n\nfunc TestNew() { New().Serve() }\n",
	"b/b.go": `package b

import "example.com/m/a"

func Run() { a.New().Serve(); helper() }

func helper() {}
`,
	"node_modules/x/x.js": "function vendored() {}\n",
	".hidden/h.go":        "package h\nfunc Hidden() {}\n",
	"vendor/v/v.go":       "package v\nfunc Vendored() {}\n",
	"bin/blob.c":          "int x;\x00\x01\x02",
	"README.md":           "# not code\n",
	"web/app.ts":          "export class App { run(): void {} }\n",
	"web/main.ts":         "import { App } from './app';\nnew App().run();\n",
	"web/other.ts":        "function run() {}\nrun();\n",
	"py/pkg/__init__.py":  "",
	"py/pkg/mod.py":       "def util():\n    pass\n",
	"py/main.py":          "from pkg.mod import util\nutil()\n",
	"py/unrelated.py":     "def util():\n    pass\nutil()\n",
	"py/noimport.py":      "util()\n",
}

func openTest(t testing.TB, root string, opts *Options) *Index {
	t.Helper()
	if opts == nil {
		opts = &Options{CacheDir: t.TempDir()}
	}
	ix, err := Open(t.Context(), root, opts)
	require.NoError(t, err)
	return ix
}

func names(syms []Symbol) []string {
	var out []string
	for _, s := range syms {
		out = append(out, s.QualifiedName()+"@"+s.Location())
	}
	return out
}

func refLocs(refs []Reference) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Path+":"+itoa(r.Line))
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

func trimParent(s string) string {
	name, loc, _ := strings.Cut(s, "@")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return name + "@" + loc
}

func TestIndexSkips(t *testing.T) {
	ix := openTest(t, writeTree(t, goRepo), nil)
	st := ix.Stats()
	assert.Equal(t, 11, st.Files, "Go, TypeScript and Python files; not hidden, vendored, binary or other files")
	assert.Equal(t, 1, st.Skipped, "the binary file")
	assert.Empty(t, ix.Search(Query{Name: "vendored", Match: IgnoreCase}))
	assert.Empty(t, ix.Search(Query{Name: "Hidden"}))
	assert.Equal(t, map[string]int{"go": 3, "typescript": 3, "python": 5}, st.Languages)
}

func TestIndexSkipsLargeFiles(t *testing.T) {
	root := writeTree(t, map[string]string{"small.go": "package p\nfunc S() {}\n", "big.go": "package p\nfunc B() {}\n" + strings.Repeat("// filler\n", 100)})
	ix := openTest(t, root, &Options{NoCache: true, MaxFileSize: 200})
	assert.Len(t, ix.Definitions("S"), 1)
	assert.Empty(t, ix.Definitions("B"))
	assert.Equal(t, 1, ix.Stats().Skipped)
}

func TestSearch(t *testing.T) {
	ix := openTest(t, writeTree(t, goRepo), nil)
	tests := []struct {
		q    Query
		want []string
	}{
		{Query{Name: "Serve"}, []string{"Server.Serve@a/a.go:7"}},
		{Query{Name: "serve"}, nil},
		{Query{Name: "serve", Match: IgnoreCase}, []string{"Server.Serve@a/a.go:7"}},
		{Query{Name: "Ser", Match: Prefix}, []string{"Serve@a/a.go:7", "Server@a/a.go:4"}},
		{Query{Name: "erve", Match: Substring, Kinds: []Kind{Struct}}, []string{"Server@a/a.go:4"}},
		{Query{Name: "hlpr", Match: Fuzzy}, []string{"helper@a/a.go:9", "helper@b/b.go:7"}},
		{Query{Name: "helper", Limit: 1}, []string{"helper@a/a.go:9"}},
		{Query{Name: "run", Match: IgnoreCase, Kinds: []Kind{Method}}, []string{"App.run@web/app.ts:1"}},
		{Query{Name: "Serve", Parent: "Other"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.q.Name+"/"+tt.q.Match.String(), func(t *testing.T) {
			got := names(ix.Search(tt.q))
			for i := range got { // Prefix and Substring results name no parent
				if tt.q.Match == Prefix || tt.q.Match == Substring {
					got[i] = trimParent(got[i])
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Equal(t, []string{"Server.Serve@a/a.go:7"}, names(ix.Methods("Server")))
	assert.Equal(t, []string{"Server.Serve@a/a.go:7"}, names(ix.Definitions("Server.Serve")))
	outline, err := ix.Outline("a/a.go")
	require.NoError(t, err)
	assert.Equal(t, []string{"Server@a/a.go:4", "Server.Serve@a/a.go:7", "helper@a/a.go:9", "New@a/a.go:11"}, names(outline))
	assert.Equal(t, "Serve runs the server.", outline[1].Doc)
	_, err = ix.Outline("a/missing.go")
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = ix.Outline("../outside.go")
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestReferencesNarrowed(t *testing.T) {
	ix := openTest(t, writeTree(t, goRepo), nil)
	// Go: a's helper is used in a only; b's helper in b only.
	defs := ix.Definitions("helper")
	require.Len(t, defs, 2)
	assert.Equal(t, []string{"a/a.go:7"}, refLocs(ix.ReferencesTo(defs[0])))
	assert.Equal(t, []string{"b/b.go:5"}, refLocs(ix.ReferencesTo(defs[1])))
	// Go: New is used through the import of package a, and in a's tests.
	assert.Equal(t, []string{"a/a_test.go:3", "b/b.go:5"}, refLocs(ix.References("New")))
	// TypeScript: App.run is a method, used qualified; the free run is used bare.
	assert.Equal(t, []string{"web/main.ts:2"}, refLocs(ix.References("App.run")))
	runs := ix.Definitions("run")
	require.Len(t, runs, 2)
	assert.Equal(t, []string{"web/other.ts:2"}, refLocs(ix.ReferencesTo(runs[1])))
	// Python: main imports pkg.mod's util; unrelated uses its own; noimport sees none.
	utils := ix.Definitions("util")
	require.Len(t, utils, 2)
	assert.Equal(t, []string{"py/main.py:1", "py/main.py:2"}, refLocs(ix.ReferencesTo(utils[0])))
	assert.Equal(t, []string{"py/unrelated.py:3"}, refLocs(ix.ReferencesTo(utils[1])))
	// A name defined nowhere in the tree: every use.
	assert.Len(t, ix.References("Println"), 0)
	assert.NotEmpty(t, ix.References("error"))
}

func TestDefinitionAt(t *testing.T) {
	ix := openTest(t, writeTree(t, goRepo), nil)
	tests := []struct {
		path       string
		line, col  int
		want, name string
	}{
		{"b/b.go", 5, 22, "Server.Serve@a/a.go:7", "Serve"}, // a.New().Serve()
		{"b/b.go", 5, 26, "Server.Serve@a/a.go:7", "Serve"}, // anywhere in the name
		{"b/b.go", 5, 31, "helper@b/b.go:7", "helper"},      // b's own helper, not a's
		{"b/b.go", 5, 16, "New@a/a.go:11", "New"},
		{"a/a.go", 11, 6, "New@a/a.go:11", "New"}, // a definition's own name
		{"web/main.ts", 2, 5, "App@web/app.ts:1", "App"},
	}
	for _, tt := range tests {
		t.Run(tt.path+":"+itoa(tt.line)+":"+itoa(tt.col), func(t *testing.T) {
			syms, ref, err := ix.DefinitionAt(tt.path, tt.line, tt.col)
			require.NoError(t, err)
			assert.Equal(t, tt.name, ref.Name)
			require.NotEmpty(t, syms)
			assert.Equal(t, tt.want, names(syms)[0])
		})
	}
	_, _, err := ix.DefinitionAt("b/b.go", 5, 1) // "func"
	assert.ErrorIs(t, err, ErrNotFound)
	refs, at, err := ix.ReferencesAt("a/a.go", 9, 6)
	require.NoError(t, err)
	assert.Equal(t, "helper", at.Name)
	assert.Equal(t, []string{"a/a.go:7"}, refLocs(refs))
}

func TestRefreshSeesEdits(t *testing.T) {
	root := writeTree(t, goRepo)
	ix := openTest(t, root, nil)
	require.Len(t, ix.Definitions("Renamed"), 0)

	// Same size and modification time as before would hide an edit from
	// the stat check, so the hash must catch it: rewrite with a new time.
	writeFile(t, root, "a/a.go", `package a

type Server struct{}

func (s *Server) Renamed() error { return nil }
`)
	writeFile(t, root, "c/c.go", "package c\n\nfunc Added() {}\n")
	require.NoError(t, os.Remove(filepath.Join(root, "b/b.go")))
	st, err := ix.Refresh(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 2, st.Parsed)
	assert.Equal(t, 1, st.Removed)
	assert.Equal(t, []string{"Server.Renamed@a/a.go:5"}, names(ix.Definitions("Renamed")))
	assert.Empty(t, ix.Definitions("Serve"))
	assert.Equal(t, []string{"Added@c/c.go:3"}, names(ix.Definitions("Added")))
	assert.Empty(t, ix.Search(Query{Name: "Run"}), "b.go is gone")
	assert.Empty(t, ix.Search(Query{Name: "Ser", Match: Prefix, Kinds: []Kind{Method}}))

	// A touch without a change is not a parse.
	now := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(root, "c/c.go"), now, now))
	st, err = ix.Refresh(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 0, st.Parsed)

	// Reopening from the cache parses nothing and answers the same.
	ix2 := openTest(t, root, &ix.opts)
	st2 := ix2.Stats()
	assert.True(t, st2.CacheLoaded)
	assert.Equal(t, 0, st2.Parsed)
	assert.Equal(t, st.Files, st2.Files)
	assert.Equal(t, st.Symbols, st2.Symbols)
	assert.Equal(t, st.Refs, st2.Refs)
	assert.Equal(t, names(ix.Definitions("Renamed")), names(ix2.Definitions("Renamed")))
	assert.Equal(t, ix.References("Server"), ix2.References("Server"))
}

func TestCacheCorruptionRebuilds(t *testing.T) {
	root := writeTree(t, goRepo)
	base := openTest(t, root, nil)
	want := base.Stats()
	data, err := os.ReadFile(base.CachePath())
	require.NoError(t, err)
	bad := map[string][]byte{
		"empty":       {},
		"truncated":   data[:len(data)/2],
		"header only": data[:20],
		"flipped":     flip(data, len(data)/3),
		"old version": append(append([]byte(cacheMagic), 0, 0, 0, 0), data[len(cacheMagic)+4:]...),
		"other root":  flip(data, len(cacheMagic)+9),
		"garbage":     []byte("not a cache at all, not even close"),
	}
	for name, content := range bad {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			opts := &Options{CacheDir: dir}
			probe, err := newIndex(root, opts)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(probe.CachePath(), content, 0o644))
			ix := openTest(t, root, opts)
			st := ix.Stats()
			assert.Equal(t, want.Files, st.Files)
			assert.Equal(t, want.Symbols, st.Symbols)
			assert.Equal(t, want.Refs, st.Refs)
			if name == "truncated" || name == "flipped" { // the records before the bad one are kept
				assert.True(t, st.CacheLoaded)
				assert.Less(t, st.Parsed, want.Files)
				assert.Positive(t, st.Parsed)
			} else {
				assert.False(t, st.CacheLoaded)
				assert.Equal(t, want.Files, st.Parsed)
			}
			again := openTest(t, root, opts) // and the rewritten cache is good
			assert.True(t, again.Stats().CacheLoaded)
			assert.Equal(t, 0, again.Stats().Parsed)
		})
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0xff
	return c
}

func TestRefreshCancelled(t *testing.T) {
	root := writeTree(t, goRepo)
	ix, err := newIndex(root, &Options{NoCache: true})
	require.NoError(t, err)
	ctx, cancel := context.WithCancelCause(t.Context())
	cause := errors.New("stop")
	cancel(cause)
	_, err = ix.Refresh(ctx)
	assert.ErrorIs(t, err, cause)
	assert.Empty(t, ix.Search(Query{Name: "New"}), "a cancelled refresh changes nothing")
}

func TestConcurrentQueriesDuringRefresh(t *testing.T) {
	root := writeTree(t, goRepo)
	ix := openTest(t, root, nil)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				ix.Search(Query{Name: "Ser", Match: Prefix})
				ix.References("New")
				ix.DefinitionAt("b/b.go", 5, 22)
			}
		})
	}
	for i := range 10 {
		writeFile(t, root, "a/a.go", goRepo["a/a.go"]+"\nfunc Extra"+itoa(i)+"() {}\n")
		_, err := ix.Refresh(t.Context())
		require.NoError(t, err)
	}
	close(stop)
	wg.Wait()
	assert.Len(t, ix.Definitions("Extra9"), 1)
	assert.Empty(t, ix.Definitions("Extra8"))
}

func TestOpenErrors(t *testing.T) {
	_, err := Open(t.Context(), filepath.Join(t.TempDir(), "missing"), nil)
	assert.Error(t, err)
	f := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(f, nil, 0o644))
	_, err = Open(t.Context(), f, nil)
	assert.ErrorContains(t, err, "not a directory")
}

// TestSubstringMatchesNaive checks the one-pass substring search against
// a plain filter of every symbol, on this package's own source.
func TestSubstringMatchesNaive(t *testing.T) {
	ix := openTest(t, ".", &Options{NoCache: true})
	var all []Symbol
	ix.mu.RLock()
	for _, fd := range ix.files {
		all = append(all, fd.symbols...)
	}
	ix.mu.RUnlock()
	require.NotEmpty(t, all)
	for _, pat := range []string{"e", "ref", "Index", "x", "", "zzqq", "\n", "refresh"} {
		var want []string
		for _, s := range all {
			if strings.Contains(strings.ToLower(s.Name), strings.ToLower(pat)) && !strings.Contains(pat, "\n") {
				want = append(want, s.Location()+" "+s.Name)
			}
		}
		var got []string
		for _, s := range ix.Search(Query{Name: pat, Match: Substring}) {
			got = append(got, s.Location()+" "+s.Name)
		}
		assert.ElementsMatch(t, want, got, "%q", pat)
	}
}
