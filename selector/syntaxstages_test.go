package selector_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/selector/syntax"
)

// calc returns the testdata project (one file, calc.py) and the candidate
// patches for it, each named by its file: fix1 and fix2 add the same
// zero check (fix2 with a comment and other spelling), fix3 fixes it
// another way, broken misses a colon, stale was made against another
// version of the file, tests only adds a test, scratch only a script.
func calc(t *testing.T, names ...string) (fstest.MapFS, []selector.Candidate) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "calc", "calc.py"))
	require.NoError(t, err)
	var out []selector.Candidate
	for _, name := range names {
		patch, err := os.ReadFile(filepath.Join("testdata", "calc", name+".diff"))
		require.NoError(t, err)
		out = append(out, selector.Candidate{ID: name, Patch: string(patch)})
	}
	return fstest.MapFS{"calc.py": {Data: src}}, out
}

func TestContentFilter(t *testing.T) {
	_, cs := calc(t, "fix1", "tests", "scratch")
	both := selector.Candidate{ID: "both", Patch: cs[0].Patch + cs[1].Patch}
	testAndScratch := selector.Candidate{ID: "test+scratch", Patch: cs[1].Patch + cs[2].Patch}
	cs = append(cs, both, testAndScratch,
		selector.Candidate{ID: "empty", Patch: ""},
		selector.Candidate{ID: "blank", Patch: " \n\t\n"},
		selector.Candidate{ID: "prose", Patch: "I fixed it by changing calc.py.\n"},
		selector.Candidate{ID: "mangled", Patch: "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,3 +1,3 @@\n-x\n"},
	)
	p := &selector.Pool{Candidates: cs}
	step, err := selector.ContentFilter{}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, "content_filter", step.Stage)
	assert.Equal(t, []string{"fix1", "both"}, idsOf(p.Candidates), "a fix that also adds tests stays")
	reasons := map[string]selector.Reason{}
	for _, d := range step.Dropped {
		reasons[d.Candidate] = d.Reason
	}
	assert.Equal(t, map[string]selector.Reason{
		"tests":        selector.ReasonTestsOnly,
		"scratch":      selector.ReasonScratchOnly,
		"test+scratch": selector.ReasonTestsOnly,
		"empty":        selector.ReasonEmpty,
		"blank":        selector.ReasonEmpty,
		"prose":        selector.ReasonEmpty,
		"mangled":      selector.ReasonMalformed,
	}, reasons)
	assert.Contains(t, step.Dropped[0].Detail, "tests/test_calc.py")
	assert.Contains(t, step.Dropped[1].Detail, "reproduce.py")
}

func TestApplyCheck(t *testing.T) {
	base, cs := calc(t, "fix1", "broken", "stale", "fix3")
	cs = append(cs, selector.Candidate{ID: "empty"})
	p := &selector.Pool{Base: base, Candidates: cs}
	step, err := selector.ApplyCheck{}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, "apply_check", step.Stage)
	assert.Equal(t, []string{"fix1", "fix3"}, idsOf(p.Candidates))
	require.Len(t, step.Dropped, 3)
	assert.Equal(t, "broken", step.Dropped[0].Candidate)
	assert.Equal(t, selector.ReasonSyntax, step.Dropped[0].Reason)
	assert.Contains(t, step.Dropped[0].Detail, "calc.py:6:")
	assert.Equal(t, "stale", step.Dropped[1].Candidate)
	assert.Equal(t, selector.ReasonNoApply, step.Dropped[1].Reason)
	assert.Contains(t, step.Dropped[1].Detail, "calc.py")
	assert.Equal(t, selector.Rejection{Candidate: "empty", Reason: selector.ReasonEmpty, Detail: step.Dropped[2].Detail}, step.Dropped[2])

	p = &selector.Pool{Candidates: cs}
	step, err = selector.ApplyCheck{}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Len(t, p.Candidates, len(cs), "without the original files nothing is checked")
	assert.Equal(t, []string{"the original files are not at hand: nothing checked"}, step.Notes)
}

func TestSyntaxCluster(t *testing.T) {
	tests := []struct {
		name     string
		full     bool
		stage    selector.SyntaxCluster
		clusters [][]string
		mode     string
	}{
		{"full-file", true, selector.SyntaxCluster{}, [][]string{{"fix1", "fix2", "both"}, {"fix3"}, {"tests"}}, "full-file"},
		{"patch-only", false, selector.SyntaxCluster{}, [][]string{{"fix1", "fix2", "both"}, {"fix3"}, {"tests"}}, "patch-only"},
		{"tests count when asked", true, selector.SyntaxCluster{Ignore: func(_ string, k syntax.FileKind) bool { return k == syntax.FileScratch }},
			[][]string{{"fix1", "fix2"}, {"fix3"}, {"tests"}, {"both"}}, "full-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, cs := calc(t, "fix1", "fix3", "tests", "fix2")
			cs = append(cs, selector.Candidate{ID: "both", Patch: cs[0].Patch + cs[2].Patch})
			p := &selector.Pool{Candidates: cs}
			if tt.full {
				p.Base = base
			}
			step, err := tt.stage.Run(t.Context(), p)
			require.NoError(t, err)
			assert.Equal(t, "syntax_cluster", step.Stage)
			assert.Equal(t, tt.mode, step.Mode)
			var got [][]string
			for _, cl := range p.Clusters {
				got = append(got, cl.Members)
			}
			assert.Equal(t, tt.clusters, got)
			assert.Equal(t, p.Clusters, step.Clusters)
			assert.Equal(t, []string{"fix1", "fix3", "tests", "fix2", "both"}, idsOf(p.Candidates), "clustering drops and reorders nothing")
		})
	}
}

// countingFS counts the times each file is read.
type countingFS struct {
	fsys  fs.FS
	mu    sync.Mutex
	reads map[string]int
}

func (c *countingFS) Open(name string) (fs.File, error) {
	c.mu.Lock()
	c.reads[name]++
	c.mu.Unlock()
	return c.fsys.Open(name)
}

// TestBaseReadOnce: the filters and syntax clustering read (and so parse)
// each original file once for the whole pool, not once per candidate.
func TestBaseReadOnce(t *testing.T) {
	base, cs := calc(t, "fix1", "fix2", "fix3", "broken")
	counted := &countingFS{fsys: base, reads: map[string]int{}}
	p, err := selector.NewPool("", counted, cs)
	require.NoError(t, err)
	d, err := selector.Selector{Stages: []selector.Stage{selector.ApplyCheck{}, selector.SyntaxCluster{}, selector.SyntaxVote{}}}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, "fix1", d.Winner)
	assert.Equal(t, 1, counted.reads["calc.py"], "calc.py read once for %d candidates", len(cs))
}
