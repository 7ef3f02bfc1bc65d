package edit_test

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// swapper exchanges two paths with renameat2(RENAME_EXCHANGE) until
// stopped or a bound is reached, as a background job of the model could.
// It returns the number of exchanges made once stop is closed.
func swapper(t *testing.T, a, b string, stop <-chan struct{}) <-chan int {
	t.Helper()
	if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
		t.Skipf("renameat2(RENAME_EXCHANGE) is not supported here: %v", err)
	}
	unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE) // back
	done := make(chan int, 1)
	go func() {
		n := 0
		for ; n < 50_000_000; n++ {
			select {
			case <-stop:
				done <- n
				return
			default:
			}
			unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
		}
		<-stop
		done <- n
	}()
	return done
}

// A racing process swapping a directory of the workspace for a symbolic
// link to the outside never makes create or str_replace write outside.
func TestSymlinkSwapCannotLeadOutside(t *testing.T) {
	ed, root := newEditor(t, nil)
	outside := t.TempDir()
	writeFile(t, outside, "f.txt", "n=0\n")
	writeFile(t, root, "d/f.txt", "n=0\n")
	require.NoError(t, os.Symlink(outside, filepath.Join(root, "l")))

	stop := make(chan struct{})
	swaps := swapper(t, filepath.Join(root, "d"), filepath.Join(root, "l"), stop)
	n, created, replaced := 0, 0, 0
	for i := range 1000 {
		if !call(t, ed, obj{"command": "create", "path": fmt.Sprintf("d/new-%d.txt", i), "file_text": "x"}).IsError {
			created++
		}
		res := call(t, ed, obj{"command": "str_replace", "path": "d/f.txt", "old_str": fmt.Sprintf("n=%d\n", n), "new_str": fmt.Sprintf("n=%d\n", n+1)})
		if !res.IsError {
			n++
			replaced++
		}
	}
	close(stop)
	t.Logf("%d exchanges; %d creates and %d replacements succeeded", <-swaps, created, replaced)

	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"f.txt"}, names, "nothing was created outside the root")
	assert.Equal(t, "n=0\n", readFile(t, outside, "f.txt"), "nothing outside the root was changed")
}

// A named pipe swapped in for a file between a check and an open never
// makes view block: view opens without blocking and looks at what it
// opened.
func TestFIFOSwapDoesNotBlockView(t *testing.T) {
	ed, root := newEditor(t, nil)
	writeFile(t, root, "v.txt", "hello\n")
	fifo := filepath.Join(root, "p")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))

	views := make(chan struct{})
	go func() {
		defer close(views)
		for range 2000 {
			call(t, ed, obj{"command": "view", "path": "v.txt"})
		}
	}()
	// Swap for as long as the views run, up to a bound of work; a view
	// still running then is blocked on the pipe.
	a, b := filepath.Join(root, "v.txt"), filepath.Join(root, "p")
	swaps := 0
	for ; swaps < 3_000_000; swaps++ {
		select {
		case <-views:
			t.Logf("%d exchanges during the views", swaps)
			return
		default:
		}
		unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	}
	// Unblock the reader by opening the pipe for writing, wherever it is.
	for _, p := range []string{a, b} {
		if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	}
	<-views
	t.Fatalf("view blocked on a named pipe swapped in for v.txt during %d exchanges", swaps)
}
