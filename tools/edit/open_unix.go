//go:build unix

package edit

import "syscall"

// nonblock makes opening a named pipe return at once instead of waiting
// for a writer; reading regular files is unaffected.
const nonblock = syscall.O_NONBLOCK
