//go:build !unix

package bash

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"
)

// errPlatform is why the shell cannot run here: it needs Unix sessions to
// find and kill what a command starts.
var errPlatform = fmt.Errorf("bash: %w on %s: the shell needs Unix sessions and process groups", errors.ErrUnsupported, runtime.GOOS)

func newSession(*exec.Cmd) error { return errPlatform }

func killSession(int) error { return nil }
