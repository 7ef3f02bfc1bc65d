//go:build unix

package mcp

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStdio(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	c, err := Connect(t.Context(), []Server{stdio("t", "spawn", pidFileEnv+"="+pidFile)}, nil)
	require.NoError(t, err)
	s := set(t, c)
	assert.Equal(t, testToolNames, s.Names())
	assert.Equal(t, "over stdio", run(t, s, "t_echo", `{"text":"over stdio"}`).Content)
	assert.True(t, run(t, s, "t_fail", `{}`).IsError)

	b, err := os.ReadFile(pidFile)
	require.NoError(t, err)
	child, err := strconv.Atoi(string(b))
	require.NoError(t, err)
	require.True(t, alive(child), "the server's child runs")

	server := c.sessions[0].proc.cmd
	require.NoError(t, c.Close())
	assert.NotNil(t, server.ProcessState, "the server was reaped")
	assert.False(t, alive(child), "the child the server left behind was killed")
}

func TestStdioStubbornServer(t *testing.T) {
	c, err := Connect(t.Context(), []Server{stdio("t", "stubborn")}, nil)
	require.NoError(t, err)
	server := c.sessions[0].proc.cmd
	require.NoError(t, c.Close(), "SIGTERM ends it, which is no failure")
	status, ok := server.ProcessState.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	assert.Equal(t, syscall.SIGTERM, status.Signal())
}

// alive reports whether process pid exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	switch {
	case err == nil:
		i := strings.LastIndexByte(string(stat), ')')
		return i >= 0 && i+2 < len(stat) && stat[i+2] != 'Z' && stat[i+2] != 'X'
	case runtime.GOOS == "linux" && errors.Is(err, fs.ErrNotExist):
		return false
	}
	return syscall.Kill(pid, 0) == nil
}
