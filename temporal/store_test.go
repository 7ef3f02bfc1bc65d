package temporal_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/temporal"
)

func TestDirStore(t *testing.T) {
	s := temporal.DirStore(t.TempDir())
	ctx := t.Context()
	require.NoError(t, s.Put(ctx, "runs/a/task.json", []byte("one")))
	require.NoError(t, s.Put(ctx, "runs/a/round-1/decision.json", []byte("two")))
	require.NoError(t, s.Put(ctx, "runs/ab/task.json", []byte("other")))
	require.NoError(t, s.Put(ctx, "runs/a/task.json", []byte("three")))
	b, err := s.Get(ctx, "runs/a/task.json")
	require.NoError(t, err)
	assert.Equal(t, "three", string(b), "a put replaces")
	keys, err := s.List(ctx, "runs/a/")
	require.NoError(t, err)
	slices.Sort(keys)
	assert.Equal(t, []string{"runs/a/round-1/decision.json", "runs/a/task.json"}, keys, "a prefix ending in / is a directory")
	// A Put in progress elsewhere: its temporary file is not a key.
	require.NoError(t, os.WriteFile(filepath.Join(string(s), "runs", "a", ".task.json.123"), []byte("half"), 0o644))
	keys, err = s.List(ctx, "runs/a/")
	require.NoError(t, err)
	assert.Len(t, keys, 2, "a file being written is not listed")
	keys, err = s.List(ctx, "runs/nothing/")
	require.NoError(t, err)
	assert.Empty(t, keys)

	_, err = s.Get(ctx, "runs/b/task.json")
	assert.ErrorIs(t, err, temporal.ErrNotFound)
	for _, bad := range []string{"", "../x", "/etc/passwd", "a/../../x", `a\b`} {
		assert.ErrorContains(t, s.Put(ctx, bad, nil), "not a relative slash-separated path", bad)
	}
	for _, bad := range []string{".x", "runs/.task.json.1", "runs/.git/x"} {
		assert.ErrorContains(t, s.Put(ctx, bad, nil), "starting with a dot", bad)
	}
}

func TestCodec(t *testing.T) {
	store := temporal.DirStore(t.TempDir())
	codec := &temporal.Codec{Store: store, Threshold: 100}
	dc := temporal.NewDataConverter(codec)
	small, big := "a patch of a few bytes", strings.Repeat("a large patch line\n", 50)

	ps, err := dc.ToPayloads(small, big, big)
	require.NoError(t, err)
	p := ps.GetPayloads()
	assert.NotEqual(t, "conclave/blob-ref", string(p[0].GetMetadata()[converter.MetadataEncoding]), "a small payload stays in the history")
	assert.Equal(t, "conclave/blob-ref", string(p[1].GetMetadata()[converter.MetadataEncoding]), "a large one is a reference")
	assert.Less(t, len(p[1].GetData()), 100)
	assert.Equal(t, p[1].GetData(), p[2].GetData(), "the same content, the same key")
	keys, err := store.List(t.Context(), "payloads/")
	require.NoError(t, err)
	assert.Len(t, keys, 1, "stored once")

	var a, b, c string
	require.NoError(t, dc.FromPayloads(ps, &a, &b, &c))
	assert.Equal(t, []string{small, big, big}, []string{a, b, c})
	st := codec.Stats()
	assert.Positive(t, st.Inline)
	assert.Positive(t, st.Stored)

	require.NoError(t, os.RemoveAll(filepath.Join(string(store), "payloads")))
	err = dc.FromPayloads(&commonpb.Payloads{Payloads: p[1:2]}, &b)
	assert.ErrorContains(t, err, "not in the blob store")
}

func TestClones(t *testing.T) {
	origin, first := gittest.Repo(t, project)
	clones := &temporal.Clones{Dir: t.TempDir()}
	dir, err := clones.Get(t.Context(), origin, first)
	require.NoError(t, err)
	assert.Equal(t, first, strings.TrimSpace(gittest.Git(t, dir, "rev-parse", first+"^{commit}")))

	gittest.Write(t, origin, "README", "stats\n")
	gittest.Git(t, origin, "add", "-A")
	gittest.Git(t, origin, "commit", "-q", "-m", "readme")
	second := strings.TrimSpace(gittest.Git(t, origin, "rev-parse", "HEAD"))
	again, err := clones.Get(t.Context(), origin, second)
	require.NoError(t, err)
	assert.Equal(t, dir, again, "one clone per source")
	assert.Equal(t, second, strings.TrimSpace(gittest.Git(t, dir, "rev-parse", second+"^{commit}")), "a missing commit is fetched")

	_, err = clones.Get(t.Context(), "", first)
	assert.ErrorContains(t, err, "names no repository")
	_, err = clones.Get(t.Context(), filepath.Join(t.TempDir(), "nothing"), first)
	assert.ErrorContains(t, err, "cloning")
}
