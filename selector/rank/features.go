package rank

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/conclave-dev/conclave/selector/syntax"
	"github.com/conclave-dev/conclave/vote"
)

// Feature is one number known about a candidate in its pool. Features are
// computed from the patches, the sources' track records and, when a
// selection has them, test results and judge votes; never from outcomes.
// A Feature encodes as its name, such as "line_jaccard".
type Feature uint8

// The features, by group. Counts are taken over the whole patch; the
// comparisons with other candidates (agreement) leave out tests and scratch
// scripts, on which candidates differ whatever their fix.
const (
	// TrackRecord is the source's record as log-odds, log((R+1)/(W+1)) for
	// R instances resolved and W not: 0 for a source without a record.
	TrackRecord Feature = iota

	// LinesAdded and LinesRemoved are log(1+n) of the lines the patch adds
	// and removes; Files and Hunks log(1+n) of the files it changes and
	// its hunks. SizeFromMedian is how far its size (lines added and
	// removed) lies from the pool's median, |log((n+1)/(median+1))|: 0 for
	// a typical patch, large for an outlier either way.
	LinesAdded
	LinesRemoved
	Files
	Hunks
	SizeFromMedian

	// SameFiles is the share of the other candidates that change the same
	// set of files; HunkOverlap the share with a hunk that replaces
	// lines of the same file this patch replaces; LineJaccard the mean,
	// over the other candidates, of the Jaccard similarity of the sets
	// of changed lines (each with its sign, white space removed);
	// ClusterShare the share in the same cluster of equivalent patches
	// (Candidate.Cluster). With no other candidate they are 0.
	SameFiles
	HunkOverlap
	LineJaccard
	ClusterShare

	// The flags are 0 or 1. TestsOnly: the patch changes files but none
	// outside tests and scratch scripts. AddsScratch: it adds a throwaway
	// script (syntax.Classify). TouchesTests: it changes a test file.
	// Unbalanced: it adds more opening than closing brackets of a kind, or
	// fewer, in some file, or it is not a well-formed diff. Empty: it
	// changes no file.
	TestsOnly
	AddsScratch
	TouchesTests
	Unbalanced
	Empty

	// The signals come from the rest of a selection, when it has them:
	// Regressions is log(1+n) of the n regression tests the candidate
	// broke, tests that passed on the original files
	// (Candidate.Regressions); Approval is the share of the judges' weight
	// that approved it (Candidate.Approval). Without tests or judges they
	// are 0 for every candidate of a pool, and then count for nothing in
	// its ranking.
	Regressions
	Approval

	numFeatures
)

// Group is a family of features, for leaving one out in an ablation.
type Group string

const (
	GroupTrackRecord Group = "track_record"
	GroupSize        Group = "size"
	GroupAgreement   Group = "agreement"
	GroupFlags       Group = "flags"
	GroupSignals     Group = "signals"
)

var featureNames = [numFeatures]string{
	TrackRecord: "track_record",
	LinesAdded:  "lines_added", LinesRemoved: "lines_removed", Files: "files", Hunks: "hunks", SizeFromMedian: "size_from_median",
	SameFiles: "same_files", HunkOverlap: "hunk_overlap", LineJaccard: "line_jaccard", ClusterShare: "cluster_share",
	TestsOnly: "tests_only", AddsScratch: "adds_scratch", TouchesTests: "touches_tests", Unbalanced: "unbalanced", Empty: "empty",
	Regressions: "regressions", Approval: "approval",
}

// Features returns every feature, in order.
func Features() []Feature {
	out := make([]Feature, numFeatures)
	for i := range out {
		out[i] = Feature(i)
	}
	return out
}

// String returns the feature's name.
func (f Feature) String() string {
	if f < numFeatures {
		return featureNames[f]
	}
	return fmt.Sprintf("feature(%d)", uint8(f))
}

// MarshalText encodes f as its name.
func (f Feature) MarshalText() ([]byte, error) {
	if f >= numFeatures {
		return nil, fmt.Errorf("rank: no feature %d", uint8(f))
	}
	return []byte(f.String()), nil
}

// UnmarshalText decodes a feature's name.
func (f *Feature) UnmarshalText(text []byte) error {
	for i, n := range featureNames {
		if n == string(text) {
			*f = Feature(i)
			return nil
		}
	}
	return fmt.Errorf("rank: unknown feature %q: the features are %s", text, strings.Join(featureNames[:], ", "))
}

// Group returns the family the feature belongs to.
func (f Feature) Group() Group {
	switch {
	case f == TrackRecord:
		return GroupTrackRecord
	case f <= SizeFromMedian:
		return GroupSize
	case f <= ClusterShare:
		return GroupAgreement
	case f <= Empty:
		return GroupFlags
	}
	return GroupSignals
}

// Without returns every feature outside the given groups, in order: the
// features of an ablation.
func Without(groups ...Group) []Feature {
	return slices.DeleteFunc(Features(), func(f Feature) bool { return slices.Contains(groups, f.Group()) })
}

// Vector holds a candidate's features, indexed by [Feature].
type Vector [numFeatures]float64

// Map returns the features as a map by name, for evidence.
func (v Vector) Map() map[string]float64 {
	m := make(map[string]float64, len(v))
	for i, x := range v {
		m[featureNames[i]] = x
	}
	return m
}

// Candidate is what the features of one candidate are computed from.
type Candidate struct {
	// Source is the model or agent that wrote the patch; its track record
	// is looked up by it.
	Source string
	// Patch is a unified diff.
	Patch string
	// Cluster names the candidate's group of equivalent patches, such as
	// a syntax cluster's key; candidates with the same non-empty Cluster
	// are equivalent, and "" is a group of its own.
	Cluster string
	// Regressions counts the regression tests the candidate broke;
	// Approval is the share of the judges' weight that approved it, from
	// 0 to 1. Both are zero when a selection has no tests or judges.
	Regressions int
	Approval    float64
}

// Extract computes the features of every candidate of a pool, in order,
// with each source's track record from records (a source missing from it
// has none). It reads no outcome and calls no model; it is deterministic,
// safe for concurrent use, and takes time linear in the patches' size plus
// quadratic in the number of candidates, for the comparisons. Any text is
// a patch: what is not a well-formed diff sets [Unbalanced].
func Extract(pool []Candidate, records map[string]vote.Record) []Vector {
	shapes := make([]shape, len(pool))
	for i, c := range pool {
		shapes[i] = scan(c.Patch)
	}
	return extract(pool, shapes, records)
}

func extract(pool []Candidate, shapes []shape, records map[string]vote.Record) []Vector {
	n := len(pool)
	out := make([]Vector, n)
	sizes := make([]float64, n)
	fileSets := make([]string, n)
	for i, s := range shapes {
		sizes[i] = float64(s.added + s.removed)
		var paths []string
		for _, f := range s.files {
			if f.code() {
				paths = append(paths, f.path)
			}
		}
		slices.Sort(paths)
		fileSets[i] = strings.Join(slices.Compact(paths), "\x00")
	}
	median := medianOf(sizes)
	for i, c := range pool {
		s := &shapes[i]
		v := &out[i]
		v[TrackRecord] = TrackRecordOf(records[c.Source])
		v[LinesAdded] = math.Log1p(float64(s.added))
		v[LinesRemoved] = math.Log1p(float64(s.removed))
		v[Files] = math.Log1p(float64(len(s.files)))
		v[Hunks] = math.Log1p(float64(s.hunks))
		v[SizeFromMedian] = math.Abs(math.Log((sizes[i] + 1) / (median + 1)))
		if n > 1 {
			others := float64(n - 1)
			for j := range pool {
				if j == i {
					continue
				}
				if fileSets[i] == fileSets[j] {
					v[SameFiles]++
				}
				if overlap(s, &shapes[j]) {
					v[HunkOverlap]++
				}
				v[LineJaccard] += jaccard(s, &shapes[j])
				if c.Cluster != "" && c.Cluster == pool[j].Cluster {
					v[ClusterShare]++
				}
			}
			v[SameFiles] /= others
			v[HunkOverlap] /= others
			v[LineJaccard] /= others
			v[ClusterShare] /= others
		}
		code := false
		for _, f := range s.files {
			switch f.kind {
			case syntax.FileTest:
				v[TouchesTests] = 1
			case syntax.FileScratch:
				v[AddsScratch] = 1
			default:
				code = true
			}
			if f.brackets != [3]int{} {
				v[Unbalanced] = 1
			}
		}
		if s.malformed {
			v[Unbalanced] = 1
		}
		if len(s.files) > 0 && !code {
			v[TestsOnly] = 1
		}
		if s.added+s.removed == 0 && !changesFiles(s) {
			v[Empty] = 1
		}
		v[Regressions] = math.Log1p(float64(max(c.Regressions, 0)))
		v[Approval] = c.Approval
	}
	return out
}

// TrackRecordOf is the [TrackRecord] feature of a source with record r.
func TrackRecordOf(r vote.Record) float64 {
	return math.Log(float64(r.Right+1) / float64(r.Wrong+1))
}

// changesFiles reports whether a patch without changed lines still
// changes a file: creates, deletes or renames one, or changes its mode.
func changesFiles(s *shape) bool {
	for _, f := range s.files {
		if f.isNew || f.path != "" && len(f.hunks) == 0 {
			return true
		}
	}
	return false
}

// overlap reports whether a hunk of a replaces lines of a code file that a
// hunk of b replaces.
func overlap(a, b *shape) bool {
	for _, fa := range a.files {
		if !fa.code() {
			continue
		}
		for _, fb := range b.files {
			if fb.path != fa.path {
				continue
			}
			for _, ha := range fa.hunks {
				for _, hb := range fb.hunks {
					if ha.from < hb.to && hb.from < ha.to {
						return true
					}
				}
			}
		}
	}
	return false
}

// jaccard is the Jaccard similarity of the changed lines of the code files
// of a and b, 0 when neither changes any.
func jaccard(a, b *shape) float64 {
	both, either := 0, 0
	for _, fa := range a.files {
		if fa.code() {
			either += len(fa.lines)
		}
	}
	for _, fb := range b.files {
		if !fb.code() {
			continue
		}
		either += len(fb.lines)
		for _, fa := range a.files {
			if fa.code() && fa.path == fb.path {
				both += common(fa.lines, fb.lines)
			}
		}
	}
	if either == 0 {
		return 0
	}
	// A file listed twice in a patch could count its lines twice.
	return min(1, float64(both)/float64(max(1, either-both)))
}

// common counts the values two sorted lists share.
func common(a, b []uint64) int {
	n := 0
	for len(a) > 0 && len(b) > 0 {
		switch {
		case a[0] < b[0]:
			a = a[1:]
		case a[0] > b[0]:
			b = b[1:]
		default:
			n++
			a, b = a[1:], b[1:]
		}
	}
	return n
}

func medianOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
