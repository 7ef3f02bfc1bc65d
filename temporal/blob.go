package temporal

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/conclave-dev/conclave/internal/atomicfile"
)

// ErrNotFound is wrapped by a Store's Get of a key it does not hold.
var ErrNotFound = errors.New("temporal: no such blob")

// Store holds what a run makes that is too large for a workflow's
// history: patches, Decisions, trajectories, every record of the run
// directories, and the payloads the codec ([NewDataConverter]) moves out
// of the history. Keys are slash-separated paths of safe names. Every
// worker and the client of a deployment must share one Store (a
// directory on a shared file system, an S3 bucket behind this
// interface).
type Store interface {
	// Put stores b at key, replacing what was there, atomically: a
	// reader sees the old blob or the new one, never part of one.
	Put(ctx context.Context, key string, b []byte) error
	// Get returns the blob at key; an error wrapping [ErrNotFound] when
	// there is none.
	Get(ctx context.Context, key string) ([]byte, error)
	// List returns the keys under prefix (a key or a "dir/" prefix), in
	// no particular order.
	List(ctx context.Context, prefix string) ([]string, error)
}

// DirStore is a Store in a directory: key "a/b" is the file a/b under it.
type DirStore string

// MaxBlob bounds the blobs a DirStore reads, so a corrupt store cannot
// exhaust memory.
const MaxBlob = 256 << 20

func (d DirStore) file(key string) (string, error) {
	if key == "" || !fs.ValidPath(key) || strings.Contains(key, "\\") {
		return "", fmt.Errorf("temporal: blob key %q is not a relative slash-separated path", key)
	}
	if strings.HasPrefix(key, ".") || strings.Contains(key, "/.") {
		return "", fmt.Errorf("temporal: blob key %q has a name starting with a dot, which the store keeps for files being written: rename it", key)
	}
	return filepath.Join(string(d), filepath.FromSlash(key)), nil
}

// Put implements Store.
func (d DirStore) Put(_ context.Context, key string, b []byte) error {
	p, err := d.file(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("temporal: blob store: %w", err)
	}
	if err := atomicfile.Write(p, b); err != nil {
		return fmt.Errorf("temporal: blob store: %s: %w", key, err)
	}
	return nil
}

// Get implements Store.
func (d DirStore) Get(_ context.Context, key string) ([]byte, error) {
	p, err := d.file(key)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s in %s", ErrNotFound, key, string(d))
	}
	if err != nil {
		return nil, fmt.Errorf("temporal: blob store: %w", err)
	}
	if st.Size() > MaxBlob {
		return nil, fmt.Errorf("temporal: blob store: %s is %d bytes, over the bound of %d", key, st.Size(), MaxBlob)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("temporal: blob store: %w", err)
	}
	return b, nil
}

// List implements Store.
func (d DirStore) List(_ context.Context, prefix string) ([]string, error) {
	dir := path.Dir(strings.TrimSuffix(prefix, "/") + "/x")
	if prefix == "" {
		dir = "."
	}
	root := filepath.Join(string(d), filepath.FromSlash(dir))
	var keys []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			return nil // a Put's temporary file (no key starts with a dot)
		}
		rel, err := filepath.Rel(string(d), p)
		if err != nil {
			return err
		}
		if key := filepath.ToSlash(rel); strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("temporal: blob store: %w", err)
	}
	return keys, nil
}
