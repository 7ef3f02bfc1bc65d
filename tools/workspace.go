package tools

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Workspace is the directory tree an agent works in and the way commands
// run there.
//
// File tools map the path a model wrote to a path relative to the root
// with Resolve, which refuses paths leading outside, and then do every
// operation through FS, an [os.Root]: the check and the use are one
// operation, so a symbolic link swapped in after Resolve (by a background
// job the model started, say) cannot lead a read or a write outside the
// root. Lock serialises the edits of one file across every tool of the
// workspace. Command builds a command that runs in the root.
//
// Commands get this process's environment scrubbed of credentials by
// [ScrubEnv], plus what the workspace was configured to pass. Where they
// run, and with which rights, is the implementation's: [Local] runs them
// as plain processes with the user's rights; package tools/bwrap runs them
// in a sandbox.
type Workspace interface {
	// Root is the absolute path of the workspace root, as the model and the
	// commands see it.
	Root() string
	// Resolve maps p, a path relative to the root or absolute, to the path
	// relative to the root ("." for the root itself) with the symbolic
	// links along its existing part evaluated, for use with FS and Lock. It
	// refuses, with an error the model can act on, a path that leads
	// outside the root lexically ("..") or through a symbolic link. The
	// path need not exist.
	Resolve(p string) (string, error)
	// FS is the root directory, open; file tools do every operation
	// through it. It stays open until the workspace is closed.
	FS() *os.Root
	// Lock locks the file at rel, a path returned by Resolve, against the
	// other tools of this workspace, and returns the function that unlocks
	// it. Edits hold the lock from reading a file to replacing it.
	Lock(rel string) (unlock func())
	// Command returns a command, not started, that runs name with args in
	// the root, with env added to the workspace's environment.
	Command(ctx context.Context, env []string, name string, args ...string) *exec.Cmd
}

// ErrOutsideRoot is wrapped by errors for paths that leave the workspace.
var ErrOutsideRoot = errors.New("path is outside the workspace")

// LocalOptions configure a [Local] workspace. A nil *LocalOptions means
// the defaults.
type LocalOptions struct {
	// Env is added to the environment of every command, as "NAME=value"
	// entries, secret-looking or not: the caller chose them.
	Env []string
	// PassEnv names variables of this process's environment that commands
	// get although [IsSecret] would drop them: the explicit allowlist
	// (e.g. "GOPROXY" with a password in it, or an API key a test suite
	// needs).
	PassEnv []string
}

// Local is a [Workspace] on this machine's file system whose commands run
// as local processes with the user's rights. Close it to release the open
// root directory.
type Local struct {
	root  string // absolute, symbolic links evaluated
	fsys  *os.Root
	opts  LocalOptions
	locks fileLocks
}

// NewLocal returns a Local workspace rooted at dir, which must be an
// existing directory. A nil opts means the defaults.
func NewLocal(dir string, opts *LocalOptions) (*Local, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("tools: workspace root %q: %w", dir, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("tools: workspace root %q: %w", dir, err)
	}
	info, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("tools: workspace root %q: %w", dir, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("tools: workspace root %q is not a directory", dir)
	}
	fsys, err := os.OpenRoot(real)
	if err != nil {
		return nil, fmt.Errorf("tools: workspace root %q: %w", dir, err)
	}
	w := &Local{root: real, fsys: fsys}
	if opts != nil {
		w.opts = LocalOptions{Env: slices.Clone(opts.Env), PassEnv: slices.Clone(opts.PassEnv)}
	}
	for _, kv := range w.opts.Env {
		if name, _, ok := strings.Cut(kv, "="); !ok || name == "" {
			fsys.Close()
			return nil, fmt.Errorf("tools: LocalOptions.Env entry %q is not NAME=value", kv)
		}
	}
	return w, nil
}

// Root returns the root directory.
func (w *Local) Root() string { return w.root }

// FS returns the open root directory.
func (w *Local) FS() *os.Root { return w.fsys }

// Lock locks the file at rel; see [Workspace].
func (w *Local) Lock(rel string) (unlock func()) { return w.locks.lock(rel) }

// Close closes the root directory; file tools fail after it. Commands
// already started are not affected.
func (w *Local) Close() error { return w.fsys.Close() }

// Resolve maps p into the root; see [Workspace].
func (w *Local) Resolve(p string) (string, error) {
	if p == "" {
		return "", errors.New("the path is empty; give a path inside " + w.root)
	}
	if strings.IndexByte(p, 0) >= 0 {
		return "", errors.New("the path contains a NUL byte")
	}
	full := p
	if !filepath.IsAbs(full) {
		full = filepath.Join(w.root, full)
	}
	full = filepath.Clean(full)
	if !within(w.root, full) {
		return "", fmt.Errorf("%w: %s is not inside %s; use a path inside the workspace", ErrOutsideRoot, p, w.root)
	}
	// Follow symbolic links along the part of the path that exists: each
	// must stay inside the root.
	real, err := evalExisting(full)
	if err != nil {
		return "", fmt.Errorf("resolving %s: %w", p, err)
	}
	if !within(w.root, real) {
		return "", fmt.Errorf("%w: %s leads to %s through a symbolic link; use a path inside %s", ErrOutsideRoot, p, real, w.root)
	}
	return filepath.Rel(w.root, real)
}

// Command returns a command running in the root, with this process's
// environment scrubbed by [ScrubEnv] (passing LocalOptions.PassEnv), then
// LocalOptions.Env, then env.
func (w *Local) Command(ctx context.Context, env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = w.root
	cmd.Env = slices.Concat(ScrubEnv(os.Environ(), w.opts.PassEnv), w.opts.Env, env)
	return cmd
}

// fileLocks are the per-file locks of a workspace, each kept while some
// tool holds or waits for it.
type fileLocks struct {
	mu    sync.Mutex
	files map[string]*fileLock
}

type fileLock struct {
	mu   sync.Mutex
	refs int // holders and waiters
}

func (l *fileLocks) lock(rel string) (unlock func()) {
	l.mu.Lock()
	if l.files == nil {
		l.files = map[string]*fileLock{}
	}
	f := l.files[rel]
	if f == nil {
		f = &fileLock{}
		l.files[rel] = f
	}
	f.refs++
	l.mu.Unlock()
	f.mu.Lock()
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Unlock()
			l.mu.Lock()
			if f.refs--; f.refs == 0 {
				delete(l.files, rel)
			}
			l.mu.Unlock()
		})
	}
}

// within reports whether path is root or below it; both are clean and
// absolute.
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// evalExisting evaluates the symbolic links of path as far as it exists,
// dangling links included (a create through one would write where it
// points), and appends the part that does not exist unchanged.
func evalExisting(path string) (string, error) {
	for range 40 {
		rest, cur := "", path
		for {
			info, err := os.Lstat(cur)
			if errors.Is(err, fs.ErrNotExist) {
				parent := filepath.Dir(cur)
				if parent == cur {
					return path, nil
				}
				rest, cur = filepath.Join(filepath.Base(cur), rest), parent
				continue
			}
			if err != nil {
				return "", err
			}
			if info.Mode()&fs.ModeSymlink == 0 {
				real, err := filepath.EvalSymlinks(cur)
				if err != nil {
					return "", err
				}
				return filepath.Join(real, rest), nil
			}
			target, err := os.Readlink(cur)
			if err != nil {
				return "", err
			}
			if !filepath.IsAbs(target) {
				dir, err := filepath.EvalSymlinks(filepath.Dir(cur))
				if err != nil {
					return "", err
				}
				target = filepath.Join(dir, target)
			}
			path = filepath.Join(target, rest)
			break
		}
	}
	return "", errors.New("too many levels of symbolic links")
}
