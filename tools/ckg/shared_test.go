package ckg

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSharedParsesOnceAndForksApart(t *testing.T) {
	var s Shared
	roots := []string{writeTree(t, goRepo), writeTree(t, goRepo), writeTree(t, goRepo)}
	forks := make([]*Index, len(roots))
	var wg sync.WaitGroup
	for i, root := range roots {
		wg.Go(func() {
			ix, err := s.Fork(t.Context(), "tree-1", root)
			assert.NoError(t, err)
			forks[i] = ix
		})
	}
	wg.Wait()
	require.Len(t, s.bases, 1)
	base := s.bases["tree-1"].ix
	files := base.Stats().Files
	require.Positive(t, files)
	assert.Equal(t, files, base.Stats().Parsed, "the content is parsed once")
	for i, ix := range forks {
		require.NotNil(t, ix)
		st := ix.Stats()
		assert.Equal(t, files, st.Files, "fork %d", i)
		assert.Zero(t, st.Parsed, "fork %d parses nothing: every file has the base's content", i)
		assert.Equal(t, roots[i], ix.Root())
		assert.Equal(t, []string{"Server.Serve@a/a.go:7"}, names(ix.Definitions("Serve")))
	}

	// One agent's edit shows in its own view only.
	writeFile(t, roots[0], "a/a.go", goRepo["a/a.go"]+"\nfunc Added() {}\n")
	st, err := forks[0].Refresh(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 1, st.Parsed)
	assert.Len(t, forks[0].Definitions("Added"), 1)
	_, err = forks[1].Refresh(t.Context())
	require.NoError(t, err)
	assert.Empty(t, forks[1].Definitions("Added"))

	// A later fork starts from the commit, not from the edited tree the
	// base was first built from.
	late, err := s.Fork(t.Context(), "tree-1", writeTree(t, goRepo))
	require.NoError(t, err)
	assert.Empty(t, late.Definitions("Added"))
	assert.Zero(t, late.Stats().Parsed)
}

func TestForkParsesOnlyWhatDiffers(t *testing.T) {
	base := openTest(t, writeTree(t, goRepo), &Options{NoCache: true})
	other := map[string]string{}
	for p, src := range goRepo {
		other[p] = src
	}
	other["b/b.go"] += "\nfunc Extra() {}\n"
	delete(other, "py/noimport.py")
	fork, err := base.Fork(t.Context(), writeTree(t, other))
	require.NoError(t, err)
	st := fork.Stats()
	assert.Equal(t, 1, st.Parsed)
	assert.Equal(t, 1, st.Removed)
	assert.Len(t, fork.Definitions("Extra"), 1)
	assert.Empty(t, base.Definitions("Extra"))
	assert.Empty(t, fork.CachePath(), "a fork keeps no cache file")
}

func TestSharedFailedBuildIsRetried(t *testing.T) {
	var s Shared
	ctx, cancel := context.WithCancelCause(t.Context())
	cancel(errors.New("gave up"))
	root := writeTree(t, goRepo)
	_, err := s.Fork(ctx, "k", root)
	require.ErrorContains(t, err, "gave up")
	ix, err := s.Fork(t.Context(), "k", root)
	require.NoError(t, err)
	assert.NotEmpty(t, ix.Definitions("Serve"))

	_, err = s.Fork(t.Context(), "", root)
	require.ErrorContains(t, err, "needs a key")
	s.Forget("k")
	assert.Empty(t, s.bases)
}
