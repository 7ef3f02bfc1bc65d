//go:build !unix

package edit

// nonblock is zero where named pipes do not block an open.
const nonblock = 0
