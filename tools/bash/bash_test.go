//go:build unix

package bash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/conclave-dev/conclave/internal/proc"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/toolstest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newShell returns a Shell in a fresh temporary workspace, closed (and
// checked for a clean close) when the test ends.
func newShell(t *testing.T, opts *Options) (*Shell, string) {
	t.Helper()
	ws, err := tools.NewLocal(t.TempDir(), nil)
	require.NoError(t, err)
	sh, err := New(ws, opts)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, sh.Close()) })
	return sh, ws.Root()
}

// call runs args, a JSON object, and requires no Go error.
func call(t *testing.T, sh *Shell, args string) tools.Result {
	t.Helper()
	res, err := sh.Run(t.Context(), json.RawMessage(args))
	require.NoError(t, err)
	return res
}

// command returns the arguments that run c.
func command(c string) string {
	b, _ := json.Marshal(map[string]string{"command": c})
	return string(b)
}

// alive reports whether process pid exists and is not a zombie.
func alive(pid int) bool {
	state, _, _, err := proc.Stat(pid)
	switch {
	case err == nil:
		return state != 'Z' && state != 'X'
	case errors.Is(err, fs.ErrNotExist):
		return false
	}
	return syscall.Kill(pid, 0) == nil
}

// pids reads the process ids the commands wrote to files in dir.
func pids(t *testing.T, dir string, names ...string) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err, "the command wrote no %s", name)
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		require.NoError(t, err)
		m[name] = pid
	}
	return m
}

func assertGone(t *testing.T, procs map[string]int) {
	t.Helper()
	for name, pid := range procs {
		assert.False(t, alive(pid), "process %s (%d) survived", name, pid)
	}
}

// spawn returns a command that starts, and records in pid files, a
// background job, a job in a process group of its own (set -m), and in the
// foreground timeout(1) (which makes its own group), its child and
// grandchild, all running until killed. When fifo is not empty, the child
// writes a line to it once every pid file is written.
func spawn(fifo string) string {
	signal := ""
	if fifo != "" {
		signal = "echo ready > " + fifo + "; "
	}
	return `echo $$ > shell.pid
sleep 300 & echo $! > bg.pid
set -m; sleep 300 & echo $! > job.pid; set +m
timeout 300 sh -c 'echo $PPID > timeout.pid; sleep 300 & echo $! > grandchild.pid; echo $$ > child.pid; ` + signal + `wait'`
}

var spawned = []string{"shell.pid", "bg.pid", "job.pid", "timeout.pid", "child.pid", "grandchild.pid"}

func TestConformance(t *testing.T) {
	sh, _ := newShell(t, nil)
	toolstest.TestTool(t, sh, json.RawMessage(command("echo hi")), json.RawMessage(`{"restart":true}`))
}

func TestSessionState(t *testing.T) {
	sh, root := newShell(t, nil)
	steps := []struct{ name, cmd, want string }{
		{"cd", "mkdir -p a/b && cd a/b", "[exit code 0]"},
		{"cwd persists", "pwd", filepath.Join(root, "a/b") + "\n[exit code 0]"},
		{"export", "export GREETING=hello; plain=kept; f() { echo func $1; }", "[exit code 0]"},
		{"variables and functions persist", `echo $GREETING $plain; f x`, "hello kept\nfunc x\n[exit code 0]"},
		{"child processes see exports", `sh -c 'echo $GREETING'`, "hello\n[exit code 0]"},
		{"no trailing newline", "printf abc", "abc\n[exit code 0]"},
		{"no output", "true", "[exit code 0]"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			res := call(t, sh, command(s.cmd))
			assert.False(t, res.IsError)
			assert.Equal(t, s.want, res.Content)
		})
	}
}

// The shell does not see this process's credentials.
func TestCredentialsScrubbed(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-host")
	t.Setenv("CONCLAVE_PLAIN", "kept")
	sh, _ := newShell(t, nil)
	res := call(t, sh, command("echo ${ANTHROPIC_API_KEY:-unset} $CONCLAVE_PLAIN; env | grep -c sk-ant-host"))
	assert.Equal(t, "unset kept\n0\n[exit code 1]", res.Content)
}

func TestExitCodesAndStderr(t *testing.T) {
	sh, _ := newShell(t, nil)
	tests := []struct {
		name, cmd, want string
		isError         bool
	}{
		{"success", "echo out", "out\n[exit code 0]", false},
		{"failure", "false", "[exit code 1]", true},
		{"status", "(exit 7)", "[exit code 7]", true},
		{"stderr apart", "echo out; echo err >&2; echo out2", "out\nout2\n[stderr]\nerr\n[exit code 0]", false},
		{"stderr only", "echo err >&2; (exit 3)", "[stderr]\nerr\n[exit code 3]", true},
		{"not found", "no-such-command-xyz", "command not found", true},
		{"syntax error", "if then fi", "syntax error", true},
		{"unbalanced quote", "echo 'abc", "unexpected EOF", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := call(t, sh, command(tt.cmd))
			assert.Equal(t, tt.isError, res.IsError, res.Content)
			assert.Contains(t, res.Content, tt.want)
		})
	}
	res := call(t, sh, command("echo still here"))
	assert.Equal(t, "still here\n[exit code 0]", res.Content, "the shell survives bad commands")
}

func TestQuoting(t *testing.T) {
	sh, _ := newShell(t, nil)
	tests := []struct{ name, cmd, want string }{
		{"single quotes", `printf '%s\n' 'it'"'"'s'`, "it's\n"},
		{"double quotes and dollars", `x=1; echo "a \"$x\" \$x '$x'"`, "a \"1\" $x '1'\n"},
		{"backslashes", `printf '%s\n' 'a\b\\c'`, "a\\b\\\\c\n"},
		{"ansi-c", `echo $'tab\there'`, "tab\there\n"},
		{"heredoc", "cat <<'EOF'\n$HOME 'x' \"y\"\nEOF", "$HOME 'x' \"y\"\n"},
		{"multi-line", "for i in 1 2\ndo\n  echo $i\ndone", "1\n2\n"},
		{"unicode", "echo 'héllo → 世界'", "héllo → 世界\n"},
		{"marker-like text", `printf '\n__conclave_end_0 0\0x\0y\0'; echo`, "\n__conclave_end_0 0\x00x\x00y\x00\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := call(t, sh, command(tt.cmd))
			assert.Equal(t, tt.want+"[exit code 0]", res.Content)
		})
	}
}

func TestStdinIsEmpty(t *testing.T) {
	sh, _ := newShell(t, nil)
	res := call(t, sh, command(`read x; echo "read status $?"`))
	assert.Equal(t, "read status 1\n[exit code 0]", res.Content)
	res = call(t, sh, command("cat; echo cat returned"))
	assert.Equal(t, "cat returned\n[exit code 0]", res.Content)
}

func TestBackgroundJobs(t *testing.T) {
	sh, root := newShell(t, nil)
	res := call(t, sh, command("sleep 300 & echo $! > bg.pid; echo started"))
	assert.Equal(t, "started\n[exit code 0]", res.Content, "the call returns although the job holds the output pipes")
	bg := pids(t, root, "bg.pid")
	assert.True(t, alive(bg["bg.pid"]), "the job keeps running between calls")

	// What a job prints after its call ended shows in a later call.
	first := call(t, sh, command("{ echo late; } &"))
	second := call(t, sh, command("wait $!; echo now"))
	assert.Equal(t, 1, strings.Count(first.Content+second.Content, "late"), first.Content+second.Content)
	assert.Contains(t, second.Content, "now\n[exit code 0]")

	require.NoError(t, sh.Close())
	assertGone(t, bg)
}

func TestTimeoutKillsEverything(t *testing.T) {
	sh, root := newShell(t, &Options{Timeout: 2 * time.Second})
	call(t, sh, command("mkdir sub && cd sub && export KEPT=yes && plain=lost"))

	res := call(t, sh, command("cd ..; "+spawn("")))
	assert.True(t, res.IsError)
	assert.Contains(t, res.Content, "[timed out after 2 s: the command and every process the shell had started were killed.")
	assert.Contains(t, res.Content, "new shell in "+filepath.Join(root, "sub"), "the last completed command's directory, not the one the timed-out command moved to")
	procs := pids(t, root, spawned...)
	assertGone(t, procs)

	res = call(t, sh, command(`pwd; echo $KEPT ${plain:-unset}`))
	assert.Equal(t, filepath.Join(root, "sub")+"\nyes unset\n[exit code 0]", res.Content, "a new shell with the directory and exports")
}

func TestTimeoutArgument(t *testing.T) {
	t.Run("lower", func(t *testing.T) {
		sh, _ := newShell(t, nil)
		res := call(t, sh, `{"command":"sleep 300","timeout":1}`)
		assert.True(t, res.IsError)
		assert.Contains(t, res.Content, "timed out after 1 s")
	})
	t.Run("raise", func(t *testing.T) {
		sh, _ := newShell(t, &Options{Timeout: 100 * time.Millisecond})
		res := call(t, sh, `{"command":"sleep 0.5; echo done","timeout":30}`)
		assert.Equal(t, "done\n[exit code 0]", res.Content)
	})
	t.Run("beyond the bound", func(t *testing.T) {
		sh, _ := newShell(t, &Options{MaxTimeout: time.Minute})
		res := call(t, sh, `{"command":"true","timeout":61}`)
		assert.True(t, res.IsError)
		assert.Contains(t, res.Content, "timeout")
		assert.Contains(t, res.Content, "60")
	})
}

// handshake returns a FIFO path in dir and a function that returns once a
// command has written a line to it.
func handshake(t *testing.T, dir string) (string, func()) {
	t.Helper()
	path := filepath.Join(dir, "ready")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	return path, func() {
		// O_RDWR does not block on open; the deadline bounds a test that
		// went wrong.
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		require.NoError(t, err)
		defer f.Close()
		require.NoError(t, f.SetReadDeadline(time.Now().Add(30*time.Second)))
		_, err = f.Read(make([]byte, 1))
		require.NoError(t, err, "the command did not reach the handshake")
	}
}

func TestContextCancelKillsEverything(t *testing.T) {
	sh, root := newShell(t, nil)
	call(t, sh, command("export KEPT=yes"))
	fifo, ready := handshake(t, root)
	errStop := errors.New("stop requested")
	ctx, cancel := context.WithCancelCause(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := sh.Run(ctx, json.RawMessage(command(spawn(fifo))))
		done <- err
	}()
	ready()
	procs := pids(t, root, spawned...)
	for name, pid := range procs {
		require.True(t, alive(pid), "%s is running before the cancel", name)
	}
	if runtime.GOOS == "linux" {
		// The kill must reach the groups jobs moved to, not only the shell's.
		shellGroup := group(t, procs["shell.pid"])
		assert.NotEqual(t, shellGroup, group(t, procs["job.pid"]))
		assert.NotEqual(t, shellGroup, group(t, procs["timeout.pid"]))
	}
	cancel(errStop)
	assert.ErrorIs(t, <-done, errStop, "Run returns the context's cause")
	assertGone(t, procs)

	res := call(t, sh, command("echo $KEPT"))
	assert.Equal(t, "yes\n[exit code 0]", res.Content, "the next call gets a new shell with the exports")
}

func group(t *testing.T, pid int) int {
	t.Helper()
	_, pgrp, _, err := proc.Stat(pid)
	require.NoError(t, err)
	return pgrp
}

func TestCloseKillsEverything(t *testing.T) {
	sh, root := newShell(t, nil)
	fifo, ready := handshake(t, root)
	done := make(chan error, 1)
	go func() {
		_, err := sh.Run(t.Context(), json.RawMessage(command(spawn(fifo))))
		done <- err
	}()
	ready()
	procs := pids(t, root, spawned...)
	require.NoError(t, sh.Close())
	assert.ErrorIs(t, <-done, ErrClosed, "the call in progress ends")
	assertGone(t, procs)

	_, err := sh.Run(t.Context(), json.RawMessage(command("true")))
	assert.ErrorIs(t, err, ErrClosed)
	assert.NoError(t, sh.Close(), "Close is idempotent")
}

// Processes that start sessions of their own, daemons whose parent exited
// included, are ended by a timeout and by Close where sessions get
// cgroups; the host's process table shows none left.
func TestSetsidProcessesEnd(t *testing.T) {
	if err := proc.Cgroups(); err != nil {
		t.Skipf("setsid processes escape here, as documented: %v", err)
	}
	sh, root := newShell(t, nil)
	// Each process writes its pid once it leads its own session: one the
	// shell started, and a daemon whose parent has exited.
	escape := func(name string) {
		res := call(t, sh, command(`mkfifo `+name+`.fifo
setsid sh -c 'echo $$ > `+name+`.fifo; exec sleep 1000' & read p < `+name+`.fifo; echo $p > `+name+`.pid
(setsid sh -c 'echo $$ > `+name+`.fifo; exec sleep 1000' &); read p < `+name+`.fifo; echo $p > `+name+`-daemon.pid`))
		require.False(t, res.IsError, res.Content)
		for n, pid := range pids(t, root, name+".pid", name+"-daemon.pid") {
			require.True(t, alive(pid), "%s is running", n)
			_, _, sid, err := proc.Stat(pid)
			require.NoError(t, err)
			require.Equal(t, pid, sid, "%s leads a session of its own", n)
		}
	}
	escape("timeout")
	res := call(t, sh, `{"command":"sleep 300","timeout":1}`)
	require.Contains(t, res.Content, "timed out")
	assertGone(t, pids(t, root, "timeout.pid", "timeout-daemon.pid"))

	escape("close")
	require.NoError(t, sh.Close())
	assertGone(t, pids(t, root, "close.pid", "close-daemon.pid"))
}

func TestCloseUnused(t *testing.T) {
	sh, _ := newShell(t, nil)
	assert.NoError(t, sh.Close())
}

func TestRestart(t *testing.T) {
	sh, root := newShell(t, nil)
	call(t, sh, command("mkdir d && cd d && export FOO=1; sleep 300 & echo $! > ../bg.pid"))
	bg := pids(t, root, "bg.pid")

	res := call(t, sh, `{"restart":true}`)
	assert.False(t, res.IsError)
	assert.Equal(t, "[a fresh shell started in "+root+"]", res.Content)
	assertGone(t, bg)

	res = call(t, sh, `{"restart":true,"command":"pwd; echo ${FOO:-unset}"}`)
	assert.Equal(t, "[a fresh shell started in "+root+"]\n"+root+"\nunset\n[exit code 0]", res.Content)
}

func TestShellExit(t *testing.T) {
	sh, root := newShell(t, nil)
	call(t, sh, command("mkdir d && cd d && export FOO=1"))
	tests := []struct{ name, cmd, want string }{
		{"exit", "echo bye; exit 3", "bye\n[the shell exited with code 3"},
		{"set -e", "set -e; false; echo unreachable", "[the shell exited with code 1"},
		{"signal", "kill -9 $$", "[the shell was killed by a signal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := call(t, sh, command(tt.cmd))
			assert.True(t, res.IsError)
			assert.True(t, strings.HasPrefix(res.Content, tt.want), res.Content)
			assert.Contains(t, res.Content, "new shell in "+filepath.Join(root, "d"))
			res = call(t, sh, command("pwd; echo $FOO"))
			assert.Equal(t, filepath.Join(root, "d")+"\n1\n[exit code 0]", res.Content)
		})
	}
	t.Run("directory gone", func(t *testing.T) {
		call(t, sh, command("mkdir gone && cd gone"))
		res := call(t, sh, command("rmdir ../gone; exit"))
		assert.False(t, res.IsError, res.Content)
		res = call(t, sh, command("pwd"))
		assert.Contains(t, res.Content, "[the new shell could not return to "+filepath.Join(root, "d", "gone")+" and is in "+root+"]")
	})
}

func TestOutputCapped(t *testing.T) {
	sh, _ := newShell(t, &Options{MaxOutput: 1000})
	var all strings.Builder
	for i := 1; i <= 100000; i++ {
		fmt.Fprintf(&all, "%d\n", i)
	}
	full := all.String()
	res := call(t, sh, command("seq 1 100000"))
	want := fmt.Sprintf("%s\n[... %d bytes of stdout cut here ...]\n%s[exit code 0]\n[the output was cut in the middle; redirect it to a file and read parts with grep, head, tail or sed -n]",
		full[:500], len(full)-1000, full[len(full)-500:])
	assert.Equal(t, want, res.Content)

	t.Run("both streams", func(t *testing.T) {
		res := call(t, sh, command("seq 1 100000; seq 1 100000 >&2"))
		out, errs, ok := strings.Cut(res.Content, "[stderr]\n")
		require.True(t, ok)
		assert.Contains(t, out, fmt.Sprintf("[... %d bytes of stdout cut here ...]", len(full)-500))
		assert.Contains(t, errs, fmt.Sprintf("[... %d bytes of stderr cut here ...]", len(full)-500))
	})
	t.Run("huge", func(t *testing.T) {
		res := call(t, sh, command("head -c 50000000 /dev/zero | tr '\\0' x"))
		assert.Contains(t, res.Content, fmt.Sprintf("[... %d bytes of stdout cut here ...]", 50000000-1000))
		assert.Less(t, len(res.Content), 1500)
	})
}

func TestSerialisedCalls(t *testing.T) {
	sh, root := newShell(t, nil)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			res, err := sh.Run(t.Context(), json.RawMessage(command(fmt.Sprintf("echo start %d >> log; sleep 0.05; echo end %d >> log", i, i))))
			assert.NoError(t, err)
			assert.False(t, res.IsError, res.Content)
		})
	}
	wg.Wait()
	b, err := os.ReadFile(filepath.Join(root, "log"))
	require.NoError(t, err)
	lines := strings.Fields(strings.ReplaceAll(string(b), "\n", " "))
	require.Len(t, lines, 16)
	for i := 0; i < 16; i += 4 {
		assert.Equal(t, "start", lines[i])
		assert.Equal(t, "end", lines[i+2])
		assert.Equal(t, lines[i+1], lines[i+3], "one command ran at a time: %s", b)
	}
}

func TestArguments(t *testing.T) {
	sh, _ := newShell(t, nil)
	tests := []struct{ name, args, want string }{
		{"nothing to do", `{}`, "give a command to run, or restart: true"},
		{"blank command", `{"command":"  "}`, "give a command to run"},
		{"NUL", `{"command":"echo \u0000"}`, "NUL byte"},
		{"zero timeout", `{"command":"true","timeout":0}`, "timeout"},
		{"fractional timeout", `{"command":"true","timeout":1.5}`, "timeout"},
		{"string timeout", `{"command":"true","timeout":"5"}`, "timeout"},
		{"unknown property", `{"command":"true","cwd":"/"}`, "cwd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := call(t, sh, tt.args)
			assert.True(t, res.IsError)
			assert.Contains(t, res.Content, tt.want)
		})
	}
	res := call(t, sh, `{"command":"echo ok","timeout":null,"restart":null}`)
	assert.Equal(t, "ok\n[exit code 0]", res.Content, "nulls are absent properties")
	res = call(t, sh, command(strings.Repeat("#", maxCommand+1)))
	assert.Contains(t, res.Content, "write the script to a file")
}

func TestStartFailure(t *testing.T) {
	tests := []struct{ name, program, want string }{
		{"missing", "no-such-shell-xyz", "starting the shell"},
		{"not bash", "false", "exited while starting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh, _ := newShell(t, &Options{Program: tt.program})
			_, err := sh.Run(t.Context(), json.RawMessage(command("true")))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestOptions(t *testing.T) {
	ws, err := tools.NewLocal(t.TempDir(), nil)
	require.NoError(t, err)
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"negative timeout", Options{Timeout: -time.Second}, "Options.Timeout"},
		{"max below timeout", Options{Timeout: time.Minute, MaxTimeout: 30 * time.Second}, "Options.MaxTimeout"},
		{"max below a second", Options{MaxTimeout: time.Millisecond}, "Options.MaxTimeout"},
		{"tiny output", Options{MaxOutput: 10}, "Options.MaxOutput"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(ws, &tt.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	sh, err := New(ws, &Options{Timeout: 20 * time.Minute})
	require.NoError(t, err, "a default MaxTimeout grows to a larger Timeout")
	assert.Equal(t, 20*time.Minute, sh.opts.MaxTimeout)
	require.NoError(t, sh.Close())
}

func FuzzArgs(f *testing.F) {
	f.Add([]byte(`{"command":"ls -la","timeout":30}`))
	f.Add([]byte(`{"restart":true}`))
	f.Add([]byte(`{"command":null,"restart":null,"timeout":null}`))
	f.Add([]byte(`{"command":"echo \u0000","timeout":1e3}`))
	ws, err := tools.NewLocal(f.TempDir(), nil)
	require.NoError(f, err)
	sh, err := New(ws, nil)
	require.NoError(f, err)
	maxSec := int(sh.opts.MaxTimeout / time.Second)
	f.Fuzz(func(t *testing.T, raw []byte) {
		a, err := sh.parse(raw)
		if err != nil {
			assert.NotEmpty(t, err.Error())
			return
		}
		assert.True(t, a.Restart || strings.TrimSpace(a.Command) != "", "something to do")
		assert.NotContains(t, a.Command, "\x00")
		assert.LessOrEqual(t, len(a.Command), maxCommand)
		assert.True(t, a.Timeout == 0 || 1 <= a.Timeout && a.Timeout <= maxSec, "timeout %d within bounds", a.Timeout)
	})
}

// FuzzQuote checks that any command reaches bash unchanged.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "'", `'\''`, `"$x" \ $(x) ${x} ` + "`x`", "a\nb\r\n", "é→世", "\\", "'''"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			t.Skip("bash strings cannot hold NUL; Run refuses it")
		}
		out, err := exec.Command("bash", "--noprofile", "--norc", "-c", `x=`+quote(s)+`; printf %s "$x"`).Output()
		require.NoError(t, err)
		assert.Equal(t, s, string(out))
	})
}
