//go:build linux

package bwrap_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/bash"
	"github.com/conclave-dev/conclave/tools/bwrap"
	"github.com/conclave-dev/conclave/tools/edit"
	"github.com/conclave-dev/conclave/tools/mcp"
)

func newShell(t *testing.T, ws tools.Workspace, opts *bash.Options) *bash.Shell {
	t.Helper()
	sh, err := bash.New(ws, opts)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, sh.Close()) })
	return sh
}

func run(t *testing.T, tool tools.Tool, args any) tools.Result {
	t.Helper()
	raw, err := json.Marshal(args)
	require.NoError(t, err)
	res, err := tool.Run(t.Context(), raw)
	require.NoError(t, err)
	return res
}

// hostPID finds the host pid of the process whose command line holds
// marker, or returns 0.
func hostPID(t *testing.T, marker string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Contains(cmdline, []byte(marker)) && alive(pid) {
			return pid
		}
	}
	return 0
}

// alive reports whether pid exists on the host and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] != 'Z' && stat[i+2] != 'X'
}

func TestBashPersistsInside(t *testing.T) {
	ws := newWorkspace(t, nil)
	sh := newShell(t, ws, nil)
	run(t, sh, map[string]string{"command": "mkdir -p sub && cd sub && export KEPT=yes && echo made > f"})
	res := run(t, sh, map[string]string{"command": "pwd; echo $KEPT; cat f; echo $$"})
	assert.Equal(t, filepath.Join(ws.Root(), "sub")+"\nyes\nmade\n2\n[exit code 0]", res.Content, "the shell is the sandbox's second process")
}

// A setsid process started in the sandbox ends with the sandbox: on the
// bash tool's timeout and Close, and when the bwrap process alone is
// killed (the PID namespace, without help from the tool's cgroup).
func TestSetsidEndsWithSandbox(t *testing.T) {
	ws := newWorkspace(t, nil)
	sh := newShell(t, ws, nil)
	escape := func(marker string) int {
		res := run(t, sh, map[string]string{"command": "mkfifo f" + marker + "; setsid sh -c 'echo > f" + marker + "; exec sleep " + marker + "' & read x < f" + marker})
		require.False(t, res.IsError, res.Content)
		pid := hostPID(t, "sleep\x00"+marker)
		if pid == 0 {
			pid = hostPID(t, "exec sleep "+marker)
		}
		require.NotZero(t, pid, "the setsid process runs on the host")
		return pid
	}
	pid := escape("987.201")
	res := run(t, sh, map[string]any{"command": "sleep 300", "timeout": 1})
	require.Contains(t, res.Content, "timed out")
	assert.False(t, alive(pid), "the timeout ended the setsid process %d", pid)

	pid = escape("987.202")
	require.NoError(t, sh.Close())
	assert.False(t, alive(pid), "Close ended the setsid process %d", pid)

	// Kill the bwrap process alone, as exec.CommandContext does.
	ctx, cancel := context.WithCancel(t.Context())
	cmd := ws.Command(ctx, nil, "sh", "-c", "setsid sleep 987.203 & echo started; sleep 1000")
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	cmd.Stdout = w
	require.NoError(t, cmd.Start())
	w.Close()
	line, err := bufio.NewReader(r).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "started\n", line)
	pid = hostPID(t, "sleep\x00987.203")
	cancel()
	cmd.Wait()
	io.Copy(io.Discard, r) // EOF once every process holding stdout is gone
	assert.False(t, alive(pid), "the setsid process %d outlived its sandbox", pid)
}

func TestToolchainsInside(t *testing.T) {
	ws := newWorkspace(t, nil)
	t.Run("go", func(t *testing.T) {
		goCmd := hostGo(t)
		writeFile(t, ws.Root(), "go.mod", "module example.com/tiny\n\ngo 1.25\n")
		writeFile(t, ws.Root(), "tiny.go", "package tiny\n\nfunc Add(a, b int) int { return a + b }\n")
		writeFile(t, ws.Root(), "tiny_test.go", "package tiny\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(2, 3) != 5 {\n\t\tt.Fatal(\"wrong\")\n\t}\n}\n")
		out, err := ws.Command(t.Context(), []string{"GOTOOLCHAIN=local", "GOFLAGS=-count=1"}, goCmd, "test", "./...").CombinedOutput()
		require.NoError(t, err, string(out))
		assert.Contains(t, string(out), "ok  \texample.com/tiny")
	})
	t.Run("python", func(t *testing.T) {
		if _, err := os.Stat("/usr/bin/python3"); err != nil {
			t.Skip("no /usr/bin/python3")
		}
		writeFile(t, ws.Root(), "test_calc.py", "import unittest\n\nclass T(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(2 + 3, 5)\n\nif __name__ == '__main__':\n    unittest.main()\n")
		out, err := ws.Command(t.Context(), nil, "/usr/bin/python3", "-m", "unittest", "-v", "test_calc").CombinedOutput()
		require.NoError(t, err, string(out))
		assert.Contains(t, string(out), "OK")
	})
	t.Run("git", func(t *testing.T) {
		out, err := sh(t, ws, "git init -q repo && cd repo && echo x > f && git add f && git -c user.name=n -c user.email=n@example.com commit -qm first && git log --format=%s")
		require.NoError(t, err, out)
		assert.Equal(t, "first\n", out)
	})
}

// swap is the racing process: it exchanges the two paths of pair
// ("a:b") until killed, after telling it started.
func swap(pair string) int {
	a, b, _ := strings.Cut(pair, ":")
	if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
		fmt.Println("swap:", err)
		return 1
	}
	fmt.Println("ready")
	for range 500_000_000 {
		unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	}
	return 0
}

// A process in the sandbox swapping a directory of the root for a link to
// a host directory never makes the editor (on the host side) write there.
func TestSymlinkSwapFromInside(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	ws := newWorkspace(t, &bwrap.Options{Binds: []bwrap.Bind{{Path: exe}}})
	outside := t.TempDir()
	writeFile(t, outside, "f.txt", "n=0\n")
	writeFile(t, ws.Root(), "d/f.txt", "n=0\n")
	require.NoError(t, os.Symlink(outside, filepath.Join(ws.Root(), "l")))

	ctx, cancel := context.WithCancel(t.Context())
	swapper := ws.Command(ctx, []string{swapperEnv + "=" + filepath.Join(ws.Root(), "d") + ":" + filepath.Join(ws.Root(), "l")}, exe, "-test.run=^$")
	stdout, err := swapper.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, swapper.Start())
	defer func() {
		cancel()
		swapper.Wait()
	}()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	require.Equal(t, "ready\n", line, "the swapper runs inside the sandbox")

	ed := edit.New(ws, nil)
	n, refused := 0, 0
	for i := range 1000 {
		if run(t, ed, map[string]string{"command": "create", "path": fmt.Sprintf("d/new-%d.txt", i), "file_text": "x"}).IsError {
			refused++
		}
		res := run(t, ed, map[string]string{"command": "str_replace", "path": "d/f.txt", "old_str": fmt.Sprintf("n=%d\n", n), "new_str": fmt.Sprintf("n=%d\n", n+1)})
		if !res.IsError {
			n++
		}
	}
	t.Logf("%d of 1000 creates refused, %d replacements made", refused, n)
	require.Positive(t, refused, "the swapper raced the editor")
	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	require.Len(t, entries, 1, "nothing was created outside the root")
	b, err := os.ReadFile(filepath.Join(outside, "f.txt"))
	require.NoError(t, err)
	assert.Equal(t, "n=0\n", string(b), "nothing outside the root was changed")
}

// A stdio MCP server runs in the sandbox through Workspace.Command.
func TestMCPServerInside(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	ws := newWorkspace(t, &bwrap.Options{Binds: []bwrap.Bind{{Path: exe}}})
	c, err := mcp.Connect(t.Context(), []mcp.Server{{
		Name: "s", Command: exe, Args: []string{"-test.run=^$"}, Env: []string{serverEnv + "=1"}, Workspace: ws,
	}}, nil)
	require.NoError(t, err)
	defer func() { assert.NoError(t, c.Close()) }()
	tool := c.Tools()[0]
	res := run(t, tool, map[string]any{})
	assert.Equal(t, ws.Root()+" pid=2", res.Content, "in the root, the second process of its own PID namespace")
}
