package ckg

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
)

// stamp is what a refresh compares to tell whether a file may have
// changed: its size and modification time.
type stamp struct{ size, mtime int64 }

// dirState is what the last scan saw of a directory.
type dirState struct {
	mtime   int64
	files   []string // the names of the source files in it
	subdirs []string // the names of the subdirectories walked
}

// scan returns the source files under the root with their stamps, by
// path. A directory whose modification time has not changed since the
// last scan is not read again: only its known files are stat'ed, since
// an edit changes a file's stamp while adding, removing or renaming an
// entry changes its directory's. Directories are scanned a level at a
// time on several goroutines, all finished when scan returns. The caller
// holds refreshMu.
func (ix *Index) scan(ctx context.Context) (map[string]stamp, error) {
	type out struct {
		rel   string
		state *dirState
		files map[string]stamp
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
					st, fs, err := ix.scanDir(rel, ix.dirs[rel])
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
			for p, s := range r.files {
				files[p] = s
			}
			for _, sub := range r.state.subdirs {
				level = append(level, path.Join(r.rel, sub))
			}
		}
	}
	ix.dirs = dirs
	return files, nil
}

// scanDir scans one directory, given what the last scan saw of it (nil
// if nothing). It returns a nil state for a directory that is gone, and
// an error only for an unreadable root.
func (ix *Index) scanDir(rel string, prev *dirState) (*dirState, map[string]stamp, error) {
	full := filepath.Join(ix.root, filepath.FromSlash(rel))
	info, err := os.Lstat(full)
	if err != nil || !info.IsDir() {
		if rel == "" {
			return nil, nil, err
		}
		return nil, nil, nil
	}
	mtime := info.ModTime().UnixNano()
	files := map[string]stamp{}
	if prev != nil && prev.mtime == mtime {
		for _, name := range prev.files {
			if fi, err := os.Lstat(filepath.Join(full, name)); err == nil && fi.Mode().IsRegular() {
				files[path.Join(rel, name)] = stamp{fi.Size(), fi.ModTime().UnixNano()}
			}
		}
		return prev, files, nil
	}
	entries, err := os.ReadDir(full)
	if err != nil && rel == "" {
		return nil, nil, err
	}
	st := &dirState{mtime: mtime}
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
		st.files = append(st.files, name)
		files[path.Join(rel, name)] = stamp{fi.Size(), fi.ModTime().UnixNano()}
	}
	return st, files, nil
}
