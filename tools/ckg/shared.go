package ckg

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/conclave-dev/conclave/tools"
)

// Fork returns an index of the tree at root that starts from ix's
// contents, for a tree holding mostly the same files, such as another
// checkout of the same commit: its first refresh reads and hashes the
// files but parses only those whose content differs from ix's. The two
// indexes are independent afterwards: a refresh of one never shows in the
// other. A fork lives in memory (it keeps no cache file) and takes ix's
// MaxFileSize and Workers.
//
// Fork blocks until its first refresh is done or ctx is done.
func (ix *Index) Fork(ctx context.Context, root string) (*Index, error) {
	fork, err := newIndex(root, &Options{NoCache: true, MaxFileSize: ix.opts.MaxFileSize, Workers: ix.opts.Workers})
	if err != nil {
		return nil, err
	}
	ix.mu.RLock()
	files := slices.Collect(maps.Values(ix.files)) // immutable: shared, not copied
	ix.mu.RUnlock()
	slices.SortFunc(files, func(a, b *fileData) int { return strings.Compare(a.path, b.path) })
	fork.mu.Lock()
	fork.apply(files, nil)
	fork.mu.Unlock()
	if _, err := fork.Refresh(ctx); err != nil {
		return nil, err
	}
	return fork, nil
}

// Shared builds the index of each content once and forks it for every
// tree that holds that content: the worktrees of one base commit, one per
// agent, share one parse of the commit, and each agent's refreshes see
// only its own edits. Content is named by a key the caller chooses, such
// as the git tree id of the commit checked out; trees given the same key
// must hold the same files.
//
// The zero value is ready to use, with default Options. Shared keeps every
// index it builds in memory, without a cache file, until Forget; it is
// safe for concurrent use.
type Shared struct {
	// Options configure the indexes built (MaxFileSize, Workers); nil
	// means defaults. Cache settings are ignored: the trees are many
	// copies of one content, often temporary, so nothing is persisted.
	Options *Options

	mu    sync.Mutex
	bases map[string]*sharedBase
}

// sharedBase is the index of one key, built once.
type sharedBase struct {
	done chan struct{} // closed when ix or err is set
	ix   *Index
	err  error
}

// Fork returns an index of the tree at root, forked (see [Index.Fork])
// from the index of key. The first call for a key builds that index from
// root; calls for the same key meanwhile wait for it. A build that fails
// is not kept, so a later call tries again.
func (s *Shared) Fork(ctx context.Context, key, root string) (*Index, error) {
	if key == "" {
		return nil, fmt.Errorf("ckg: Shared.Fork needs a key naming the tree's content, such as its git tree id")
	}
	for {
		b, mine := s.base(key)
		if mine {
			opts := Options{}
			if s.Options != nil {
				opts = *s.Options
			}
			opts.NoCache = true // the tree is one of many with this content, often temporary
			b.ix, b.err = Open(ctx, root, &opts)
			if b.err != nil {
				s.Forget(key)
			}
			close(b.done)
		}
		select {
		case <-b.done:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
		switch {
		case b.err == nil:
			return b.ix.Fork(ctx, root)
		case mine || ctx.Err() != nil:
			return nil, b.err
		}
		// Another caller's build failed, perhaps for its own context:
		// build it here.
	}
}

// base returns the entry of key, and whether the caller made it and so
// must build it.
func (s *Shared) base(key string) (*sharedBase, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.bases[key]; ok {
		return b, false
	}
	if s.bases == nil {
		s.bases = map[string]*sharedBase{}
	}
	b := &sharedBase{done: make(chan struct{})}
	s.bases[key] = b
	return b, true
}

// Forget drops the index of key; forks made from it are unaffected.
func (s *Shared) Forget(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.bases, key)
}

// NewToolIndex returns the ckg tool over ws serving ix, an index of ws's
// root (typically a fork from [Shared]), refreshed before every command.
func NewToolIndex(ws tools.Workspace, ix *Index) *Tool {
	t := NewTool(ws, nil)
	t.ix = ix
	return t
}
