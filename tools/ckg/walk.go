package ckg

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// stamp is what a refresh compares to tell whether a file may have
// changed: its size and modification time.
type stamp struct{ size, mtime int64 }

// dirState is what the last scan saw of a directory.
type dirState struct {
	mtime   int64
	files   []string // the paths (from the root) of the source files in it
	subdirs []string // the names of the subdirectories walked
}

type fileStamp struct {
	path string
	stamp
}

// scan returns the source files under the root with their stamps, by
// path. A directory whose modification time has not changed since the
// last scan is not read again: only its known files are stat'ed, since
// an edit changes a file's stamp while adding, removing or renaming an
// entry changes its directory's. Directories are scanned a level at a
// time on several goroutines, all finished when scan returns. The caller
// holds refreshMu.
func (ix *Index) scan(ctx context.Context, fsys *os.Root) (map[string]stamp, error) {
	type out struct {
		rel   string
		state *dirState
		files []fileStamp
		err   error
	}
	dirs := map[string]*dirState{}
	files := make(map[string]stamp, len(ix.files))
	level := []string{""}
	workers := max(ix.opts.Workers, 4) // the work is system calls, not CPU
	for len(level) > 0 {
		if err := context.Cause(ctx); err != nil {
			return nil, err
		}
		results := make([]out, len(level))
		next := make(chan int)
		var wg sync.WaitGroup
		for range min(workers, len(level)) {
			wg.Go(func() {
				for i := range next {
					rel := level[i]
					st, fs, err := scanDir(fsys, rel, ix.dirs[rel])
					results[i] = out{rel, st, fs, err}
				}
			})
		}
		for i := range level {
			next <- i
		}
		close(next)
		wg.Wait()
		level = level[:0:0]
		for _, r := range results {
			if r.err != nil {
				return nil, r.err
			}
			if r.state == nil {
				continue
			}
			dirs[r.rel] = r.state
			for _, f := range r.files {
				files[f.path] = f.stamp
			}
			for _, sub := range r.state.subdirs {
				level = append(level, path.Join(r.rel, sub))
			}
		}
	}
	ix.dirs = dirs
	return files, nil
}

// scanDir scans one directory of fsys, given what the last scan saw of it
// (nil if nothing). It returns a nil state for a directory that is gone
// (or no longer a directory), and an error only for an unreadable root.
//
// An unchanged directory is known by a plain lstat: it yields names and
// stamps only, and every read goes through fsys. A changed one is opened
// through fsys, then checked with fstat, so that what is listed is what
// was checked, even if a link or a pipe is swapped in meanwhile.
func scanDir(fsys *os.Root, rel string, prev *dirState) (*dirState, []fileStamp, error) {
	name := "."
	if rel != "" {
		name = filepath.FromSlash(rel)
	}
	gone := func(err error) (*dirState, []fileStamp, error) {
		if rel == "" {
			if err == nil {
				err = fmt.Errorf("not a directory")
			}
			return nil, nil, err
		}
		return nil, nil, nil
	}
	info, err := os.Lstat(filepath.Join(fsys.Name(), name))
	if err != nil || !info.IsDir() {
		return gone(err)
	}
	if prev != nil && prev.mtime == info.ModTime().UnixNano() {
		files := make([]fileStamp, 0, len(prev.files))
		for _, p := range prev.files {
			if fi, err := os.Lstat(filepath.Join(fsys.Name(), filepath.FromSlash(p))); err == nil && fi.Mode().IsRegular() {
				files = append(files, fileStamp{p, stamp{fi.Size(), fi.ModTime().UnixNano()}})
			}
		}
		return prev, files, nil
	}
	d, err := fsys.OpenFile(name, os.O_RDONLY|nonblock, 0)
	if err != nil {
		return gone(err)
	}
	defer d.Close()
	if info, err = d.Stat(); err != nil || !info.IsDir() {
		return gone(err)
	}
	mtime := info.ModTime().UnixNano()
	entries, err := d.ReadDir(-1)
	if err != nil && rel == "" {
		return nil, nil, err
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	st := &dirState{mtime: mtime}
	var files []fileStamp
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		if e.IsDir() {
			if !skipDirs[name] {
				st.subdirs = append(st.subdirs, name)
			}
			continue
		}
		if !e.Type().IsRegular() || specFor(name) == nil {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		p := path.Join(rel, name)
		st.files = append(st.files, p)
		files = append(files, fileStamp{p, stamp{fi.Size(), fi.ModTime().UnixNano()}})
	}
	return st, files, nil
}
