//go:build unix

package bash

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// errPlatform is nil: Unix has the sessions and process groups the shell
// needs.
var errPlatform error

// newSession makes cmd start a session of its own, without a controlling
// terminal, so that everything it starts can be found and killed together,
// and so that nothing it runs can read from or stop on the terminal of this
// process.
func newSession(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setsid = true
	cmd.SysProcAttr.Setpgid = false // a session leader cannot change its group
	return nil
}

// killSession kills the session that sid leads: its process group at once,
// then, where the system lists sessions, every group a job moved to (set -m,
// timeout, a server that makes its own group), until no live process is
// left. A process that started a session of its own (setsid) escapes; only
// a container or cgroup contains those.
func killSession(sid int) error {
	syscall.Kill(-sid, syscall.SIGKILL)
	for range 2000 {
		groups, err := sessionGroups(sid)
		if err != nil || len(groups) == 0 {
			return err
		}
		for _, g := range groups {
			syscall.Kill(-g, syscall.SIGKILL)
		}
		// Killed processes take a moment to die; a fork that raced the
		// kill shows up in the next scan.
		time.Sleep(500 * time.Microsecond)
	}
	return fmt.Errorf("bash: processes of the shell's session %d survive SIGKILL", sid)
}

// parseStat reads the state, process group and session from the text of
// /proc/<pid>/stat: "pid (comm) state ppid pgrp session ...". comm may hold
// spaces and parentheses, so the fields are counted from its last ")".
func parseStat(stat []byte) (state byte, pgrp, session int, ok bool) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, 0, 0, false
	}
	f := bytes.Fields(stat[i+1:])
	if len(f) < 4 || len(f[0]) != 1 {
		return 0, 0, 0, false
	}
	pgrp, err1 := strconv.Atoi(string(f[2]))
	session, err2 := strconv.Atoi(string(f[3]))
	return f[0][0], pgrp, session, err1 == nil && err2 == nil
}
