//go:build unix

package ckg

import "syscall"

// nonblock makes opening a named pipe return at once instead of waiting
// for the other end; nofollow refuses a symbolic link as the last part of
// a path. Reading and appending to regular files are unaffected.
const (
	nonblock = syscall.O_NONBLOCK
	nofollow = syscall.O_NOFOLLOW
)
