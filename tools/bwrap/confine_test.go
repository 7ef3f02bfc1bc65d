//go:build linux

package bwrap_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/tools/bwrap"
)

func TestFilesystem(t *testing.T) {
	ws := newWorkspace(t, &bwrap.Options{GoCaches: bwrap.Hidden})
	outside := t.TempDir()
	writeFile(t, outside, "secret.txt", "host secret")
	home, _ := os.UserHomeDir()

	out, err := sh(t, ws, "cat "+filepath.Join(outside, "secret.txt"))
	assert.Error(t, err, "a host file outside the root cannot be read")
	assert.NotContains(t, out, "host secret")

	out, err = sh(t, ws, "ls -A "+home+" | wc -l")
	require.NoError(t, err, out)
	assert.Equal(t, "0\n", out, "the home directory is empty")

	for _, target := range []string{filepath.Join(outside, "new"), "/usr/conclave-test", "/etc/conclave-test", filepath.Join(home, "conclave-test")} {
		sh(t, ws, "mkdir -p "+filepath.Dir(target)+"; echo x > "+target) // may succeed in a private tmpfs
		assert.NoFileExists(t, target, "nothing written outside the root reaches the host")
	}
	_, err = sh(t, ws, "echo x > /usr/conclave-test")
	assert.Error(t, err, "the system is read-only")

	out, err = sh(t, ws, "echo made > inside.txt && pwd && echo $TMPDIR")
	require.NoError(t, err, out)
	assert.Equal(t, ws.Root()+"\n/tmp\n", out)
	b, err := os.ReadFile(filepath.Join(ws.Root(), "inside.txt"))
	require.NoError(t, err)
	assert.Equal(t, "made\n", string(b), "the root is writable, at the same path")

	_, err = sh(t, ws, "cat /etc/shadow | grep -q :")
	assert.Error(t, err, "/etc/shadow is hidden")
}

// accepted reports whether ln has a connection waiting, without waiting:
// a non-blocking accept(2) on its socket.
func accepted(t *testing.T, ln net.Listener) bool {
	t.Helper()
	rc, err := ln.(*net.TCPListener).SyscallConn()
	require.NoError(t, err)
	var aerr error
	require.NoError(t, rc.Control(func(fd uintptr) { // the socket is non-blocking
		var nfd int
		nfd, _, aerr = syscall.Accept(int(fd))
		if aerr == nil {
			syscall.Close(nfd)
		}
	}))
	return aerr == nil
}

func TestNetwork(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	connect := fmt.Sprintf(`bash -c 'exec 3<>/dev/tcp/127.0.0.1/%d && echo connected'`, port)

	out, err := sh(t, newWorkspace(t, nil), connect)
	assert.Error(t, err, out)
	assert.NotContains(t, out, "connected")
	assert.False(t, accepted(t, ln), "no connection reached the test's listener")

	out, err = sh(t, newWorkspace(t, &bwrap.Options{Network: true}), connect)
	assert.NoError(t, err, out)
	assert.Contains(t, out, "connected", "Options.Network shares the host's network")
	assert.True(t, accepted(t, ln))
}

func TestHostProcessesHidden(t *testing.T) {
	ws := newWorkspace(t, nil)
	host := exec.Command("sleep", "987.321")
	require.NoError(t, host.Start())
	defer func() {
		host.Process.Kill()
		host.Wait()
	}()
	out, err := sh(t, ws, "cat /proc/[0-9]*/cmdline | tr '\\0' ' '; echo; ls /proc | grep -c '^[0-9]'")
	require.NoError(t, err, out)
	assert.NotContains(t, out, "987.321", "a host process shows in the sandbox")
	assert.Contains(t, out, "sh -c", "the sandbox's own processes show")
}

func TestCredentialsScrubbed(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-host")
	t.Setenv("NEEDED_TOKEN", "passed")
	ws := newWorkspace(t, &bwrap.Options{PassEnv: []string{"NEEDED_TOKEN"}, Env: []string{"TMPDIR=/tmp/mine"}})
	out, err := sh(t, ws, "env")
	require.NoError(t, err, out)
	assert.NotContains(t, out, "sk-ant-host")
	assert.Contains(t, out, "NEEDED_TOKEN=passed\n")
	assert.Contains(t, out, "TMPDIR=/tmp/mine\n", "the caller's Env overrides the sandbox's")
}

func TestOptionErrors(t *testing.T) {
	newWorkspace(t, nil) // skips without bwrap
	for _, tt := range []struct {
		opts bwrap.Options
		want string
	}{
		{bwrap.Options{GoCaches: 7}, "Options.GoCaches is Access(7)"},
		{bwrap.Options{Binds: []bwrap.Bind{{Path: "rel"}}}, `"rel" is not an absolute path`},
		{bwrap.Options{Binds: []bwrap.Bind{{Path: "/no/such/dir"}}}, "no such file"},
		{bwrap.Options{Env: []string{"X"}}, `Env entry "X" is not NAME=value`},
	} {
		_, err := bwrap.New(t.TempDir(), &tt.opts)
		assert.ErrorContains(t, err, tt.want)
	}
	_, err := bwrap.New(filepath.Join(t.TempDir(), "missing"), nil)
	assert.Error(t, err)
}

func TestArgs(t *testing.T) {
	ws := newWorkspace(t, nil)
	args := strings.Join(ws.Args(), " ")
	assert.Contains(t, args, "--unshare-all --die-with-parent")
	assert.NotContains(t, args, "--share-net")
	assert.True(t, strings.HasSuffix(args, "--bind "+ws.Root()+" "+ws.Root()+" --chdir "+ws.Root()), args)
}
