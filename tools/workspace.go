package tools

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Workspace is the directory tree an agent works in and the way commands
// run there.
//
// File tools touch only paths that Resolve accepts; Resolve maps the path a
// model wrote to a path on this machine and refuses anything outside the
// root. Command builds a command that runs in the root: a local process, or
// in a container a "docker exec" of the container's shell (whose root is
// then bind-mounted at the path Resolve returns).
//
// The confinement guards against a model's mistakes, not against a hostile
// process: a shell command runs with the rights of its user. Run agents in a
// container to isolate them.
type Workspace interface {
	// Root is the absolute path of the workspace root, as the model sees it.
	Root() string
	// Resolve returns the local path for p, a path relative to the root or
	// absolute. It refuses, with an error the model can act on, a path that
	// leads outside the root lexically ("..") or through a symbolic link.
	// The path need not exist.
	Resolve(p string) (string, error)
	// Command returns a command, not started, that runs name with args in
	// the root, with env added to the workspace's environment.
	Command(ctx context.Context, env []string, name string, args ...string) *exec.Cmd
}

// ErrOutsideRoot is wrapped by errors for paths that leave the workspace.
var ErrOutsideRoot = errors.New("path is outside the workspace")

// Local is a [Workspace] on this machine's file system.
type Local struct {
	root string // absolute, symbolic links evaluated
	env  []string
}

// NewLocal returns a Local workspace rooted at dir, which must be an
// existing directory. Commands inherit this process's environment plus env.
func NewLocal(dir string, env ...string) (*Local, error) {
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
	return &Local{root: real, env: env}, nil
}

// Root returns the root directory.
func (w *Local) Root() string { return w.root }

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
	return full, nil
}

// Command returns a command running in the root.
func (w *Local) Command(ctx context.Context, env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = w.root
	cmd.Env = append(append(os.Environ(), w.env...), env...)
	return cmd
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
