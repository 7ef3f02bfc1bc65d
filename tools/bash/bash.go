package bash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/conclave-dev/conclave/internal/proc"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/tools"
)

// Defaults for the fields of [Options].
const (
	DefaultTimeout    = 2 * time.Minute
	DefaultMaxTimeout = 10 * time.Minute
	DefaultMaxOutput  = 30_000
)

// maxCommand bounds a command's text; bash reads its input a byte at a
// time, so a larger script belongs in a file.
const maxCommand = 1 << 20

// ErrClosed is returned by Run after Close.
var ErrClosed = errors.New("bash: the shell is closed")

// errTimeout is the cause of a call's context when its timeout fires.
var errTimeout = errors.New("bash: the command timed out")

// Options configures a [Shell]. A nil *Options and zero fields mean the
// defaults.
type Options struct {
	// Timeout is how long a command may run when the call does not say;
	// zero means DefaultTimeout.
	Timeout time.Duration
	// MaxTimeout bounds the timeout a call may ask for; zero means
	// DefaultMaxTimeout. It must be at least one second and at least
	// Timeout.
	MaxTimeout time.Duration
	// MaxOutput is how many bytes of a command's output (stdout and
	// stderr together) a result keeps, the head and the tail; zero means
	// DefaultMaxOutput.
	MaxOutput int
	// Program is the bash to run, a name looked up on the workspace's PATH
	// or a path; empty means "bash".
	Program string
}

// Shell is the "bash" tool: one persistent bash process in which the
// model's commands run one after another. It implements [tools.Tool] and
// io.Closer; see the package documentation for its behaviour.
//
// A Shell is safe for concurrent use, and its calls are serialised: one
// command runs at a time, and a call waits for the one before it (giving up,
// with its context's error, if its context ends while it waits). Close
// kills what is running and must be called to end the shell's processes.
type Shell struct {
	ws     tools.Workspace
	opts   Options
	spec   llm.ToolSpec
	schema *jsonschema.Resolved
	sem    chan struct{} // held by the call in progress

	mu     sync.Mutex // guards sess and closed, which Close reads during a call
	sess   *session   // nil until the first call and after the shell ends
	closed bool

	state *snapshot // after the last completed command; guarded by sem
}

var (
	_ tools.Tool = (*Shell)(nil)
	_ io.Closer  = (*Shell)(nil)
)

// New returns a Shell that runs its commands in ws through ws.Command. The
// bash process starts on the first call, so New starts nothing and fails
// only on invalid options.
func New(ws tools.Workspace, opts *Options) (*Shell, error) {
	if err := proc.Supported(); err != nil {
		return nil, fmt.Errorf("bash: the shell needs Unix sessions to find and kill what a command starts: %w", err)
	}
	if ws == nil {
		return nil, errors.New("bash: the workspace is nil")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxTimeout == 0 {
		o.MaxTimeout = max(DefaultMaxTimeout, o.Timeout)
	}
	if o.Timeout == 0 {
		o.Timeout = min(DefaultTimeout, o.MaxTimeout)
	}
	if o.MaxOutput == 0 {
		o.MaxOutput = DefaultMaxOutput
	}
	if o.Program == "" {
		o.Program = "bash"
	}
	switch {
	case o.Timeout < 0:
		return nil, fmt.Errorf("bash: Options.Timeout is %v; give a positive duration, or zero for %v", o.Timeout, DefaultTimeout)
	case o.MaxTimeout < time.Second || o.MaxTimeout < o.Timeout:
		return nil, fmt.Errorf("bash: Options.MaxTimeout is %v; it must be at least 1s and at least Options.Timeout (%v)", o.MaxTimeout, o.Timeout)
	case o.MaxOutput < 200:
		return nil, fmt.Errorf("bash: Options.MaxOutput is %d; give at least 200 bytes, or zero for %d", o.MaxOutput, DefaultMaxOutput)
	}
	spec, schema := newSpec(o)
	return &Shell{ws: ws, opts: o, spec: spec, schema: schema, sem: make(chan struct{}, 1)}, nil
}

// args are the tool's arguments.
type args struct {
	Command string `json:"command,omitempty"`
	Timeout int    `json:"timeout,omitempty"`
	Restart bool   `json:"restart,omitempty"`
}

func newSpec(o Options) (llm.ToolSpec, *jsonschema.Resolved) {
	s, err := jsonschema.For[args](nil)
	if err != nil {
		panic(err) // args is a fixed struct
	}
	maxSec := int(o.MaxTimeout / time.Second)
	s.Properties["command"].Description = "The bash command to run. Required unless restart is true."
	s.Properties["timeout"].Description = fmt.Sprintf("Seconds the command may run before it is killed; default %s, at most %d.", seconds(o.Timeout), maxSec)
	s.Properties["timeout"].Minimum = ptr(1.0)
	s.Properties["timeout"].Maximum = ptr(float64(maxSec))
	s.Properties["restart"].Description = "Kill the shell and everything it runs, and start a fresh one in the workspace root, before running command (if any)."
	resolved, err := s.Resolve(nil)
	if err != nil {
		panic(err)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	desc := fmt.Sprintf(`Run a command in a persistent bash shell that starts in the workspace root.
The working directory, variables and functions persist between calls. Commands read no input (stdin is empty): use non-interactive flags.
Each command is killed, with everything it started, after %s unless you set timeout (at most %d s); after a timeout the shell restarts with only its working directory and exported variables.
Run servers and other long jobs in the background with their output redirected to a file (cmd > log 2>&1 &).
The result shows stdout, then stderr after a [stderr] line, then the exit code. Output beyond %d bytes is cut in the middle; redirect large output to a file and search it.`,
		seconds(o.Timeout), maxSec, o.MaxOutput)
	return llm.ToolSpec{Name: "bash", Description: desc, Schema: raw}, resolved
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%g s", d.Seconds())
}

func ptr[T any](v T) *T { return &v }

// Spec describes the tool to the model.
func (sh *Shell) Spec() llm.ToolSpec { return sh.spec }

// Run runs the command of args in the shell and returns its output and exit
// code. A command that fails, exits the shell or times out is an error
// Result the model reads. Run returns a Go error when ctx ends (the command
// is then killed with everything it started, and the next call starts a
// new shell), when the shell cannot start, and after Close ([ErrClosed]).
func (sh *Shell) Run(ctx context.Context, raw json.RawMessage) (tools.Result, error) {
	a, err := sh.parse(raw)
	if err != nil {
		return tools.Errorf("bash: %v", err), nil
	}
	if err := context.Cause(ctx); err != nil {
		return tools.Result{}, err
	}
	timeout := sh.opts.Timeout
	if a.Timeout > 0 {
		timeout = time.Duration(a.Timeout) * time.Second
	}

	select {
	case sh.sem <- struct{}{}:
	case <-ctx.Done():
		return tools.Result{}, context.Cause(ctx)
	}
	defer func() { <-sh.sem }()

	var notes []string
	if a.Restart {
		sh.drop()
		sh.state = nil
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errTimeout)
	defer cancel()
	sess, note, err := sh.live(ctx)
	if err != nil {
		return tools.Result{}, err
	}
	if a.Restart {
		notes = append(notes, fmt.Sprintf("[a fresh shell started in %s]", sh.state.cwd))
	}
	if note != "" {
		notes = append(notes, note)
	}
	if strings.TrimSpace(a.Command) == "" {
		return tools.Result{Content: strings.Join(notes, "\n")}, nil
	}

	o := sess.run(ctx, a.Command)
	if !sess.alive() {
		sh.drop()
	}
	if o.ending != completed && sh.isClosed() {
		return tools.Result{}, ErrClosed
	}
	if o.ending == interrupted && !errors.Is(context.Cause(ctx), errTimeout) {
		return tools.Result{}, context.Cause(ctx)
	}
	if o.ending == completed {
		sh.state = &o.state
	}
	return sh.result(o, notes, timeout), nil
}

// parse decodes and checks a call's arguments; the error is for the model.
func (sh *Shell) parse(raw json.RawMessage) (args, error) {
	a, err := tools.Decode[args](raw, sh.schema)
	switch {
	case err != nil:
		return a, err
	case strings.TrimSpace(a.Command) == "" && !a.Restart:
		return a, errors.New("give a command to run, or restart: true to start a fresh shell")
	case strings.IndexByte(a.Command, 0) >= 0:
		return a, errors.New("the command contains a NUL byte, which bash cannot take; remove it")
	case len(a.Command) > maxCommand:
		return a, fmt.Errorf("the command is %d bytes, more than a call may send (%d); write the script to a file and run the file", len(a.Command), maxCommand)
	}
	return a, nil
}

// result renders an outcome for the model.
func (sh *Shell) result(o outcome, notes []string, timeout time.Duration) tools.Result {
	text, cut := render(o.stdout, o.stderr, sh.opts.MaxOutput)
	var b strings.Builder
	for _, n := range notes {
		b.WriteString(n + "\n")
	}
	b.WriteString(text)
	if text != "" && !strings.HasSuffix(text, "\n") {
		b.WriteByte('\n')
	}
	restart := fmt.Sprintf("The next call starts a new shell in %s with the exported variables of the last completed command; shell variables, functions and background jobs are gone.", sh.state.cwd)
	res := tools.Result{IsError: o.status != 0}
	switch o.ending {
	case completed:
		fmt.Fprintf(&b, "[exit code %d]", o.status)
	case exited:
		how := fmt.Sprintf("exited with code %d", o.status)
		if o.status < 0 {
			how = "was killed by a signal"
		}
		fmt.Fprintf(&b, "[the shell %s (exit, or set -e and a failing command); its background jobs were killed. %s]", how, restart)
	case interrupted:
		res.IsError = true
		fmt.Fprintf(&b, "[timed out after %s: the command and every process the shell had started were killed. %s To wait longer, set timeout (at most %d s), or run the command in the background with its output redirected to a file.]",
			seconds(timeout), restart, int(sh.opts.MaxTimeout/time.Second))
	}
	if cut {
		b.WriteString("\n[the output was cut in the middle; redirect it to a file and read parts with grep, head, tail or sed -n]")
	}
	res.Content = b.String()
	return res
}

// live returns the running shell, starting one if there is none. A new
// shell gets back the working directory and exported variables of the last
// completed command; note tells the model if the directory is gone.
func (sh *Shell) live(ctx context.Context) (sess *session, note string, err error) {
	sh.mu.Lock()
	sess, closed := sh.sess, sh.closed
	sh.mu.Unlock()
	if closed {
		return nil, "", ErrClosed
	}
	if sess != nil {
		return sess, "", nil
	}
	sess, err = startSession(sh.ws, sh.opts.Program, sh.opts.MaxOutput)
	if err != nil {
		return nil, "", err
	}
	sh.mu.Lock()
	if sh.closed {
		sh.mu.Unlock()
		sess.stop()
		return nil, "", ErrClosed
	}
	sh.sess = sess
	sh.mu.Unlock()

	o := sess.run(ctx, restoreScript(sh.state))
	if o.ending != completed {
		sh.drop()
		if sh.isClosed() {
			return nil, "", ErrClosed
		}
		if o.ending == interrupted {
			return nil, "", fmt.Errorf("bash: starting the shell: %w", context.Cause(ctx))
		}
		stderr, _ := o.stderr.text("stderr", 2000)
		return nil, "", fmt.Errorf("bash: the shell %q exited while starting (status %d); is it bash? %s", sh.opts.Program, o.status, stderr)
	}
	if sh.state != nil && o.state.cwd != sh.state.cwd {
		note = fmt.Sprintf("[the new shell could not return to %s and is in %s]", sh.state.cwd, o.state.cwd)
	}
	sh.state = &o.state
	return sess, note, nil
}

// restoreScript gives a new shell the state of the old one: exactly its
// exported variables, then its working directory, or the directory it
// started in if that is gone (cd also resets the restored PWD).
func restoreScript(st *snapshot) string {
	if st == nil {
		return ""
	}
	return "__conclave_start=$PWD\n" +
		"builtin unset -v $(builtin compgen -e) 2>/dev/null\n" +
		st.exports + "\n" +
		"builtin cd -- " + quote(st.cwd) + ` 2>/dev/null || builtin cd -- "$__conclave_start"` + "\n" +
		"builtin unset -v __conclave_start"
}

// drop stops the shell, if any; the next call starts a new one.
func (sh *Shell) drop() {
	sh.mu.Lock()
	sess := sh.sess
	sh.sess = nil
	sh.mu.Unlock()
	if sess != nil {
		sess.stop()
	}
}

func (sh *Shell) isClosed() bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.closed
}

// Close kills the shell and every process it started, background jobs
// included, and waits for a call in progress to return (it returns
// [ErrClosed]). Close is idempotent; it reports processes that could not be
// killed.
func (sh *Shell) Close() error {
	sh.mu.Lock()
	if sh.closed {
		sh.mu.Unlock()
		return nil
	}
	sh.closed = true
	sess := sh.sess
	sh.mu.Unlock()
	if sess != nil {
		sess.stop() // ends a running command at once
	}
	sh.sem <- struct{}{} // wait for the call in progress
	<-sh.sem
	sh.drop()
	if sess != nil {
		return sess.stopErr
	}
	return nil
}
