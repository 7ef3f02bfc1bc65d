package bwrap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/conclave-dev/conclave/tools"
)

// Access says how the sandbox sees a host directory.
type Access int

const (
	// ReadOnly binds the directory read-only.
	ReadOnly Access = iota
	// ReadWrite binds the directory writable: what runs inside can change
	// it for the host.
	ReadWrite
	// Hidden leaves the directory out of the sandbox.
	Hidden
)

func (a Access) String() string {
	switch a {
	case ReadOnly:
		return "read-only"
	case ReadWrite:
		return "read-write"
	case Hidden:
		return "hidden"
	}
	return fmt.Sprintf("Access(%d)", int(a))
}

// Bind is a host path shown in the sandbox at the same path.
type Bind struct {
	Path     string // absolute
	Writable bool
}

// Options configure a sandboxed [Workspace]. A nil *Options means the
// defaults. Options hold no state: one value may configure the workspaces
// of many worktrees.
type Options struct {
	// Env is added to the environment of every command, as "NAME=value"
	// entries, secret-looking or not: the caller chose them.
	Env []string
	// PassEnv names variables of this process's environment that commands
	// get although [tools.IsSecret] would drop them.
	PassEnv []string
	// Network shares the host's network with the sandbox, for module
	// downloads say. It is a risk: what runs inside can then reach any
	// host this machine reaches (other services on loopback included) and
	// send out whatever it can read. Default: no network at all.
	Network bool
	// GoCaches is how the sandbox sees this user's Go build and module
	// caches (go env GOCACHE GOMODCACHE): ReadOnly (the default) lets
	// builds and tests reuse them without changing them, ReadWrite lets
	// them add to them (a build inside can then poison them for the
	// host), Hidden leaves them out (a fresh cache per sandbox).
	GoCaches Access
	// Binds are further host paths shown in the sandbox: a toolchain in
	// /opt, a virtual environment, a shared cache.
	Binds []Bind
}

// Workspace is a [tools.Workspace] whose commands run in a bubblewrap
// sandbox; see the package documentation for what the sandbox holds. Its
// file side (Root, Resolve, FS, Lock) is a [tools.Local]'s. Close it to
// release the open root directory.
type Workspace struct {
	local *tools.Local
	bwrap string   // the bwrap program
	args  []string // bwrap's arguments, up to the command
	env   []string // set over the local workspace's environment
}

var _ tools.Workspace = (*Workspace)(nil)

// New returns a sandboxed workspace rooted at dir, an existing directory.
// It fails, with an error naming the fix, when bwrap is missing or cannot
// make a sandbox here (see [Available]), and on invalid options.
func New(dir string, opts *Options) (*Workspace, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.GoCaches < ReadOnly || o.GoCaches > Hidden {
		return nil, fmt.Errorf("bwrap: Options.GoCaches is %v; use ReadOnly, ReadWrite or Hidden", o.GoCaches)
	}
	for _, b := range o.Binds {
		if !filepath.IsAbs(b.Path) {
			return nil, fmt.Errorf("bwrap: Options.Binds: %q is not an absolute path", b.Path)
		}
		if _, err := os.Stat(b.Path); err != nil {
			return nil, fmt.Errorf("bwrap: Options.Binds: %w", err)
		}
	}
	for _, kv := range o.Env {
		if name, _, ok := strings.Cut(kv, "="); !ok || name == "" {
			return nil, fmt.Errorf("bwrap: Options.Env entry %q is not NAME=value", kv)
		}
	}
	local, err := tools.NewLocal(dir, &tools.LocalOptions{PassEnv: o.PassEnv})
	if err != nil {
		return nil, err
	}
	path, _ := exec.LookPath("bwrap") // found by Available
	w := &Workspace{local: local, bwrap: path}
	w.args, w.env = sandbox(local.Root(), o)
	w.env = append(w.env, o.Env...) // the caller's entries override the sandbox's
	return w, nil
}

// Root returns the root directory, at the same path inside the sandbox.
func (w *Workspace) Root() string { return w.local.Root() }

// Resolve maps p into the root; see [tools.Workspace].
func (w *Workspace) Resolve(p string) (string, error) { return w.local.Resolve(p) }

// FS returns the open root directory.
func (w *Workspace) FS() *os.Root { return w.local.FS() }

// Lock locks the file at rel; see [tools.Workspace].
func (w *Workspace) Lock(rel string) (unlock func()) { return w.local.Lock(rel) }

// Close closes the root directory. Sandboxes already started are not
// affected: they end with their commands.
func (w *Workspace) Close() error { return w.local.Close() }

// Command returns a command, not started, that runs name with args in a
// new sandbox, in the root, with the workspace's environment (scrubbed
// of credentials) plus env. The sandbox ends when the command's process
// ends or is killed: every process inside dies with it, setsid ones
// included. name is looked up on PATH inside the sandbox.
func (w *Workspace) Command(ctx context.Context, env []string, name string, args ...string) *exec.Cmd {
	all := slices.Concat(w.args, []string{"--", name}, args)
	return w.local.Command(ctx, slices.Concat(w.env, env), w.bwrap, all...)
}

// Args returns the bwrap arguments that set up the sandbox, before the
// command: for a look at what the sandbox holds, or to run bwrap by hand.
func (w *Workspace) Args() []string { return slices.Clone(w.args) }

// sandbox returns bwrap's arguments for a sandbox around root, and the
// environment entries the sandbox needs.
func sandbox(root string, o Options) (args, env []string) {
	a := []string{"--unshare-all", "--die-with-parent", "--new-session"}
	if o.Network {
		a = append(a, "--share-net")
	}
	// The system, read-only. On merged-/usr systems /bin, /lib… are links
	// into /usr, and are made links again.
	a = append(a, "--ro-bind", "/usr", "/usr")
	for _, d := range []string{"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"} {
		info, err := os.Lstat(d)
		switch {
		case err != nil:
		case info.Mode()&os.ModeSymlink != 0:
			if target, err := os.Readlink(d); err == nil {
				a = append(a, "--symlink", target, d)
			}
		case info.IsDir():
			a = append(a, "--ro-bind", d, d)
		}
	}
	a = append(a, "--ro-bind", "/etc", "/etc")
	for _, secret := range []string{"/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers"} {
		if info, err := os.Stat(secret); err == nil && info.Mode().IsRegular() {
			a = append(a, "--ro-bind", "/dev/null", secret)
		}
	}
	for _, secret := range []string{"/etc/ssh", "/etc/sudoers.d", "/etc/ssl/private"} {
		if info, err := os.Stat(secret); err == nil && info.IsDir() {
			a = append(a, "--tmpfs", secret)
		}
	}
	// Fresh kernel views and private scratch space.
	a = append(a, "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/var/tmp", "--tmpfs", "/run")
	env = append(env, "TMPDIR=/tmp")
	if o.Network {
		// A resolv.conf managed by a local resolver links into /run.
		if target, err := filepath.EvalSymlinks("/etc/resolv.conf"); err == nil && strings.HasPrefix(target, "/run/") {
			a = append(a, "--ro-bind", target, target)
		}
	}
	// An empty home: programs may keep their settings there for the
	// sandbox's life, and nothing of the user's shows.
	if home, err := os.UserHomeDir(); err == nil && filepath.IsAbs(home) {
		a = append(a, "--tmpfs", home)
		env = append(env, "HOME="+home)
	}
	gt := goToolchain()
	if gt.root != "" {
		a = append(a, "--ro-bind", gt.root, gt.root)
	}
	if o.GoCaches != Hidden {
		bind := "--ro-bind"
		if o.GoCaches == ReadWrite {
			bind = "--bind"
		}
		for _, c := range [][2]string{{"GOCACHE", gt.cache}, {"GOMODCACHE", gt.modCache}} {
			if c[1] == "" {
				continue
			}
			if o.GoCaches == ReadWrite {
				os.MkdirAll(c[1], 0o755)
			}
			if _, err := os.Stat(c[1]); err == nil {
				a = append(a, bind, c[1], c[1])
				env = append(env, c[0]+"="+c[1])
			}
		}
	}
	for _, b := range o.Binds {
		if b.Writable {
			a = append(a, "--bind", b.Path, b.Path)
		} else {
			a = append(a, "--ro-bind", b.Path, b.Path)
		}
	}
	// The root last, so that it shows through whatever holds it (/tmp, the
	// home directory).
	a = append(a, "--bind", root, root, "--chdir", root)
	return a, env
}

// goPaths are where the host's Go toolchain and caches are.
type goPaths struct{ root, cache, modCache string }

// goToolchain asks the host's go command, once, where its toolchain and
// caches are; all empty when there is no go command.
var goToolchain = sync.OnceValue(func() goPaths {
	out, err := exec.Command("go", "env", "GOROOT", "GOCACHE", "GOMODCACHE").Output()
	if err != nil {
		return goPaths{}
	}
	f := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(f) != 3 {
		return goPaths{}
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return "" // "off", or unset
	}
	return goPaths{root: abs(f[0]), cache: abs(f[1]), modCache: abs(f[2])}
})

// Available returns nil when bubblewrap can make sandboxes here, and
// otherwise an error naming the fix: bwrap is not installed, or the kernel
// does not let this user create namespaces. The check runs bwrap once per
// process; later calls return its result.
func Available() error { return available() }

var available = sync.OnceValue(func() error {
	path, err := exec.LookPath("bwrap")
	if err != nil {
		return fmt.Errorf("bwrap: bubblewrap is not installed (%w): install it with apt-get install bubblewrap (Debian, Ubuntu), dnf install bubblewrap (Fedora) or your system's package", err)
	}
	var stderr bytes.Buffer
	probe := exec.Command(path, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--", "true")
	probe.Stderr = &stderr
	if err := probe.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return namespaceError(msg)
	}
	return nil
})

// namespaceError explains bwrap's failure to start a sandbox.
func namespaceError(msg string) error {
	lower := strings.ToLower(msg)
	if strings.Contains(lower, "namespace") || strings.Contains(lower, "uid map") || strings.Contains(lower, "permission denied") || strings.Contains(lower, "operation not permitted") {
		return fmt.Errorf("bwrap: the kernel does not let this user create namespaces (%s): enable unprivileged user namespaces with sysctl -w kernel.unprivileged_userns_clone=1 (Debian) and sysctl -w user.max_user_namespaces=10000; on Ubuntu 23.10 and later also sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or give bwrap an AppArmor profile; inside a container, allow user namespaces (for Docker, a seccomp profile permitting them)", msg)
	}
	return errors.New("bwrap: bubblewrap cannot start a sandbox here: " + msg)
}
