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

	"github.com/conclave-dev/conclave/tools"
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

// A stdio server gets no credentials but those passed by name, and a
// Workspace server runs in the workspace's root.
func TestStdioEnvironment(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-host-secret")
	t.Setenv("SERVER_TOKEN", "tok-passed")
	ws, err := tools.NewLocal(t.TempDir(), nil)
	require.NoError(t, err)
	defer ws.Close()
	local := stdio("local", "env")
	local.PassEnv = []string{"SERVER_TOKEN"}
	inWS := stdio("ws", "env")
	inWS.Workspace = ws
	for _, srv := range []Server{local, inWS} {
		t.Run(srv.Name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "env")
			srv.Env = append(srv.Env, pidFileEnv+"="+out)
			c, err := Connect(t.Context(), []Server{srv}, nil)
			require.NoError(t, err)
			require.NoError(t, c.Close())
			b, err := os.ReadFile(out)
			require.NoError(t, err)
			env := string(b)
			assert.NotContains(t, env, "sk-host-secret")
			if srv.Workspace != nil {
				assert.Contains(t, env, "cwd="+ws.Root()+"\n")
				assert.NotContains(t, env, "tok-passed", "not passed to this one")
			} else {
				assert.Contains(t, env, "SERVER_TOKEN=tok-passed\n")
			}
		})
	}
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
