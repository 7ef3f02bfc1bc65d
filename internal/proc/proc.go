// Package proc starts child processes in sessions of their own and kills
// whole sessions: everything a shell command or a tool server started, not
// only the process at the top. The bash and MCP tools use it.
//
// [Start] starts a command as the leader of a new session. On Linux, where
// this process may create cgroups (a cgroup v2 hierarchy mounted
// read-write, write access to this process's cgroup, a kernel with
// cgroup.kill, 5.14 or later), the command also starts in a cgroup of its
// own, created for it: every process it ever starts stays in that cgroup,
// whatever it does with sessions and process groups, so [Session.Kill]
// ends them all, setsid daemons included, and removes the cgroup.
// [Cgroups] says whether that is available, and why not.
//
// Without a cgroup a session is found and killed through its process
// groups: the leader's at once, and on Linux every group a job moved to
// (set -m, timeout(1), a server that makes its own group), read from
// /proc. A process that starts a session of its own (setsid) then escapes;
// only a cgroup or a sandbox with a PID namespace contains it.
package proc

import (
	"bytes"
	"strconv"
)

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
