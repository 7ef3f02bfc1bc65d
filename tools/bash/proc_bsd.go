//go:build unix && !linux

package bash

// sessionGroups cannot list a session's processes here; killSession then
// reaches only the shell's own process group.
func sessionGroups(int) ([]int, error) { return nil, nil }
