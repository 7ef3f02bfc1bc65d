package mcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/conclave-dev/conclave/internal/proc"
	"github.com/conclave-dev/conclave/tools"
)

// closeGrace is how long closing a stdio server waits for it to exit after
// its stdin is closed, and again after SIGTERM.
const closeGrace = 2 * time.Second

// stderrTail is how many bytes of a stdio server's stderr are kept for
// error messages.
const stderrTail = 2048

// stdioTransport is an [sdk.Transport] that starts a server's command and
// speaks MCP over its stdin and stdout. Connect records the process.
type stdioTransport struct {
	server Server
	proc   *process
}

func (t *stdioTransport) Connect(ctx context.Context) (sdk.Connection, error) {
	p, err := startProcess(t.server)
	if err != nil {
		return nil, err
	}
	t.proc = p
	return (&sdk.IOTransport{Reader: p.stdout, Writer: p}).Connect(ctx)
}

// process is a running stdio server. The server runs in a session and
// process group of its own, so that closing it also ends what it started.
type process struct {
	cmd        *exec.Cmd
	group      *proc.Session
	stdin      *os.File
	stdout     *os.File
	stderr     *os.File
	exited     chan struct{} // closed once the server has exited and been reaped
	tail       tail          // the end of its stderr
	stderrDone chan struct{} // closed once stderr is at EOF or closed
	closeOnce  sync.Once
	closeErr   error
}

func startProcess(srv Server) (*process, error) {
	var env []string
	for _, name := range srv.PassEnv {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	env = append(env, srv.Env...)
	var cmd *exec.Cmd
	if srv.Workspace != nil {
		// The server outlives Connect's context; Close ends it.
		cmd = srv.Workspace.Command(context.Background(), env, srv.Command, srv.Args...)
	} else {
		cmd = exec.Command(srv.Command, srv.Args...)
		cmd.Env = append(tools.ScrubEnv(os.Environ(), nil), env...)
		cmd.Dir = srv.Dir
	}
	inR, inW, err1 := os.Pipe()
	outR, outW, err2 := os.Pipe()
	errR, errW, err3 := os.Pipe()
	all := []*os.File{inR, inW, outR, outW, errR, errW}
	if err := errors.Join(err1, err2, err3); err != nil {
		closeFiles(all...)
		return nil, err
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	// Without sessions (not Unix), Close ends the server process alone.
	group, err := proc.Start(cmd)
	closeFiles(inR, outW, errW) // the server holds its own copies
	if err != nil {
		closeFiles(inW, outR, errR)
		return nil, err
	}
	p := &process{
		cmd: cmd, group: group, stdin: inW, stdout: outR, stderr: errR,
		exited: make(chan struct{}), stderrDone: make(chan struct{}),
	}
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	go func() {
		io.Copy(&p.tail, p.stderr)
		close(p.stderrDone)
	}()
	return p, nil
}

func closeFiles(files ...*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}

// Write sends bytes to the server's stdin.
func (p *process) Write(b []byte) (int, error) { return p.stdin.Write(b) }

// Close ends the server as the MCP specification asks: it closes the
// server's stdin and waits for it to exit, then sends SIGTERM, then
// SIGKILL. It then kills what is left of the server's process group, and
// waits for stderr to be read. It is idempotent and safe for concurrent use.
func (p *process) Close() error {
	p.closeOnce.Do(func() {
		p.stdin.Close()
		if !p.waitExit(closeGrace) {
			p.group.Terminate()
			if !p.waitExit(closeGrace) {
				p.group.Kill()
				<-p.exited
				p.closeErr = fmt.Errorf("the server ignored the end of its input and SIGTERM for %v and was killed", 2*closeGrace)
			}
		}
		p.group.Kill() // what the server left running
		// stderr reaches EOF once every process holding it is dead; one
		// that left the group may hold it, so stop waiting after a grace.
		p.waitStderr(closeGrace)
		closeFiles(p.stderr, p.stdout)
		<-p.stderrDone
	})
	return p.closeErr
}

func (p *process) waitExit(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.exited:
		return true
	case <-t.C:
		return false
	}
}

// waitStderr waits, at most d, until the server's stderr is at its end,
// so that a gone server's last words can be shown.
func (p *process) waitStderr(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.stderrDone:
	case <-t.C:
	}
}

// stderrNote returns the end of the server's stderr, ready to append to an
// error message, or "" if it wrote nothing.
func (p *process) stderrNote() string {
	s := p.tail.String()
	if s == "" {
		return ""
	}
	return "; the server's stderr ends with:\n" + s
}

// tail keeps the last stderrTail bytes written to it.
type tail struct {
	mu  sync.Mutex
	b   []byte
	cut bool
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 2*stderrTail {
		t.b = append(t.b[:0], t.b[len(t.b)-stderrTail:]...)
		t.cut = true
	}
	return len(p), nil
}

// String returns the kept bytes, from a line start when older bytes were
// dropped, without trailing space.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, cut := t.b, t.cut
	if len(b) > stderrTail {
		b, cut = b[len(b)-stderrTail:], true
	}
	s := string(b)
	if cut {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
		s = "...\n" + s
	}
	return strings.TrimRight(s, " \t\r\n")
}
