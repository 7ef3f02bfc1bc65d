//go:build unix

package mcp

import (
	"os"
	"os/exec"
	"syscall"
	"time"
)

// newSession makes cmd start a session and process group of its own,
// without a controlling terminal, so that what it starts can be ended
// with it and nothing it runs can read from the terminal of this process.
func newSession(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}

// terminateGroup sends SIGTERM to the process group p leads.
func terminateGroup(p *os.Process) { syscall.Kill(-p.Pid, syscall.SIGTERM) }

// killGroup sends SIGKILL to the process group p leads, and to p, which
// may have left it, and waits, for a second at most, until no process of
// the group is left.
func killGroup(p *os.Process) {
	syscall.Kill(-p.Pid, syscall.SIGKILL)
	p.Kill()
	for range 200 {
		if !groupLive(p.Pid) {
			return
		}
		time.Sleep(5 * time.Millisecond) // SIGKILL is delivered, not awaited
	}
}
