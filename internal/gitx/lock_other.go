//go:build !unix

package gitx

import "os"

// lockFile does nothing here: without flock there is no lock that a
// crash releases.
func lockFile(*os.File) error { return nil }

// tryLockFile reports false: without a lock, no marker is known to be
// stale, so sweeps remove nothing here.
func tryLockFile(*os.File) bool { return false }
