//go:build unix

package proc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Supported returns nil: Unix has sessions and process groups.
func Supported() error { return nil }

// Session is a command started by [Start] and everything it starts.
type Session struct {
	leader *os.Process
	cgroup string // the session's cgroup directory, "" without one
}

// Start starts cmd as the leader of a session of its own, without a
// controlling terminal, so that everything it starts can be found and
// killed together and nothing it runs can read from or stop on this
// process's terminal; on Linux, in a cgroup of its own where [Cgroups]
// allows. [Session.Kill] must be called once the session is no longer
// needed, to end what is left of it and remove its cgroup.
func Start(cmd *exec.Cmd) (*Session, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setsid = true
	cmd.SysProcAttr.Setpgid = false // a session leader cannot change its group
	s := &Session{}
	if dir, fd, err := newCgroup(); err == nil {
		defer fd.Close() // the child holds the cgroup; the descriptor only places it
		useCgroup(cmd, fd)
		s.cgroup = dir
	}
	if err := cmd.Start(); err != nil {
		if s.cgroup != "" {
			os.Remove(s.cgroup)
		}
		return nil, err
	}
	s.leader = cmd.Process
	return s, nil
}

// Terminate asks the leader's process group to stop (SIGTERM).
func (s *Session) Terminate() { syscall.Kill(-s.leader.Pid, syscall.SIGTERM) }

// Kill kills every process of the session with SIGKILL and returns once
// none is left alive, or with an error naming what survives. With a
// cgroup that is every process the leader ever started; without, those
// still in the session. The leader itself is left for its Cmd to reap.
// Kill may be called more than once.
func (s *Session) Kill() error {
	sid := s.leader.Pid
	syscall.Kill(-sid, syscall.SIGKILL)
	var errCgroup error
	if s.cgroup != "" {
		errCgroup = killCgroup(s.cgroup)
	}
	for range 2000 {
		groups, err := sessionGroups(sid)
		if err != nil || len(groups) == 0 {
			return errors.Join(errCgroup, err)
		}
		for _, g := range groups {
			syscall.Kill(-g, syscall.SIGKILL)
		}
		// SIGKILL is delivered, not awaited: give the processes a moment to
		// die; a fork that raced the kill shows up in the next scan.
		time.Sleep(500 * time.Microsecond)
	}
	return errors.Join(errCgroup, fmt.Errorf("proc: processes of session %d survive SIGKILL", sid))
}
