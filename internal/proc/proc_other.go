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

// NewSession leaves cmd as it is and returns the platform error.
func NewSession(*exec.Cmd) error { return errPlatform }

// Terminate kills p: there is no gentler signal here.
func Terminate(p *os.Process) { p.Kill() }

// KillSession kills p alone.
func KillSession(p *os.Process) error { return p.Kill() }

// Stat cannot read process state here.
func Stat(int) (state byte, pgrp, session int, err error) { return 0, 0, 0, errPlatform }
