package ckg

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options configure an [Index]. A nil *Options means the defaults.
type Options struct {
	// CacheDir is the directory holding persisted indexes, one file per
	// repository root. "" means os.UserCacheDir()/conclave/ckg.
	CacheDir string
	// NoCache keeps the index in memory only.
	NoCache bool
	// MaxFileSize is the size above which a file is skipped; 0 means
	// 1 MiB. Larger files are nearly always generated or data.
	MaxFileSize int64
	// Workers is the number of files parsed at once; 0 means GOMAXPROCS.
	Workers int
}

const defaultMaxFileSize = 1 << 20

// skipDirs are directories of vendored or generated code, never indexed.
// Hidden directories (".git", ".venv") are skipped too.
var skipDirs = map[string]bool{
	"node_modules": true, "vendor": true, "bower_components": true, "jspm_packages": true,
	"__pycache__": true, "site-packages": true, "venv": true, "Pods": true,
}

// Index is a code knowledge graph of one directory tree: the definitions
// of its source files and the names they use.
//
// Queries read the index as of the last [Index.Refresh]; call Refresh
// before a query to see edits made since. All methods are safe for
// concurrent use; refreshes are serialised and do not block queries
// until they swap in their result.
type Index struct {
	root      string
	opts      Options
	cachePath string // "" without a cache

	refreshMu  sync.Mutex // serialises Refresh, owns the fields down to mu
	journal    int        // records in the cache file beyond one per live file
	cacheOK    bool       // the cache file exists and is valid
	dirs       map[string]*dirState
	unreadable map[string]stamp // binary or unreadable files, not read again until they change

	mu       sync.RWMutex
	files    map[string]*fileData // by path
	defs     map[string][]symID   // by lower-case name
	byParent map[string][]symID   // the members of each parent, by its name
	lowers   []string             // the keys of defs, sorted
	// blob is lowers joined by newlines, with the offset of each in
	// starts, for a substring search in one pass of strings.Index.
	blob        string
	starts      []int
	lowersDirty bool                   // lowers changed since blob was joined
	refFiles    map[string][]*fileData // by name: the files that use it
	last        Stats
}

// symID locates a symbol: the file data is immutable, so this stays
// valid while the file is in the index.
type symID struct {
	f *fileData
	i int32
}

func (s symID) sym() *Symbol { return &s.f.symbols[s.i] }

// Stats describe the index after a refresh and what the refresh did.
type Stats struct {
	Files   int `json:"files"`   // files in the index
	Symbols int `json:"symbols"` // definitions in the index
	Refs    int `json:"refs"`    // references in the index
	// Parsed files were read and parsed in this refresh; Reused ones were
	// unchanged (by size and modification time, or else by content hash);
	// Removed ones disappeared; Skipped ones were too large or binary.
	Parsed  int `json:"parsed"`
	Reused  int `json:"reused"`
	Removed int `json:"removed"`
	Skipped int `json:"skipped"`
	// Failed files were given up on by the parser (too slow); they are
	// in the index without definitions until they change.
	Failed int `json:"failed"`
	// Languages counts the files of each language.
	Languages map[string]int `json:"languages"`
	// CacheLoaded says the index started from a valid cache file.
	CacheLoaded bool          `json:"cache_loaded"`
	Duration    time.Duration `json:"-"`
	Seconds     float64       `json:"seconds"`
}

// Open returns the index of the directory tree at root, loading its cache
// when there is a valid one and refreshing it: only the files changed
// since the cache was written are parsed. A missing, corrupt or
// old-format cache file is rebuilt, never trusted.
//
// Open blocks until the refresh is done or ctx is done.
func Open(ctx context.Context, root string, opts *Options) (*Index, error) {
	ix, err := newIndex(root, opts)
	if err != nil {
		return nil, err
	}
	ix.load()
	if _, err := ix.Refresh(ctx); err != nil {
		return nil, err
	}
	return ix, nil
}

func newIndex(root string, opts *Options) (*Index, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("ckg: root %q: %w", root, err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("ckg: root: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("ckg: root %q is not a directory; give the repository's top directory", root)
	}
	ix := &Index{root: abs, files: map[string]*fileData{}, defs: map[string][]symID{}, byParent: map[string][]symID{}, refFiles: map[string][]*fileData{}}
	if opts != nil {
		ix.opts = *opts
	}
	if ix.opts.MaxFileSize <= 0 {
		ix.opts.MaxFileSize = defaultMaxFileSize
	}
	if ix.opts.Workers <= 0 {
		ix.opts.Workers = runtime.GOMAXPROCS(0)
	}
	if !ix.opts.NoCache {
		dir := ix.opts.CacheDir
		if dir == "" {
			base, err := os.UserCacheDir()
			if err != nil {
				return nil, fmt.Errorf("ckg: no cache directory (%w); set Options.CacheDir or Options.NoCache", err)
			}
			dir = filepath.Join(base, "conclave", "ckg")
		}
		sum := sha256.Sum256([]byte(abs))
		ix.cachePath = filepath.Join(dir, fmt.Sprintf("%x.ckg", sum[:12]))
	}
	return ix, nil
}

// Root returns the absolute path of the indexed tree.
func (ix *Index) Root() string { return ix.root }

// CachePath returns the file the index persists to, "" without a cache.
func (ix *Index) CachePath() string { return ix.cachePath }

// Stats returns the statistics of the last refresh.
func (ix *Index) Stats() Stats {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	s := ix.last
	s.Languages = maps.Clone(s.Languages)
	return s
}

// Refresh brings the index up to date with the files on disk: it walks
// the tree, re-reads the files whose size or modification time changed,
// re-parses those whose content hash changed, drops removed files, and
// appends the changes to the cache. Parsing runs on Options.Workers
// goroutines, each with its own parser; all have returned when Refresh
// does.
//
// If ctx is done first, Refresh returns its cause and the index keeps its
// previous state. A failure to write the cache is not an error: the index
// is still correct in memory, and the cache is rebuilt next time.
func (ix *Index) Refresh(ctx context.Context) (Stats, error) {
	ix.refreshMu.Lock()
	defer ix.refreshMu.Unlock()
	start := time.Now()

	ix.mu.RLock()
	old := ix.files
	ix.mu.RUnlock()

	// Every read goes through the root, so a symbolic link swapped in
	// during the walk cannot lead it outside.
	fsys, err := os.OpenRoot(ix.root)
	if err != nil {
		return Stats{}, fmt.Errorf("ckg: reading %s: %w", ix.root, err)
	}
	defer fsys.Close()
	var st Stats
	stamps, err := ix.scan(ctx, fsys)
	if err != nil {
		if ctxErr := context.Cause(ctx); ctxErr != nil {
			return Stats{}, ctxErr
		}
		return Stats{}, fmt.Errorf("ckg: reading %s: %w", ix.root, err)
	}
	var stale []job
	for rel, s := range stamps {
		if u, ok := ix.unreadable[rel]; s.size > ix.opts.MaxFileSize || ok && u == s {
			st.Skipped++
			continue
		}
		if fd := old[rel]; fd != nil && fd.size == s.size && fd.mtime == s.mtime {
			continue
		}
		stale = append(stale, job{path: rel, size: s.size, mtime: s.mtime, old: old[rel]})
	}
	slices.SortFunc(stale, func(a, b job) int { return strings.Compare(a.path, b.path) })

	results, err := ix.parseAll(ctx, fsys, stale)
	if err != nil {
		return Stats{}, err
	}
	var changed []*fileData
	var removed []string
	unreadable := map[string]stamp{}
	for p, s := range ix.unreadable {
		if stamps[p] == s {
			unreadable[p] = s
		}
	}
	for _, r := range results {
		if r.skip {
			st.Skipped++
			unreadable[r.path] = stamp{r.size, r.mtime}
			continue
		}
		changed = append(changed, r.fd)
		if r.parsed {
			st.Parsed++
		}
		if r.fd.note != "" {
			st.Failed++
		}
	}
	for p := range old {
		s, ok := stamps[p]
		if _, bad := unreadable[p]; !ok || bad || s.size > ix.opts.MaxFileSize {
			removed = append(removed, p)
		}
	}
	slices.Sort(removed)
	st.Removed = len(removed)

	ix.mu.Lock()
	ix.apply(changed, removed)
	st.Files = len(ix.files)
	st.Languages = map[string]int{}
	for _, fd := range ix.files {
		st.Symbols += len(fd.symbols)
		st.Refs += len(fd.refs)
		st.Languages[fd.lang]++
	}
	st.Reused = st.Files - st.Parsed
	st.CacheLoaded = ix.last.CacheLoaded
	st.Duration = time.Since(start)
	st.Seconds = st.Duration.Seconds()
	ix.last = st
	ix.mu.Unlock()

	ix.unreadable = unreadable
	ix.persist(changed, removed)
	return st, nil
}

// job is a file whose size or modification time changed.
type job struct {
	path  string
	size  int64
	mtime int64
	old   *fileData
}

// result is a job done.
type result struct {
	job
	fd     *fileData
	parsed bool // else the content was unchanged
	skip   bool // binary, or unreadable
}

// parseAll reads the stale files on the workers and returns their
// results in the order of jobs.
func (ix *Index) parseAll(ctx context.Context, fsys *os.Root, jobs []job) ([]result, error) {
	results := make([]result, len(jobs))
	if len(jobs) == 0 {
		return results, nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(ix.opts.Workers, len(jobs)) {
		wg.Go(func() {
			x := newExtractor()
			defer x.close()
			defer func() {
				if p := recover(); p != nil {
					cancel(fmt.Errorf("ckg: indexing panicked: %v", p))
				}
			}()
			for i := range next {
				r, err := ix.read(ctx, fsys, x, jobs[i])
				if err != nil {
					cancel(err)
					return
				}
				results[i] = r
			}
		})
	}
feed:
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return results, nil
}

// read reads, hashes and if need be parses one file.
func (ix *Index) read(ctx context.Context, fsys *os.Root, x *extractor, j job) (result, error) {
	r := result{job: j}
	src, err := readRegular(fsys, filepath.FromSlash(j.path), ix.opts.MaxFileSize)
	if err != nil || bytes.IndexByte(src[:min(len(src), 8000)], 0) >= 0 {
		r.skip = true
		return r, nil
	}
	sum := sha256.Sum256(src)
	if j.old != nil && j.old.hash == sum {
		fd := *j.old // same content: only the stat changed
		fd.size, fd.mtime = j.size, j.mtime
		r.fd = &fd
		return r, nil
	}
	sp := specForSource(j.path, src)
	fd, err := x.extract(ctx, sp, src)
	switch {
	case errors.Is(err, errParseLimit):
		fd = &fileData{lang: sp.lang.Name, note: err.Error()}
	case err != nil:
		return r, err
	}
	fd.path, fd.size, fd.mtime, fd.hash = j.path, j.size, j.mtime, sum
	for i := range fd.symbols {
		fd.symbols[i].Path = j.path
	}
	r.fd, r.parsed = fd, true
	return r, nil
}

// readRegular returns the content of the regular file at name in fsys, if
// it holds at most limit bytes. It never blocks on a named pipe swapped in
// after the walk, and looks at what it opened, not at the path.
func readRegular(fsys *os.Root, name string, limit int64) ([]byte, error) {
	f, err := fsys.OpenFile(name, os.O_RDONLY|nonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	switch {
	case err != nil:
		return nil, err
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file", name)
	case info.Size() > limit:
		return nil, fmt.Errorf("%s is too large", name)
	}
	// Sized by fstat, with a byte to spare to see the end (or growth).
	src := make([]byte, 0, info.Size()+1)
	for {
		if len(src) == cap(src) {
			src = slices.Grow(src, 64<<10)
		}
		k, err := f.Read(src[len(src):cap(src)])
		src = src[:len(src)+k]
		if int64(len(src)) > limit {
			return nil, fmt.Errorf("%s is too large", name)
		}
		if err == io.EOF {
			return src, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// apply swaps changed files in and removed files out, keeping the name
// maps in step. The caller holds ix.mu for writing.
func (ix *Index) apply(changed []*fileData, removed []string) {
	bulk := len(changed)+len(removed) > 256 // re-sorting once beats many inserts
	for _, p := range removed {
		ix.drop(ix.files[p], bulk)
		delete(ix.files, p)
	}
	for _, fd := range changed {
		if old := ix.files[fd.path]; old != nil {
			ix.drop(old, bulk)
		}
		ix.files[fd.path] = fd
		for i := range fd.symbols {
			l := strings.ToLower(fd.symbols[i].Name)
			ids, ok := ix.defs[l]
			if !ok && !bulk {
				j, _ := slices.BinarySearch(ix.lowers, l)
				ix.lowers = slices.Insert(ix.lowers, j, l)
				ix.lowersDirty = true
			}
			ix.defs[l] = append(ids, symID{fd, int32(i)})
			if p := fd.symbols[i].Parent; p != "" {
				ix.byParent[p] = append(ix.byParent[p], symID{fd, int32(i)})
			}
		}
		for _, n := range fd.names {
			ix.refFiles[n] = append(ix.refFiles[n], fd)
		}
	}
	if bulk {
		ix.lowers = ix.lowers[:0]
		for l := range ix.defs {
			ix.lowers = append(ix.lowers, l)
		}
		slices.Sort(ix.lowers)
	}
	if bulk || ix.lowersDirty {
		ix.joinLowers()
		ix.lowersDirty = false
	}
}

func (ix *Index) joinLowers() {
	var b strings.Builder
	ix.starts = ix.starts[:0]
	for _, l := range ix.lowers {
		b.WriteByte('\n')
		ix.starts = append(ix.starts, b.Len())
		b.WriteString(l)
	}
	ix.blob = b.String()
}

// drop removes fd's entries from the name maps.
func (ix *Index) drop(fd *fileData, bulk bool) {
	if fd == nil {
		return
	}
	for i := range fd.symbols {
		if p := fd.symbols[i].Parent; p != "" {
			if ids := slices.DeleteFunc(ix.byParent[p], func(id symID) bool { return id.f == fd }); len(ids) > 0 {
				ix.byParent[p] = ids
			} else {
				delete(ix.byParent, p)
			}
		}
		l := strings.ToLower(fd.symbols[i].Name)
		ids := slices.DeleteFunc(ix.defs[l], func(id symID) bool { return id.f == fd })
		if len(ids) > 0 {
			ix.defs[l] = ids
			continue
		}
		delete(ix.defs, l)
		if !bulk {
			if j, ok := slices.BinarySearch(ix.lowers, l); ok {
				ix.lowers = slices.Delete(ix.lowers, j, j+1)
				ix.lowersDirty = true
			}
		}
	}
	for _, n := range fd.names {
		fs := slices.DeleteFunc(ix.refFiles[n], func(f *fileData) bool { return f == fd })
		if len(fs) == 0 {
			delete(ix.refFiles, n)
		} else {
			ix.refFiles[n] = fs
		}
	}
}

// dir returns the directory of a slash path, "" at the root.
func dir(p string) string {
	d := path.Dir(p)
	if d == "." {
		return ""
	}
	return d
}
