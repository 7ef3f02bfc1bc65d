//go:build unix && !linux

package proc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
)

// sessionGroups cannot list a session's processes here: it returns the
// leader's group while any process of it is alive, so Kill reaches only
// that group.
func sessionGroups(sid int) ([]int, error) {
	if syscall.Kill(-sid, 0) == nil {
		return []int{sid}, nil
	}
	return nil, nil
}

// Stat cannot read process state here.
func Stat(int) (state byte, pgrp, session int, err error) { return 0, 0, 0, errors.ErrUnsupported }

var errNoCgroups = fmt.Errorf("proc: %w on %s: cgroups are Linux's", errors.ErrUnsupported, runtime.GOOS)

// Cgroups returns why sessions get no cgroups here.
func Cgroups() error { return errNoCgroups }

func newCgroup() (string, *os.File, error) { return "", nil, errNoCgroups }

func useCgroup(*exec.Cmd, *os.File) {}

func killCgroup(string) error { return nil }
