package bash

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/conclave-dev/conclave/internal/proc"
	"github.com/conclave-dev/conclave/tools"
)

// readerGrace is how long stop waits for the output pipes to reach EOF after
// killing the shell's processes. Only a process that escaped the kill (by
// setsid, where sessions get no cgroup) can hold them open longer; the
// pipes are then closed under it.
const readerGrace = time.Second

// session is one bash process and the goroutines that read its output.
//
// Protocol: the shell gets a third pipe, the control pipe, which it keeps
// at fd 63 and closes for the commands it runs. For each command the
// session writes to the shell's stdin
//
//	__conclave_cmd='<command, quoted>'
//	eval "$__conclave_cmd" </dev/null 63>&-; <epilogue>
//
// bash parses the whole line before running it, so the command never sees
// the epilogue, and it reads from /dev/null, so it cannot eat the protocol.
// The epilogue writes the exit status, the working directory and the
// exported variables (NUL-terminated fields) to the control pipe, then an
// end marker to stdout and to stderr. A marker is a newline and a nonce
// random per shell, never shown to the command, so no output can fake one;
// each is one small write, so output of background jobs cannot split it.
// Only the shell writes to the control pipe, so the state cannot be mixed
// with output. Waiting for the markers, rather than for EOF, lets background
// jobs keep the pipes open without blocking the call.
type session struct {
	cmd    *exec.Cmd
	group  *proc.Session
	stdin  *os.File
	stdout *stream
	stderr *stream
	ctl    *stream // the control pipe
	nonce  string
	sent   bool // whether the first command was sent
	notify chan struct{}

	exited   chan struct{} // closed once the shell has exited and been reaped
	stopOnce sync.Once
	stopped  chan struct{} // closed once stop has finished
	stopErr  error         // processes stop could not kill; read after stopped
}

func startSession(ws tools.Workspace, program string, maxOutput int) (*session, error) {
	key := make([]byte, 16)
	rand.Read(key)
	nonce := "__conclave_end_" + hex.EncodeToString(key)

	// The shell outlives any one call, so it is not bound to a call's
	// context; stop ends it.
	cmd := ws.Command(context.Background(), nil, program, "--noprofile", "--norc")
	var files []*os.File // every pipe end, closed on failure
	pipe := func() (r, w *os.File, err error) {
		r, w, err = os.Pipe()
		files = append(files, r, w)
		return r, w, err
	}
	inR, inW, err1 := pipe()
	outR, outW, err2 := pipe()
	errR, errW, err3 := pipe()
	ctlR, ctlW, err4 := pipe()
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		closeAll(files)
		return nil, fmt.Errorf("bash: %w", err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	cmd.ExtraFiles = []*os.File{ctlW} // fd 3
	group, err := proc.Start(cmd)
	closeAll([]*os.File{inR, outW, errW, ctlW}) // the shell holds its own copies
	if err != nil {
		closeAll([]*os.File{inW, outR, errR, ctlR})
		return nil, fmt.Errorf("bash: starting the shell %q: %w", program, err)
	}
	notify := make(chan struct{}, 1)
	end := []byte("\n" + nonce + "\x00")
	s := &session{
		cmd:     cmd,
		group:   group,
		stdin:   inW,
		stdout:  newStream(outR, end, 0, maxOutput, notify),
		stderr:  newStream(errR, end, 0, maxOutput, notify),
		ctl:     newStream(ctlR, []byte("\n"+nonce+" "), 3, 1, notify),
		nonce:   nonce,
		notify:  notify,
		exited:  make(chan struct{}),
		stopped: make(chan struct{}),
	}
	go func() {
		cmd.Wait() // its status is read from cmd.ProcessState
		close(s.exited)
	}()
	go s.stdout.read()
	go s.stderr.read()
	go s.ctl.read()
	return s, nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}

// ending is how a command's run ended.
type ending int

const (
	completed   ending = iota // all three end markers arrived
	exited                    // the shell exited first (exit, set -e, a signal)
	interrupted               // the context ended first; the session is stopped
)

// outcome is what a command's run produced.
type outcome struct {
	ending         ending
	stdout, stderr *clip
	// status is the command's exit status when completed, the shell's when
	// it exited (-1 for a signal).
	status int
	state  snapshot // when completed
}

// snapshot is the state a restarted shell gets back.
type snapshot struct {
	cwd     string
	exports string // the output of "export -p", valid shell input
}

// run runs command and waits for it. Unless it completes, the session is
// stopped when run returns.
func (s *session) run(ctx context.Context, command string) outcome {
	var segs [3]*segment // stdout, stderr, control
	if err := s.send(ctx, command); err != nil {
		s.stop()
		if ctx.Err() != nil {
			return s.collect(interrupted, &segs)
		}
		return s.collect(exited, &segs) // the shell is gone: EPIPE
	}
	for {
		if s.takeAll(&segs) {
			return completedOutcome(segs)
		}
		select {
		case <-s.notify:
		case <-s.exited:
			s.stop()
			return s.collect(exited, &segs)
		case <-ctx.Done():
			s.stop()
			return s.collect(interrupted, &segs)
		}
	}
}

// takeAll takes the segments still missing from segs and reports whether
// it has all three.
func (s *session) takeAll(segs *[3]*segment) bool {
	for i, st := range []*stream{s.stdout, s.stderr, s.ctl} {
		if segs[i] == nil {
			segs[i] = st.take()
		}
	}
	return segs[0] != nil && segs[1] != nil && segs[2] != nil
}

// send writes command and the epilogue to the shell. A context that ends
// during the write (a long command to a shell that does not read) aborts it.
func (s *session) send(ctx context.Context, command string) error {
	n := s.nonce
	script := "__conclave_cmd=" + quote(command) + "\n" +
		`eval "$__conclave_cmd" </dev/null 63>&-; __conclave_status=$?; ` +
		`{ builtin printf '\n%s %d\0%s\0' ` + n + ` "$__conclave_status" "$PWD"; builtin export -p; builtin printf '\0'; } >&63; ` +
		`builtin printf '\n%s\0' ` + n + `; builtin printf '\n%s\0' ` + n + " >&2\n"
	if !s.sent {
		// Move the control pipe out of the way of the descriptors
		// commands use.
		script = "exec 63>&3 3>&-\n" + script
		s.sent = true
	}
	stop := context.AfterFunc(ctx, func() { s.stdin.SetWriteDeadline(time.Unix(1, 0)) })
	defer stop()
	_, err := s.stdin.WriteString(script)
	return err
}

// quote returns s as one single-quoted bash word.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func completedOutcome(segs [3]*segment) outcome {
	f := segs[2].fields
	status, err := strconv.Atoi(f[0])
	if err != nil {
		status = -1
	}
	return outcome{
		ending: completed,
		stdout: segs[0].out,
		stderr: segs[1].out,
		status: status,
		state:  snapshot{cwd: f[1], exports: f[2]},
	}
}

// collect builds the outcome of a run that did not complete, from the
// segments already taken and what the stopped streams hold. A run whose
// markers all arrived while it was being stopped did complete.
func (s *session) collect(e ending, segs *[3]*segment) outcome {
	if s.takeAll(segs) {
		return completedOutcome(*segs)
	}
	o := outcome{ending: e, stdout: s.stdout.cur, stderr: s.stderr.cur, status: -1}
	if segs[0] != nil {
		o.stdout = segs[0].out
	}
	if segs[1] != nil {
		o.stderr = segs[1].out
	}
	if e == exited {
		o.status = s.cmd.ProcessState.ExitCode()
	}
	return o
}

// stop kills the shell and every process of its session, waits for them to
// be reaped and for the readers to end. It is safe to call more than once
// and from several goroutines; all return once it is done.
func (s *session) stop() {
	s.stopOnce.Do(func() {
		s.stopErr = s.group.Kill()
		s.stdin.Close()
		<-s.exited
		grace := time.NewTimer(readerGrace)
		defer grace.Stop()
		streams := []*stream{s.stdout, s.stderr, s.ctl}
		closeStreams := func() {
			for _, st := range streams {
				st.f.Close()
			}
		}
		for _, st := range streams {
			select {
			case <-st.done:
			case <-grace.C:
				closeStreams()
				<-st.done
			}
		}
		closeStreams()
		close(s.stopped)
	})
}

// alive reports whether the session has not been stopped.
func (s *session) alive() bool {
	select {
	case <-s.stopped:
		return false
	default:
		return true
	}
}
