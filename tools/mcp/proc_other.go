//go:build !unix

package mcp

import (
	"os"
	"os/exec"
)

// newSession leaves cmd as it is: without Unix sessions only the server
// process itself is ended on close.
func newSession(*exec.Cmd) {}

func terminateGroup(p *os.Process) { p.Kill() }

func killGroup(p *os.Process) { p.Kill() }
