package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/conclave-dev/conclave/internal/atomicfile"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/selector/rank"
)

const trainUsage = `--history FILE --out FILE [--sources FILE] [--without GROUPS] [--seed N]

Trains the ranker of conclave select --ranker from past pools with their
outcomes: --history holds candidate lines {"instance_id", "candidate_id",
"source", "patch", "resolved"} (the bench's own format; "source" defaults
to the candidate_id), optionally with "regressions" (the regression tests
the candidate broke) and "approval" (the share of judges that approved it,
0 to 1), so that tests and judges get learned weights beside the patch
features. Lines {"source", "resolved"} add to the sources' track records.
--sources holds original files as for conclave select.

Each pool is clustered as conclave select clusters it, every candidate's
features are computed from its pool (selector/rank documents them), and a
pairwise logistic ranker is fitted with its L2 strength chosen by 5-fold
cross-validation by instance, the folds drawn from --seed. --without
leaves out groups of features: track_record, size, agreement, flags,
signals, comma-separated. The model, with the track records it was
trained with, is written to --out as JSON; a summary goes to stderr. The
same input and seed give the same model, byte for byte.`

func runSelectTrain(ctx context.Context, args []string, stderr io.Writer) error {
	fl := newFlags("select train", trainUsage, stderr)
	historyPath := fl.String("history", "", "past pools with outcomes, JSONL (required)")
	out := fl.String("out", "", "where to write the model, JSON (required)")
	sources := fl.String("sources", "", "the original files, JSONL")
	without := fl.String("without", "", "feature groups to leave out, comma-separated")
	seed := fl.Uint64("seed", 1, "the seed for the cross-validation folds")
	if err := parse(fl, args); err != nil {
		return err
	}
	switch {
	case *historyPath == "":
		return usagef("--history is required: the JSONL file of past candidates with their outcomes")
	case *out == "":
		return usagef("--out is required: the JSON file to write the model to")
	}
	features, err := featuresWithout(*without)
	if err != nil {
		return err
	}
	h, err := readHistory(*historyPath)
	if err != nil {
		return err
	}
	if *sources != "" {
		if err := readSources(*sources, h.pools); err != nil {
			return err
		}
	}
	m, err := trainRanker(ctx, h, *seed, features)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		return err
	}
	if err := atomicfile.Write(*out, buf.Bytes()); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	fmt.Fprintf(stderr, "conclave select train: %d instances, %d with both outcomes, %d pairs; lambda %g; written to %s\n",
		m.Trained.Instances, m.Trained.Informative, m.Trained.Pairs, m.Lambda, *out)
	fw := m.FeatureWeights()
	for _, f := range m.Features {
		fmt.Fprintf(stderr, "  %-18s %+.4f\n", f, fw[f.String()])
	}
	return nil
}

// featuresWithout returns every feature outside the groups named in a
// comma-separated list.
func featuresWithout(list string) ([]rank.Feature, error) {
	if list == "" {
		return rank.Features(), nil
	}
	known := []rank.Group{rank.GroupTrackRecord, rank.GroupSize, rank.GroupAgreement, rank.GroupFlags, rank.GroupSignals}
	var groups []rank.Group
	for name := range strings.SplitSeq(list, ",") {
		g := rank.Group(strings.TrimSpace(name))
		if !slices.Contains(known, g) {
			return nil, usagef("--without: unknown feature group %q: use track_record, size, agreement, flags or signals", g)
		}
		groups = append(groups, g)
	}
	fs := rank.Without(groups...)
	if len(fs) == 0 {
		return nil, usagef("--without leaves no feature: leave out fewer groups")
	}
	return fs, nil
}

// trainRanker trains a ranker on the pools of h, each prepared as a
// selection by the ranker prepares it.
func trainRanker(ctx context.Context, h *pastOutcomes, seed uint64, features []rank.Feature) (*rank.Model, error) {
	if len(h.pools) == 0 {
		return nil, fmt.Errorf("the history has no candidate lines: the ranker learns from past pools, lines {\"instance_id\", \"candidate_id\", \"patch\", \"resolved\"}")
	}
	insts := make([]rank.Instance, len(h.pools))
	for i, in := range h.pools {
		p, err := prepare(ctx, in, seed, false)
		if err != nil {
			return nil, fmt.Errorf("instance %q: %w", in.id, err)
		}
		insts[i] = rank.Instance{Candidates: p.ForRank(), Resolved: make([]bool, len(p.Candidates))}
		for j, c := range p.Candidates {
			key := [2]string{in.id, c.ID}
			insts[i].Resolved[j] = h.outcome[key]
			insts[i].Candidates[j].Regressions = h.regressions[key]
			insts[i].Candidates[j].Approval = h.approval[key]
		}
	}
	hist, err := rank.NewHistory(insts, h.records)
	if err != nil {
		return nil, err
	}
	return hist.Train(&rank.Options{Features: features, Seed: seed})
}

// readRanker reads a model file.
func readRanker(path string) (*rank.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := rank.Read(f)
	if err != nil {
		return nil, fmt.Errorf("--ranker %s: %w", path, err)
	}
	return m, nil
}

// rankStage is the stage that ranks a prepared pool: the model's records,
// or those of the history when given.
func rankStage(m *rank.Model, h *pastOutcomes) selector.Rank {
	st := selector.Rank{Model: m}
	if h != nil {
		st.Records = h.allRecords()
	}
	return st
}
