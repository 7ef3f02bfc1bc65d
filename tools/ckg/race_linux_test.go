package ckg

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// exchange swaps two paths atomically, as a racing process could.
func exchange(a, b string) error {
	return unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
}

// whileRunning runs work on a goroutine and exchanges a and b for as long
// as it runs, up to a bound of exchanges. A work still running then is
// blocked on a named pipe: the pipe is opened for writing to free it, and
// whileRunning reports false.
func whileRunning(t *testing.T, a, b string, work func()) bool {
	t.Helper()
	if err := exchange(a, b); err != nil {
		t.Skipf("renameat2(RENAME_EXCHANGE) is not supported here: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		work()
	}()
	for range 3_000_000 {
		select {
		case <-done:
			return true
		default:
		}
		exchange(a, b)
	}
	for _, p := range []string{a, b} {
		if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	}
	<-done
	return false
}

// A named pipe swapped in for a source file after the walk never blocks
// Refresh.
func TestFIFOSwapDoesNotBlockRefresh(t *testing.T) {
	root := writeTree(t, map[string]string{"a.go": "package a\n\nfunc A() {}\n"})
	require.NoError(t, syscall.Mkfifo(filepath.Join(root, "p.go"), 0o644))
	ix, err := Open(t.Context(), root, &Options{NoCache: true})
	require.NoError(t, err)
	ok := whileRunning(t, filepath.Join(root, "a.go"), filepath.Join(root, "p.go"), func() {
		for range 500 {
			ix.Refresh(t.Context())
		}
	})
	assert.True(t, ok, "Refresh blocked on a named pipe swapped in for a.go")
}

// A directory swapped for a symbolic link to the outside during a refresh
// never gets a file outside the root indexed.
func TestSymlinkSwapDoesNotIndexOutside(t *testing.T) {
	root := writeTree(t, map[string]string{"d/a.go": "package d\n\nfunc Inside() {}\n"})
	outside := writeTree(t, map[string]string{"s.go": "package s\n\nfunc Secret() {}\n", "sub/t.go": "package sub\n\nfunc Secret2() {}\n"})
	require.NoError(t, os.Symlink(outside, filepath.Join(root, "l")))
	ix, err := Open(t.Context(), root, &Options{NoCache: true})
	require.NoError(t, err)
	var leaked []Symbol
	whileRunning(t, filepath.Join(root, "d"), filepath.Join(root, "l"), func() {
		for range 500 {
			ix.Refresh(t.Context())
			leaked = append(leaked, ix.Search(Query{Name: "Secret", Match: Prefix})...)
		}
	})
	assert.Empty(t, leaked, "files outside the root were indexed")
}

// A named pipe at the cache path never blocks Open or Refresh: the cache
// is rebuilt, not waited on.
func TestFIFOCacheDoesNotBlock(t *testing.T) {
	root := writeTree(t, map[string]string{"a.go": "package a\n\nfunc A() {}\n"})
	cache := t.TempDir()
	ix, err := newIndex(root, &Options{CacheDir: cache})
	require.NoError(t, err)
	require.NoError(t, syscall.Mkfifo(ix.CachePath(), 0o644))
	done := make(chan error, 1)
	go func() {
		ix, err := Open(t.Context(), root, &Options{CacheDir: cache})
		if err == nil {
			_, err = ix.Refresh(t.Context())
		}
		done <- err
	}()
	// The watchdog fires only when Open hangs, as it did when it read the
	// pipe: it then frees the reader so that the test can report it.
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(time.Minute):
		if w, err := os.OpenFile(ix.CachePath(), os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		<-done
		t.Fatal("Open blocked reading a named pipe at the cache path")
	}
	info, err := os.Lstat(ix.CachePath())
	require.NoError(t, err)
	assert.True(t, info.Mode().IsRegular(), "the cache was rebuilt as a file")
}
