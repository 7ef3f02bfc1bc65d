package selector

import (
	"context"
	"fmt"
	"runtime"
	"slices"

	"github.com/conclave-dev/conclave/selector/syntax"
)

// SyntaxCluster groups the candidates whose patches are equivalent up to
// comments, layout and the spelling of literals ([syntax.Normalize]): in
// full-file mode when the original files are at hand (Pool.Base), each
// patch applied and the changed files' syntax trees compared; otherwise in
// patch-only mode, the hunks' code compared token by token. A candidate
// whose patch cannot be normalised (it does not apply, say), or that has
// nothing left to compare once ignored files are left out, is a cluster of
// its own, with a note.
//
// Clusters are listed in pool order of their first member, members in pool
// order. Patches are normalised concurrently. The stage does not drop or
// reorder candidates. It is named "syntax_cluster".
type SyntaxCluster struct {
	// Ignore reports the changed files to leave out of the comparison.
	// Nil leaves out tests, scratch scripts and documentation, so that
	// candidates agree when they change the program alike, whatever tests
	// they wrote.
	Ignore func(path string, kind syntax.FileKind) bool
	// KeepDocstrings makes Python docstrings count; by default they are
	// left out, like comments.
	KeepDocstrings bool
}

// Run implements [Stage].
func (sc SyntaxCluster) Run(ctx context.Context, p *Pool) (*Step, error) {
	step := &Step{Stage: "syntax_cluster", Mode: syntax.ModePatchOnly.String(),
		Settings: &Settings{Ignored: "tests, scratch scripts and documentation", KeepDocstrings: sc.KeepDocstrings}}
	base := p.base()
	if base != nil {
		step.Mode = syntax.ModeFullFile.String()
	}
	opts := &syntax.Options{Ignore: sc.Ignore, KeepDocstrings: sc.KeepDocstrings}
	if opts.Ignore == nil {
		opts.Ignore = func(_ string, kind syntax.FileKind) bool {
			return kind == syntax.FileTest || kind == syntax.FileScratch || kind == syntax.FileDocs
		}
	} else {
		step.Settings.Ignored = "the files SyntaxCluster.Ignore chose"
	}
	outs, err := callAll(ctx, p.Calls, len(p.Candidates), runtime.GOMAXPROCS(0), 0, func(ctx context.Context, i int) (syntax.Key, error) {
		n, err := syntax.Normalize(ctx, base, p.Candidates[i].Patch, opts)
		if err != nil {
			return "", err
		}
		return n.Key, nil
	})
	if err != nil {
		return step, err
	}
	keys := make([]syntax.Key, len(outs))
	for i, o := range outs {
		id := p.Candidates[i].ID
		switch {
		case o.kind != "":
			step.Notes = append(step.Notes, fmt.Sprintf("%s: not compared: %s", id, o.detail))
		case o.val == "":
			step.Notes = append(step.Notes, fmt.Sprintf("%s: not compared: it changes only files left out of the comparison", id))
		}
		keys[i] = o.val
	}
	groups := syntax.Cluster(keys)
	slices.SortFunc(groups, func(a, b []int) int { return a[0] - b[0] })
	p.Clusters = make([]Cluster, len(groups))
	for i, g := range groups {
		p.Clusters[i].Key = string(keys[g[0]])
		for _, j := range g {
			p.Clusters[i].Members = append(p.Clusters[i].Members, p.Candidates[j].ID)
		}
	}
	step.Clusters = slices.Clone(p.Clusters)
	return step, nil
}
