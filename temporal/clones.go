package temporal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/conclave-dev/conclave/internal/gitx"
)

// Clones is a worker's cache of repository clones: the first activity of
// a repository clones it (without a checkout), later ones find it, and
// fetch a commit it does not hold yet. Agents work in worktrees of the
// clone, made by the conclave package, so a worker clones each
// repository once however many tasks and candidates it runs.
//
// Clones is safe for concurrent use within a process; two processes
// sharing a directory clone to temporary names and rename, so the loser
// of a race finds the winner's clone.
type Clones struct {
	// Dir holds the clones, one directory per source.
	Dir string

	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

var commitID = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)

// Get returns the directory of a clone of source (a URL, or a directory)
// that holds commit base, cloning or fetching as needed. base "" or a
// ref name is resolved by the clone as it stands.
func (c *Clones) Get(ctx context.Context, source, base string) (string, error) {
	if source == "" {
		return "", errors.New("temporal: the task names no repository: set Task.Repo to a URL or directory to clone")
	}
	if c.Dir == "" {
		return "", errors.New("temporal: Clones.Dir is empty: name the directory where workers keep clones")
	}
	sum := sha256.Sum256([]byte(source))
	name := cloneName(source) + "-" + hex.EncodeToString(sum[:6])
	dir, err := filepath.Abs(filepath.Join(c.Dir, name))
	if err != nil {
		return "", fmt.Errorf("temporal: clone cache: %w", err)
	}
	mu := c.lock(dir)
	mu.Lock()
	defer mu.Unlock()
	if _, err := os.Stat(filepath.Join(dir, ".git")); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(c.Dir, 0o755); err != nil {
			return "", fmt.Errorf("temporal: clone cache: %w", err)
		}
		tmp, err := os.MkdirTemp(c.Dir, ".clone-*")
		if err != nil {
			return "", fmt.Errorf("temporal: clone cache: %w", err)
		}
		defer os.RemoveAll(tmp)
		if _, err := gitx.Git(ctx, c.Dir, "clone", "--quiet", "--no-checkout", source, tmp); err != nil {
			return "", fmt.Errorf("temporal: cloning %s: %w", source, err)
		}
		if err := os.Rename(tmp, dir); err != nil {
			if _, serr := os.Stat(filepath.Join(dir, ".git")); serr != nil {
				return "", fmt.Errorf("temporal: clone cache: %w", err)
			}
		}
	}
	if commitID.MatchString(base) {
		if _, err := gitx.Git(ctx, dir, "cat-file", "-e", base+"^{commit}"); err != nil {
			if _, err := gitx.Git(ctx, dir, "fetch", "--quiet", "origin", base); err != nil {
				return "", fmt.Errorf("temporal: the commit %s is not in %s: %w", base, source, err)
			}
		}
	}
	return dir, nil
}

func (c *Clones) lock(dir string) *sync.Mutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.locks == nil {
		c.locks = map[string]*sync.Mutex{}
	}
	mu, ok := c.locks[dir]
	if !ok {
		mu = &sync.Mutex{}
		c.locks[dir] = mu
	}
	return mu
}

// cloneName is a readable name for a source: its last two path elements,
// safe characters only.
func cloneName(source string) string {
	s := strings.TrimSuffix(strings.TrimRight(source, "/"), ".git")
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == ':' || r == '\\' })
	if len(parts) > 2 {
		parts = parts[len(parts)-2:]
	}
	b := []byte(strings.Join(parts, "__"))
	for i, ch := range b {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' || ch == '.') {
			b[i] = '_'
		}
	}
	if len(b) > 60 {
		b = b[len(b)-60:]
	}
	return strings.TrimLeft(string(b), ".")
}
