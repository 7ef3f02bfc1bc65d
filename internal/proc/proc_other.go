//go:build !unix

package proc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
)

var errPlatform = fmt.Errorf("proc: %w on %s: sessions and process groups are Unix's", errors.ErrUnsupported, runtime.GOOS)

// Supported returns why sessions cannot be killed whole here.
func Supported() error { return errPlatform }

// Cgroups returns why sessions get no cgroups here.
func Cgroups() error { return errPlatform }

// Session is a started command; here only the command's own process.
type Session struct{ leader *os.Process }

// Start starts cmd as it is.
func Start(cmd *exec.Cmd) (*Session, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &Session{leader: cmd.Process}, nil
}

// Terminate kills the process: there is no gentler signal here.
func (s *Session) Terminate() { s.leader.Kill() }

// Kill kills the process alone.
func (s *Session) Kill() error { return s.leader.Kill() }

// Stat cannot read process state here.
func Stat(int) (state byte, pgrp, session int, err error) { return 0, 0, 0, errPlatform }
