// Package bwrap provides a [tools.Workspace] whose commands run in a
// bubblewrap sandbox (bwrap, the sandbox under Flatpak): unprivileged and
// daemonless isolation with Linux namespaces. The bash tool's shell and
// stdio MCP servers run in it unchanged, since they start through
// Workspace.Command.
//
// # What a sandbox holds
//
// Every call of Command starts a new sandbox around one command (the bash
// tool's shell keeps one for its life) in which:
//
//   - the system is read-only: /usr, /bin, /sbin, /lib*, /etc, with
//     /etc/shadow, /etc/gshadow, /etc/sudoers, /etc/ssh and
//     /etc/ssl/private hidden; nothing else of the host shows (/home,
//     /root, /opt, /var, /srv, /mnt are absent) except the Go toolchain
//     (go env GOROOT), the Go caches as [Options].GoCaches says, and
//     [Options].Binds;
//   - the workspace root is read-write, at the same path as on the host;
//   - /tmp, /var/tmp, /run and the home directory are empty and private
//     to the sandbox (TMPDIR is /tmp), gone when it ends;
//   - /proc and /dev are fresh: only the sandbox's own processes show;
//   - there is no network, loopback included, unless [Options].Network;
//   - the environment is the host's scrubbed of credentials
//     ([tools.ScrubEnv]) plus [Options].PassEnv and [Options].Env;
//   - the processes live in their own PID namespace whose first process
//     dies with the bwrap process Command returns (--die-with-parent): a
//     timeout, a cancelled context or Close of the tool that started it
//     ends every process inside, setsid daemons included.
//
// Go (with the host's caches), Python and git work inside, offline.
// File tools work on the host side, through the workspace's [os.Root],
// so a symbolic link planted inside the sandbox cannot lead them out.
//
// # Detection and failures
//
// [Available] says whether bwrap can make sandboxes here, and if not how
// to fix it: install the bubblewrap package, or enable unprivileged user
// namespaces (the sysctls it names). [New] fails with that error: a
// configuration asking for a sandbox should warn and stop, not silently
// fall back to running unsandboxed. Linux only.
//
// # Worktrees
//
// An agent layer that gives each agent its own git worktree creates one
// Workspace per worktree with [New], sharing one [Options] value, and
// closes it when the worktree is removed. Available runs its check once
// per process.
//
// # What it does not do
//
// The sandbox shares the host kernel: a kernel exploit escapes it. It
// does not limit CPU, memory or disk use. With Options.Network the
// sandbox reaches everything the host reaches. Run agents in a virtual
// machine when those matter.
package bwrap
