//go:build unix

package gitx

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on f, held until f is closed or the
// process ends, whichever comes first: a crash releases it.
func lockFile(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// tryLockFile reports whether it took the lock on f, that is whether no
// one else holds it.
func tryLockFile(f *os.File) bool { return lockFile(f) == nil }
