//go:build linux

package proc

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStat(t *testing.T) {
	state, pgrp, sid, ok := parseStat([]byte("42 (a) b (c)) S 1 40 39 0 -1"))
	require.True(t, ok)
	assert.Equal(t, byte('S'), state)
	assert.Equal(t, 40, pgrp)
	assert.Equal(t, 39, sid)
	for _, bad := range []string{"", "42 a S 1", "42 (x) S 1 x 3", "42 (x) SS 1 2 3"} {
		_, _, _, ok := parseStat([]byte(bad))
		assert.False(t, ok, bad)
	}
}

// KillSession kills a session's leader, a child that moved to a process
// group of its own, and a grandchild, and returns only when none is left.
func TestKillSession(t *testing.T) {
	// The script prints its children's pids once they run, then waits.
	script := `
set -m
sleep 300 & moved=$!
set +m
sh -c 'sleep 300 & echo $!; wait' > "$FIFO" &
read grandchild < "$FIFO"
echo $moved $grandchild
wait`
	fifo := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = append(os.Environ(), "FIFO="+fifo)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	sess, err := Start(cmd)
	require.NoError(t, err)
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	var children []int
	for _, f := range strings.Fields(line) {
		pid, err := strconv.Atoi(f)
		require.NoError(t, err)
		children = append(children, pid)
	}
	require.Len(t, children, 2, "the script printed %q", line)

	_, movedGroup, sid, err := Stat(children[0])
	require.NoError(t, err)
	assert.Equal(t, cmd.Process.Pid, sid, "the child is in the leader's session")
	assert.NotEqual(t, cmd.Process.Pid, movedGroup, "set -m moved the child to a group of its own")

	require.NoError(t, sess.Kill())
	cmd.Wait()
	for _, pid := range children {
		state, _, _, err := Stat(pid)
		assert.True(t, err != nil || state == 'Z' || state == 'X', "process %d survived in state %c", pid, state)
	}
}

// With a cgroup, Kill also ends a process that left the session (setsid)
// and its children, and removes the cgroup.
func TestKillEndsSetsidProcesses(t *testing.T) {
	if err := Cgroups(); err != nil {
		t.Skipf("sessions get no cgroup here, so setsid escapes (the documented fallback): %v", err)
	}
	script := `setsid sh -c 'sleep 300 & echo $!; sleep 300' > "$FIFO" &
read grandchild < "$FIFO"
echo $grandchild
wait`
	fifo := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = append(os.Environ(), "FIFO="+fifo)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	sess, err := Start(cmd)
	require.NoError(t, err)
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	require.NoError(t, err)
	_, _, sid, err := Stat(pid)
	require.NoError(t, err)
	require.NotEqual(t, cmd.Process.Pid, sid, "the grandchild left the session")

	require.NoError(t, sess.Kill())
	cmd.Wait()
	state, _, _, err := Stat(pid)
	assert.True(t, err != nil || state == 'Z' || state == 'X', "the setsid process %d survived in state %c", pid, state)
	assert.NoDirExists(t, sess.cgroup, "the cgroup is removed")
	require.NoError(t, sess.Kill(), "a second Kill does nothing")
}
