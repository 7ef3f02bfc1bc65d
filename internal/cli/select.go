package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/conclave-dev/conclave/report"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/selector/rank"
	"github.com/conclave-dev/conclave/vote"
)

const selectUsage = `--batch FILE --out FILE [--sources FILE] [--history FILE] [--ranker FILE] [--strategy NAME] [--ties RULE] [--seed N] [--explain] [--report FILE]
       conclave select train --history FILE --out FILE [--sources FILE] [--without GROUPS] [--seed N]
       conclave select bench --data FILE [--folds K] [--repeats R] [--seed N] [--json]

Selects one candidate patch per instance without asking a model: by the
filters, syntax clustering and the syntax vote, or by a trained ranker.
The batch holds one JSON object per line: {"instance_id", "candidate_id", "patch"}
and optionally "source" (the model or agent that wrote the patch; default
the candidate_id). Other fields are ignored. --sources holds the original
files, {"instance_id", "path", "content"} per line; without them patches are
compared as text (patch-only). --history holds past outcomes: lines
{"source", "resolved"} (track records) and candidate lines {"instance_id",
"candidate_id", "source", "patch", "resolved"} (past pools, from which the
ranker learns; conclave select train says more). A line may be up to 64 MiB.

Strategies: plurality (the biggest cluster of equivalent patches wins),
reliability (each candidate's vote weighs its source's track record from
--history; the default when --history holds no candidate line), agreement
(sources weighed by how often they agree with the others across the batch,
Dawid–Skene; no outcomes needed), ranker (each pool clustered, then ordered
by a pairwise ranker over its candidates' features, the best winning: the
model of --ranker, or one trained on the candidate lines of --history with
--seed; the default when either is given). Every strategy but the ranker
first drops empty and test-only patches and, with --sources, patches that
do not apply or break the syntax; the ranker weighs those flags itself, as
it learnt them.

Ties go to the candidate listed first in the batch (--ties order, the
default), or to one drawn from --seed and the instance (--ties random); the
ranker's equal scores always go to the first listed. Each
line written holds the decision with its evidence, seed and tie rule;
--explain also prints each decision in words on stdout; --report writes
them all as one HTML page (conclave report's), an instance per section.

Exit status: 0 when every selection is written, 1 on an error (nothing is
written to --out then), 2 on a usage error. A selection the rules could not
make on merit (every candidate failed a filter and all were kept, or nothing
decided) is still written, with "confident": false and its doubts, and is
named on stderr.

The bench scores the strategies on candidates whose outcomes are known, such
as NoCode-bench Verified; see the README for the data.`

// Strategy names.
const (
	strategyPlurality   = "plurality"
	strategyReliability = "reliability"
	strategyAgreement   = "agreement"
	strategyRanker      = "ranker"
)

// selection is one line of the output.
type selection struct {
	InstanceID    string             `json:"instance_id"`
	CandidateID   string             `json:"candidate_id"`
	Patch         string             `json:"patch"`
	Strategy      string             `json:"strategy"`
	Mode          string             `json:"mode"`
	Clusters      []selector.Cluster `json:"clusters"`
	SourceWeights map[string]float64 `json:"source_weights,omitempty"`
	Decision      *selector.Decision `json:"decision"`
}

func runSelect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "bench" {
		return runSelectBench(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "train" {
		return runSelectTrain(ctx, args[1:], stderr)
	}
	fl := newFlags("select", selectUsage, stderr)
	batch := fl.String("batch", "", "the candidates, JSONL (required)")
	out := fl.String("out", "", "where to write the selections, JSONL (required)")
	sources := fl.String("sources", "", "the original files, JSONL")
	history := fl.String("history", "", "past outcomes: of sources, or of candidates with their patches, JSONL")
	ranker := fl.String("ranker", "", "a model written by conclave select train, JSON")
	strategy := fl.String("strategy", "", "plurality, reliability, agreement or ranker (default: ranker with --ranker or past pools, reliability with --history, else plurality)")
	ties := fl.String("ties", tiesOrder, "how ties are settled: order (the first listed wins) or random (drawn from --seed)")
	seed := fl.Uint64("seed", 1, "the seed for random ties")
	explain := fl.Bool("explain", false, "print each decision in words on stdout")
	reportFile := fl.String("report", "", "also write the decisions to this HTML `file`, one section per instance")
	if err := parse(fl, args); err != nil {
		return err
	}
	switch {
	case *batch == "":
		return usagef("--batch is required: the JSONL file of candidates")
	case *out == "":
		return usagef("--out is required: the JSONL file to write the selections to")
	case *ties != tiesOrder && *ties != tiesRandom:
		return usagef("unknown --ties %q: use order or random", *ties)
	}
	switch *strategy {
	case "", strategyPlurality, strategyAgreement, strategyReliability, strategyRanker:
	default:
		return usagef("unknown --strategy %q: use plurality, reliability, agreement or ranker", *strategy)
	}
	switch {
	case *strategy == strategyReliability && *history == "":
		return usagef("--strategy reliability needs --history: the past outcomes to weigh sources by")
	case *strategy == strategyRanker && *history == "" && *ranker == "":
		return usagef("--strategy ranker needs --ranker, or a --history of past pools to train one on")
	case *ranker != "" && *strategy != "" && *strategy != strategyRanker:
		return usagef("--ranker goes with --strategy ranker, not %s", *strategy)
	}
	// The output goes to a file beside --out, renamed at the end: a
	// missing directory fails before any work, and a failure leaves an
	// existing --out as it was.
	tmp, err := os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".*")
	if err != nil {
		return fmt.Errorf("--out %s cannot be written: %w", *out, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}

	insts, err := readBatch(*batch)
	if err != nil {
		return err
	}
	if *sources != "" {
		if err := readSources(*sources, insts); err != nil {
			return err
		}
	}
	var past *pastOutcomes
	if *history != "" {
		if past, err = readHistory(*history); err != nil {
			return err
		}
	}
	if *strategy == "" {
		switch {
		case *ranker != "" || past != nil && len(past.pools) > 0:
			*strategy = strategyRanker
		case past != nil:
			*strategy = strategyReliability
		default:
			*strategy = strategyPlurality
		}
	}
	var model *rank.Model
	if *strategy == strategyRanker {
		if *ranker != "" {
			model, err = readRanker(*ranker)
		} else {
			model, err = trainRanker(ctx, past, *seed, nil)
		}
		if err != nil {
			return err
		}
	}

	pools := make([]*selector.Pool, len(insts))
	for i, in := range insts {
		if pools[i], err = prepare(ctx, in, *seed, *strategy != strategyRanker); err != nil {
			return fmt.Errorf("instance %q: %w", in.id, err)
		}
	}
	var weights map[string]float64
	switch *strategy {
	case strategyReliability:
		est, err := vote.Reliability{Options: max(2, countSources(insts))}.FromOutcomes(past.allRecords())
		if err != nil {
			return err
		}
		weights = est.VoterWeights
	case strategyAgreement:
		if weights, err = agreementWeights(pools, countSources(insts)); err != nil {
			return err
		}
	}

	w := bufio.NewWriter(tmp)
	enc := json.NewEncoder(w)
	doubtful := 0
	var pages []*report.Run
	for i, in := range insts {
		p := pools[i]
		var d *selector.Decision
		if model != nil {
			d, err = selector.Selector{Stages: []selector.Stage{rankStage(model, past)}}.Run(ctx, p)
		} else {
			d, err = decide(ctx, p, weights, *ties)
		}
		if err != nil {
			return fmt.Errorf("instance %q: %w", in.id, err)
		}
		if !d.Confident {
			doubtful++
			fmt.Fprintf(stderr, "conclave select: instance %q: not confident: %s\n", in.id, strings.Join(d.Doubts, "; "))
		}
		if *explain {
			fmt.Fprintf(stdout, "== %s\n", in.id)
			if err := d.Explain(stdout); err != nil {
				return err
			}
			fmt.Fprintln(stdout)
		}
		if *reportFile != "" {
			pages = append(pages, report.FromDecision(in.id, "", in.candidates, d))
		}
		winner, _ := candidateByID(in.candidates, d.Winner)
		s := selection{
			InstanceID:    in.id,
			CandidateID:   d.Winner,
			Patch:         winner.Patch,
			Strategy:      *strategy,
			Mode:          modeOf(d),
			Clusters:      d.Clusters,
			SourceWeights: weights,
			Decision:      d,
		}
		if err := enc.Encode(s); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	if *reportFile != "" {
		if err := writePage(*reportFile, func(w io.Writer) error { return report.Write(w, pages...) }); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "conclave select: %d instances, strategy %s, ties by %s, written to %s", len(insts), *strategy, *ties, *out)
	if doubtful > 0 {
		fmt.Fprintf(stderr, "; %d not confident", doubtful)
	}
	fmt.Fprintln(stderr)
	return nil
}

// Tie rules.
const (
	tiesOrder  = "order"
	tiesRandom = "random"
)

// prepare starts a selection for in: a pool seeded from seed and the
// instance ID, through the filters (when filters is set) and syntax
// clustering.
func prepare(ctx context.Context, in *instance, seed uint64, filters bool) (*selector.Pool, error) {
	p, err := selector.NewPool("", in.base, in.candidates)
	if err != nil {
		return nil, err
	}
	h := fnv.New64a()
	h.Write([]byte(in.id))
	p.Seed = seed ^ h.Sum64()
	stages := []selector.Stage{selector.SyntaxCluster{}}
	if filters {
		stages = []selector.Stage{selector.ContentFilter{}, selector.ApplyCheck{}, selector.SyntaxCluster{}}
	}
	_, err = selector.Selector{Stages: stages}.Run(ctx, p)
	return p, err
}

// decide finishes a prepared selection: the syntax vote, each candidate
// weighing its source's weight (1 for all when weights is nil), ties
// settled by ties: the input order, or a draw from the pool's seed.
func decide(ctx context.Context, p *selector.Pool, weights map[string]float64, ties string) (*selector.Decision, error) {
	var stages []selector.Stage
	if weights != nil {
		stages = append(stages, selector.Weigh{SourceWeights: weights})
	}
	var tb vote.Tiebreak
	if ties == tiesRandom {
		tb = vote.Tiebreak{Random: true, Seed: p.Seed}
	}
	stages = append(stages, selector.SyntaxVote{Strategy: vote.Plurality{Tiebreak: tb}})
	return selector.Selector{Stages: stages}.Run(ctx, p)
}

// agreementWeights weighs sources by their agreement with each other over
// the prepared pools, by Dawid–Skene: in each pool where some candidates
// agree, every source votes for its candidate's cluster. No outcome is
// read. Without any agreement it returns no weights: each source weighs 1.
func agreementWeights(pools []*selector.Pool, sources int) (map[string]float64, error) {
	var items []vote.Item
	for _, p := range pools {
		var it vote.Item
		clusterOf := map[string]string{}
		for _, cl := range p.Clusters {
			var in []string
			for _, m := range cl.Members {
				if _, ok := candidateByID(p.Candidates, m); ok {
					in = append(in, m)
				}
			}
			if len(in) == 0 {
				continue
			}
			it.Candidates = append(it.Candidates, in[0])
			for _, m := range in {
				clusterOf[m] = in[0]
			}
		}
		for _, c := range p.Candidates {
			if cl, ok := clusterOf[c.ID]; ok {
				it.Ballots = append(it.Ballots, vote.Choose(c.From(), cl))
			}
		}
		// A pool where every source stands alone says nothing about who
		// is right, yet EM's updates favour whoever leads, and enough such
		// pools pile all the weight on one source.
		if len(it.Candidates) < len(it.Ballots) {
			items = append(items, it)
		}
	}
	est, err := vote.Reliability{Options: max(2, sources)}.FromAgreement(items)
	if errors.Is(err, vote.ErrNoBallots) {
		// No two candidates agree anywhere: every source keeps weight 1,
		// and the evidence says so source by source.
		return map[string]float64{}, nil
	}
	if err != nil {
		return nil, err
	}
	return est.VoterWeights, nil
}

func countSources(insts []*instance) int {
	seen := map[string]bool{}
	for _, in := range insts {
		for _, c := range in.candidates {
			seen[c.From()] = true
		}
	}
	return len(seen)
}

func candidateByID(cs []selector.Candidate, id string) (selector.Candidate, bool) {
	for _, c := range cs {
		if c.ID == id {
			return c, true
		}
	}
	return selector.Candidate{}, false
}

// modeOf says how the decision's clustering compared patches.
func modeOf(d *selector.Decision) string {
	for _, s := range d.Steps {
		if s.Mode != "" {
			return s.Mode
		}
	}
	return ""
}
