package temporal

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/conclave-dev/conclave/internal/atomicfile"
)

// mirror keeps a task's run directory on a worker in step with the
// Store: before an activity, the records other workers made are fetched
// (pull); after it, the files the activity made or changed are stored
// (push). The conclave package's records are written whole and once, so
// a record fetched is final, and a stage whose record is there is not
// made again: that is what makes an activity retried on another worker
// cost nothing twice.
type mirror struct {
	store  Store
	prefix string // "runs/<task>/"
	dir    string
}

// state is what a run directory held: size and time by slash path.
type state map[string]fileState

type fileState struct {
	size int64
	mod  time.Time
}

// pull fetches the records in the Store that the directory lacks, and
// returns what the directory then holds.
func (m mirror) pull(ctx context.Context) (state, error) {
	keys, err := m.store.List(ctx, m.prefix)
	if err != nil {
		return nil, err
	}
	for _, key := range keys {
		rel := strings.TrimPrefix(key, m.prefix)
		p := filepath.Join(m.dir, filepath.FromSlash(rel))
		if _, err := os.Stat(p); err == nil {
			continue
		}
		b, err := m.store.Get(ctx, key)
		if err != nil {
			return nil, err
		}
		if err := writeAtomic(p, b); err != nil {
			return nil, err
		}
	}
	return m.scan()
}

// push stores the files that are new or changed since before.
func (m mirror) push(ctx context.Context, before state) error {
	now, err := m.scan()
	if err != nil {
		return err
	}
	for rel, st := range now {
		if old, ok := before[rel]; ok && old == st {
			continue
		}
		b, err := os.ReadFile(filepath.Join(m.dir, filepath.FromSlash(rel)))
		if err != nil {
			return fmt.Errorf("temporal: run directory: %w", err)
		}
		if err := m.store.Put(ctx, m.prefix+rel, b); err != nil {
			return err
		}
	}
	return nil
}

// scan lists the directory's files, leaving out temporary ones.
func (m mirror) scan() (state, error) {
	out := state{}
	err := filepath.WalkDir(m.dir, func(p string, e fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // no directory yet, or a file gone since it was listed
		}
		if err != nil {
			return err
		}
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			return nil
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(m.dir, p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = fileState{size: info.Size(), mod: info.ModTime()}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("temporal: run directory: %w", err)
	}
	return out, nil
}

func writeAtomic(p string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("temporal: run directory: %w", err)
	}
	if err := atomicfile.Write(p, b); err != nil {
		return fmt.Errorf("temporal: run directory: %w", err)
	}
	return nil
}
