//go:build unix && !linux

package proc

import (
	"errors"
	"syscall"
)

// sessionGroups cannot list a session's processes here: it returns the
// leader's group while any process of it is alive, so KillSession reaches
// only that group.
func sessionGroups(sid int) ([]int, error) {
	if syscall.Kill(-sid, 0) == nil {
		return []int{sid}, nil
	}
	return nil, nil
}

// Stat cannot read process state here.
func Stat(int) (state byte, pgrp, session int, err error) { return 0, 0, 0, errors.ErrUnsupported }
