// Package bash provides the "bash" tool: a persistent shell per agent.
//
// A [Shell] runs one long-lived "bash --noprofile --norc", started through
// the workspace's Command method so that it runs where the workspace says
// (a local directory, or a bubblewrap sandbox with package tools/bwrap).
// Each call runs one command in it.
//
// # Session
//
// Commands run in the shell itself, so the working directory, variables,
// functions and options persist between calls, as in a terminal. Each
// command reads from /dev/null: a command that waits for input (read, cat)
// gets end of file instead of hanging. After each command the shell writes
// an end marker, holding a random per-shell nonce, to stdout and to stderr,
// and the exit status, working directory and exported variables to a pipe
// of its own; the call returns when it has seen them, not when the output
// pipes close. So a background job (sleep 100 &) does not block the call,
// and what it prints later shows at the start of the next call's output.
//
// # Timeouts
//
// A call's command is killed after its timeout: Options.Timeout by default
// (two minutes), or the call's own timeout in seconds up to
// Options.MaxTimeout. The shell runs in a session of its own (setsid), and
// on timeout every process of that session is killed with SIGKILL: the
// command, its children, the process groups they made (set -m, timeout(1))
// and the background jobs of earlier calls. The model is told so. The next
// call starts a new shell in the working directory of the last completed
// command with exactly its exported variables; shell variables, functions
// and options are lost, and the result says so. The same happens when the
// command exits the shell (exit, set -e); a command that redirects the
// shell's own output for good (exec >file) ends in its timeout. A call with
// restart: true starts a fresh shell in the workspace root.
//
// # Output
//
// stdout and stderr are read apart and shown apart: stdout, then stderr
// after a "[stderr]" line, then "[exit code N]". A non-zero exit code makes
// the result an error result. Output beyond Options.MaxOutput bytes is cut
// in the middle, keeping the head and the tail, with a note of how many
// bytes were cut; the tool holds about twice that per stream in memory,
// whatever a command prints.
//
// # Processes and contexts
//
// When a call's context ends, its command is killed as on a timeout and
// Run returns the context's cause. Close kills the shell and everything it
// started, background jobs included. On Linux, where this process may
// create cgroups (a writable cgroup v2 hierarchy, Linux 5.14 or later),
// the shell runs in a cgroup of its own, so a timeout and Close also end
// processes that started sessions of their own (setsid, daemons whose
// parent exited). Elsewhere those escape, and only a sandbox with a PID
// namespace (package tools/bwrap) holds them; finding a job that moved to
// another process group then needs /proc, so on Unix systems other than
// Linux only the shell's own group is killed. Windows is not supported.
// With a workspace whose Command wraps the shell (a sandbox, a container),
// the kill reaches the local process Command returns, so such a workspace
// must make that process own what runs inside.
//
// # Environment
//
// The shell gets the workspace's environment: with [tools.Local] and the
// bwrap workspace, this process's environment scrubbed of credentials
// ([tools.ScrubEnv]: API keys, tokens, passwords, agent sockets), plus
// what the workspace was configured to pass.
//
// # Concurrency
//
// A Shell is safe for concurrent use. Calls are serialised on the one
// shell: a command runs only after the one before it has returned.
package bash
