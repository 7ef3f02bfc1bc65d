//go:build !unix

package ckg

// Named pipes do not block an open here, and links are not refused.
const (
	nonblock = 0
	nofollow = 0
)
