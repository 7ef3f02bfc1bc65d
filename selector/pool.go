package selector

import (
	"fmt"
	"io/fs"
	"maps"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/conclave-dev/conclave/selector/syntax"
)

// Candidate is one proposed patch.
type Candidate struct {
	// ID names the candidate: unique within a selection, non-empty, UTF-8.
	ID string `json:"id"`
	// Source names what produced the patch, a model or an agent; reliability
	// weights are looked up by it. "" means the ID.
	Source string `json:"source,omitempty"`
	// Patch is a unified git diff against the original files.
	Patch string `json:"patch"`
	// Meta is carried along for the caller; no stage reads it.
	Meta map[string]string `json:"meta,omitempty"`
}

// From returns the candidate's source: Source, or ID when Source is "".
func (c Candidate) From() string {
	if c.Source == "" {
		return c.ID
	}
	return c.Source
}

// Cluster is a group of candidates whose patches are equivalent.
type Cluster struct {
	// Key is the equivalence key the members share (from selector/syntax),
	// or "" for a candidate that could not be compared, alone in its
	// cluster.
	Key string `json:"key,omitempty"`
	// Members are candidate IDs in pool order.
	Members []string `json:"members"`
}

// Pool is the state the stages of a selection share and change: the
// candidates still in the running, how they cluster, how much each source
// weighs, and the winner once a stage decides. A [Selector] runs stages on
// a Pool and records what each did; a stage can also be run alone on a Pool
// literal.
//
// The order of Candidates is the pool's current ranking: stages that rank
// reorder it, ties are settled by it, and when no stage decides the first
// candidate wins.
//
// A Pool is not safe for concurrent use; stages run one at a time.
type Pool struct {
	// Issue is the task the candidates address, shown to judges and
	// verifiers.
	Issue string
	// Base holds the original files, paths relative to the project root;
	// nil means they are not at hand, and stages that need them work on
	// the patch text alone or say they were skipped. A selection checks
	// that its root can be read before any stage runs; stages read each
	// file once for the whole selection, from several goroutines at once.
	Base fs.FS
	// Seed drives every random choice (the order judges see candidates
	// in, random tie-breaks): the same Pool and Seed give the same
	// decision.
	Seed uint64
	// Calls, if set, makes the stages' concurrent calls (judges,
	// verifiers, test runners, the parser) and enforces their timeouts;
	// nil runs them on goroutines (see [Calls]). A workflow engine sets it
	// to run the calls as its own threads, so that a selection runs
	// inside a deterministic workflow with each judge's answer an
	// activity. The decision does not depend on it: outcomes are taken
	// by index, in the stage's order.
	Calls Calls

	Candidates []Candidate
	// Clusters groups Candidates; nil until a stage clusters them, and a
	// candidate in no cluster counts as a cluster of its own.
	Clusters []Cluster
	// SourceWeights holds each source's weight in votes where candidates
	// vote for their cluster; a source missing from it weighs 1.
	SourceWeights map[string]float64
	// Winner is the ID of the candidate a stage chose; once set, no
	// further stage runs.
	Winner string

	all     []Candidate // every candidate given, in order
	steps   []Step
	dropped []string     // IDs in the order they were dropped
	files   *syntax.Base // Base, read and parsed once for all stages
}

// NewPool returns a pool of the given candidates, checked: every ID must be
// non-empty, UTF-8 and unique, and base, unless nil, must be a tree whose
// root can be read (a directory that does not exist is an error here, not
// a reason to drop every candidate later). The pool keeps the slice.
func NewPool(issue string, base fs.FS, candidates []Candidate) (*Pool, error) {
	p := &Pool{Issue: issue, Base: base, Candidates: candidates}
	if err := p.start(); err != nil {
		return nil, err
	}
	return p, nil
}

// start records the candidates a selection starts with, once.
func (p *Pool) start() error {
	if p.all != nil {
		return nil
	}
	if len(p.Candidates) == 0 {
		return ErrNoCandidates
	}
	seen := make(map[string]bool, len(p.Candidates))
	for i, c := range p.Candidates {
		switch {
		case c.ID == "":
			return fmt.Errorf("selector: candidate %d has no ID: give every candidate a unique ID", i)
		case !utf8.ValidString(c.ID) || !utf8.ValidString(c.Source):
			return fmt.Errorf("selector: candidate %d, %q, has an ID or source that is not UTF-8: use UTF-8 names", i, c.ID)
		case seen[c.ID]:
			return fmt.Errorf("selector: candidate ID %q is used twice: give every candidate a unique ID", c.ID)
		}
		seen[c.ID] = true
	}
	if err := checkWeights("Pool.SourceWeights", p.SourceWeights); err != nil {
		return err
	}
	if p.Base != nil {
		if _, err := fs.ReadDir(p.Base, "."); err != nil {
			return fmt.Errorf("selector: the original files cannot be read: %w: give Pool.Base the project's root, or nil to compare the patches alone", err)
		}
	}
	p.all = slices.Clone(p.Candidates)
	return nil
}

// base returns the original files through a cache that reads and parses
// each file once for the whole selection, or nil without them.
func (p *Pool) base() fs.FS {
	if p.Base == nil {
		return nil
	}
	if p.files == nil {
		p.files = syntax.NewBase(p.Base)
	}
	return p.files
}

// weight returns c's weight in the pool.
func (p *Pool) weight(c Candidate) float64 {
	if w, ok := p.SourceWeights[c.From()]; ok {
		return w
	}
	return 1
}

// ids returns the IDs of the candidates in the running, in order.
func (p *Pool) ids() []string {
	ids := make([]string, len(p.Candidates))
	for i, c := range p.Candidates {
		ids[i] = c.ID
	}
	return ids
}

// byID returns the candidate in the running with the given ID.
func (p *Pool) byID(id string) (Candidate, bool) {
	for _, c := range p.Candidates {
		if c.ID == id {
			return c, true
		}
	}
	return Candidate{}, false
}

// groups returns the clusters of the candidates in the running, in pool
// order of their first member: p.Clusters with members no longer running
// left out, and a cluster of its own for each candidate in none.
func (p *Pool) groups() []Cluster {
	clusterOf := map[string]int{}
	for i, cl := range p.Clusters {
		for _, m := range cl.Members {
			if _, ok := clusterOf[m]; !ok {
				clusterOf[m] = i
			}
		}
	}
	var out []Cluster
	at := map[int]int{} // index in p.Clusters -> index in out
	for _, c := range p.Candidates {
		i, ok := clusterOf[c.ID]
		if !ok {
			out = append(out, Cluster{Members: []string{c.ID}})
			continue
		}
		j, ok := at[i]
		if !ok {
			j = len(out)
			at[i] = j
			out = append(out, Cluster{Key: p.Clusters[i].Key})
		}
		out[j].Members = append(out[j].Members, c.ID)
	}
	return out
}

// reorder puts the candidates in the order of ranking; those it leaves out
// follow in their current order.
func (p *Pool) reorder(ranking []string) {
	pos := make(map[string]int, len(ranking))
	for i, id := range ranking {
		if _, ok := pos[id]; !ok {
			pos[id] = i
		}
	}
	rank := func(c Candidate) int {
		if i, ok := pos[c.ID]; ok {
			return i
		}
		return len(ranking)
	}
	slices.SortStableFunc(p.Candidates, func(a, b Candidate) int { return rank(a) - rank(b) })
}

// retain keeps the candidates for which keep is true, in order.
func (p *Pool) retain(keep func(Candidate) bool) {
	p.Candidates = slices.DeleteFunc(slices.Clone(p.Candidates), func(c Candidate) bool { return !keep(c) })
}

func checkWeight(field, name string, w float64) error {
	if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
		return fmt.Errorf("selector: %s[%q] is %v: use a finite weight of 0 or more", field, name, w)
	}
	return nil
}

func checkWeights(field string, ws map[string]float64) error {
	for _, name := range slices.Sorted(maps.Keys(ws)) {
		if err := checkWeight(field, name, ws[name]); err != nil {
			return err
		}
	}
	return nil
}
