// Package tools defines what an agent can do: the [Tool] contract, the
// [Set] an agent is given, and the [Workspace] it may touch.
//
// A Tool describes itself with an [llm.ToolSpec] and runs on the raw JSON
// arguments a model wrote. Failures the model should read and fix (bad
// arguments, no match, a failing command) are a [Result] with IsError;
// a Go error means the run cannot go on. [NewFunc] builds a Tool from a
// typed Go function and derives its JSON Schema from the argument struct,
// validating arguments before the function sees them.
//
// The tools themselves live in subpackages: edit (str_replace_editor),
// bash (a persistent shell), ckg (a code knowledge graph), think
// (sequential_thinking and task_done) and mcp (tools served by MCP
// servers). toolstest holds the conformance suite every Tool should pass.
//
// # Workspaces
//
// A [Workspace] is a directory tree and the way commands run in it.
// [NewLocal] makes one whose commands are plain local processes; package
// tools/bwrap makes one whose commands run in a bubblewrap sandbox. An
// agent layer creates one per git worktree (NewLocal or bwrap.New on the
// worktree's directory, with options shared across worktrees) and closes
// it when the worktree is removed.
//
// # Threat model
//
// The tools assume the model may be wrong or hostile (a prompt injection
// in an issue text), and that what it runs may race the tools.
//
// Guaranteed by every workspace:
//
//   - File tools never read or write outside the root. Paths are checked
//     by [Workspace.Resolve] (lexically and through symbolic links), and
//     every operation then goes through [Workspace.FS], an [os.Root], so a
//     link swapped in after the check by a racing process makes the
//     operation fail instead of escaping. Files are opened without
//     blocking and checked after the open, so a named pipe swapped in for
//     a file cannot hang a tool.
//   - Two tools of one workspace never lose each other's edits
//     ([Workspace.Lock]); an edit whose file another program changed
//     meanwhile fails with "file changed since read".
//   - Commands (the bash tool's shell, stdio MCP servers) get no
//     credentials from this process: the environment is scrubbed by
//     [ScrubEnv] unless a variable is passed by name ([LocalOptions],
//     mcp.Server.PassEnv). [IsSecret] is the one rule, also for redacting
//     trajectories.
//   - A timeout, a cancelled context or Close ends every process of the
//     shell or server session; on Linux with a writable cgroup v2
//     hierarchy, setsid daemons too.
//
// Not guaranteed by [Local], whose commands run with the user's rights: a
// command can read anything the user can (~/.ssh, other repositories),
// write anywhere the user can, use the network, and, without cgroups,
// leave setsid processes behind. The bwrap workspace closes those: the
// host read-only and only the root writable, home directories and
// /tmp private, no network, a PID namespace ending every process with the
// session. It does not defend against kernel exploits; for that, run
// agents in a virtual machine.
package tools
