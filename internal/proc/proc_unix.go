//go:build unix

package proc

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Supported returns nil: Unix has sessions and process groups.
func Supported() error { return nil }

// NewSession makes cmd start a session of its own, without a controlling
// terminal, so that everything it starts can be found and killed together
// and nothing it runs can read from or stop on this process's terminal.
func NewSession(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setsid = true
	cmd.SysProcAttr.Setpgid = false // a session leader cannot change its group
	return nil
}

// Terminate asks the process group that p leads to stop (SIGTERM).
func Terminate(p *os.Process) { syscall.Kill(-p.Pid, syscall.SIGTERM) }

// KillSession kills the session that p leads (started by NewSession) with
// SIGKILL, and returns once no live process of it is left, or with an
// error if some survive.
func KillSession(p *os.Process) error {
	sid := p.Pid
	syscall.Kill(-sid, syscall.SIGKILL)
	for range 2000 {
		groups, err := sessionGroups(sid)
		if err != nil || len(groups) == 0 {
			return err
		}
		for _, g := range groups {
			syscall.Kill(-g, syscall.SIGKILL)
		}
		// SIGKILL is delivered, not awaited: give the processes a moment to
		// die; a fork that raced the kill shows up in the next scan.
		time.Sleep(500 * time.Microsecond)
	}
	return fmt.Errorf("proc: processes of session %d survive SIGKILL", sid)
}
