//go:build unix && !linux

package mcp

import "syscall"

// groupLive reports whether a process of group pgid exists; zombies count.
func groupLive(pgid int) bool { return syscall.Kill(-pgid, 0) == nil }
