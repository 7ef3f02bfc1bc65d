package ckg

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	sitter "github.com/smacker/go-tree-sitter"
)

// benchRoot is the tree the benchmarks index: $CKG_BENCH_ROOT, or the Go
// source tree, present on every machine that runs these tests.
func benchRoot() string {
	if r := os.Getenv("CKG_BENCH_ROOT"); r != "" {
		return r
	}
	return filepath.Join(runtime.GOROOT(), "src")
}

// indexedFiles lists the files an index of root reads, as absolute paths.
func indexedFiles(tb testing.TB, root string) []string {
	ix, err := newIndex(root, &Options{NoCache: true})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := ix.Refresh(context.Background()); err != nil {
		tb.Fatal(err)
	}
	var files []string
	for p := range ix.files {
		files = append(files, filepath.Join(ix.root, filepath.FromSlash(p)))
	}
	return files
}

// parseFloor parses files with bare tree-sitter on GOMAXPROCS goroutines,
// the least any tree-sitter index of them can cost.
func parseFloor(tb testing.TB, files []string) {
	next := make(chan string)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			p := sitter.NewParser()
			defer p.Close()
			for f := range next {
				src, err := os.ReadFile(f)
				if err != nil {
					tb.Error(err)
					continue
				}
				p.SetLanguage(specFor(f).lang.Grammar())
				tree, err := p.ParseCtx(context.Background(), nil, src)
				if err != nil {
					tb.Error(err)
					continue
				}
				tree.Close()
			}
		})
	}
	for _, f := range files {
		next <- f
	}
	close(next)
	wg.Wait()
}

// timeIt runs f and returns the wall time and the CPU time (user and
// system) it took, counted for this process or, with children, for the
// processes it waited for. On a machine shared with other work the CPU
// time is the steadier measure.
func timeIt(children bool, f func()) (wall, cpu time.Duration) {
	who := syscall.RUSAGE_SELF
	if children {
		who = syscall.RUSAGE_CHILDREN
	}
	var before, after syscall.Rusage
	syscall.Getrusage(who, &before)
	start := time.Now()
	f()
	wall = time.Since(start)
	syscall.Getrusage(who, &after)
	return wall, cpuTime(after) - cpuTime(before)
}

func cpuTime(ru syscall.Rusage) time.Duration {
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type span struct{ wall, cpu time.Duration }

func (s *span) add(wall, cpu time.Duration) { s.wall += wall; s.cpu += cpu }

// report adds the ratio a/b of wall and of CPU times as metrics.
func report(b *testing.B, name string, x, y span) {
	b.ReportMetric(x.wall.Seconds()/y.wall.Seconds(), name+"-wall")
	b.ReportMetric(x.cpu.Seconds()/y.cpu.Seconds(), name+"-cpu")
}

// BenchmarkFullIndex builds the index of benchRoot from scratch, and in
// the same run times Universal Ctags on the same tree (ctags -R) and on
// exactly the indexed files (ctags -L), and bare tree-sitter parsing of
// the indexed files (the floor). It reports the ratios, so that figures
// taken on a busy machine still compare like with like:
//
//	go test ./tools/ckg -run '^$' -bench FullIndex -benchtime 3x
func BenchmarkFullIndex(b *testing.B) {
	root := benchRoot()
	files := indexedFiles(b, root)
	list := filepath.Join(b.TempDir(), "files")
	if err := os.WriteFile(list, []byte(strings.Join(files, "\n")+"\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	ctags, _ := exec.LookPath("ctags")
	tags := filepath.Join(b.TempDir(), "tags") // a real file: ctags fails to finish on /dev/null
	var index, floor, tree, same span
	var st Stats
	b.ReportAllocs()
	for b.Loop() {
		index.add(timeIt(false, func() {
			ix, err := Open(context.Background(), root, &Options{NoCache: true})
			if err != nil {
				b.Fatal(err)
			}
			st = ix.Stats()
		}))
		floor.add(timeIt(false, func() { parseFloor(b, files) }))
		if ctags != "" {
			tree.add(timeIt(true, func() { exec.Command(ctags, "-R", "-f", tags, root).Run() }))
			same.add(timeIt(true, func() { exec.Command(ctags, "-L", list, "-f", tags).Run() }))
		}
	}
	b.ReportMetric(float64(st.Files), "files")
	b.ReportMetric(float64(st.Symbols), "symbols")
	b.ReportMetric(index.wall.Seconds()/float64(b.N), "index-wall-s")
	b.ReportMetric(index.cpu.Seconds()/float64(b.N), "index-cpu-s")
	report(b, "index/floor", index, floor)
	if ctags != "" {
		report(b, "index/ctags-R", index, tree)
		report(b, "index/ctags-same", index, same)
		report(b, "floor/ctags-same", floor, same)
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
	}
}

// copyTree copies the files an index of src reads into a new directory.
func copyTree(b *testing.B, src string) string {
	dst := b.TempDir()
	for _, f := range indexedFiles(b, src) {
		rel, _ := filepath.Rel(src, f)
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		out := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(out, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dst
}

// BenchmarkRefresh times a refresh after a one-file edit (what an agent's
// next query pays), a refresh with nothing changed, and reopening the
// index from its cache, on a copy of benchRoot.
func BenchmarkRefresh(b *testing.B) {
	root := copyTree(b, benchRoot())
	opts := &Options{CacheDir: b.TempDir()}
	ix, err := Open(context.Background(), root, opts)
	if err != nil {
		b.Fatal(err)
	}
	var edited string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if edited == "" && strings.HasSuffix(p, ".go") {
			edited = p
		}
		return nil
	})
	orig, _ := os.ReadFile(edited)
	ctx := context.Background()
	b.Run("one-edit", func(b *testing.B) {
		i := 0
		for b.Loop() {
			b.StopTimer()
			i++
			os.WriteFile(edited, append(orig, []byte("\nfunc BenchEdit"+strings.Repeat("x", i%50)+"() {}\n")...), 0o644)
			b.StartTimer()
			if st, err := ix.Refresh(ctx); err != nil || st.Parsed != 1 {
				b.Fatal(st, err)
			}
		}
	})
	b.Run("no-change", func(b *testing.B) {
		for b.Loop() {
			if _, err := ix.Refresh(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reopen", func(b *testing.B) {
		for b.Loop() {
			if _, err := Open(ctx, root, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkQuery times the queries on an index of benchRoot.
func BenchmarkQuery(b *testing.B) {
	ix, err := Open(context.Background(), benchRoot(), &Options{CacheDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defs := ix.Definitions("NewReader")
	if len(defs) == 0 {
		b.Skip("benchRoot has no NewReader")
	}
	d := defs[0]
	for _, bm := range []struct {
		name string
		f    func()
	}{
		{"exact", func() { ix.Search(Query{Name: "NewReader"}) }},
		{"prefix", func() { ix.Search(Query{Name: "newread", Match: Prefix}) }},
		{"substring", func() { ix.Search(Query{Name: "reader", Match: Substring, Limit: 50}) }},
		{"fuzzy", func() { ix.Search(Query{Name: "nwrdr", Match: Fuzzy, Limit: 50}) }},
		{"methods", func() { ix.Methods("Reader") }},
		{"outline", func() { ix.Outline(d.Path) }},
		{"definition-at", func() { ix.DefinitionAt(d.Path, d.Line, d.Column) }},
		{"references-to", func() { ix.ReferencesTo(d) }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bm.f()
			}
		})
	}
}
