package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/selector/rank"
	"github.com/conclave-dev/conclave/vote"
)

const benchUsage = `--data FILE [--folds K] [--repeats R] [--seed N] [--json]

Scores selection strategies on candidates whose outcomes are known: lines
{"instance_id", "candidate_id", "patch", "resolved"}, such as the
NoCode-bench Verified candidates the README says how to get. Only the
scorer, and the learning from training folds, read "resolved".

Everything learned is cross-validated by instance: for the instances of
each fold, track records, source choices and rankers come from the other
folds only. The cross-validation is repeated over R splits into folds,
each drawn from the seed and the split's number (the fold seed), and each
strategy is reported as the mean over the splits, their standard
deviation, and the lowest and highest. A tie counts as a uniform random
pick among the tied, so the figures are expected values.

The rankers are trained as conclave select train trains them, on the
pools clustered by syntax and unfiltered, each with its L2 strength
chosen by 5-fold cross-validation inside its training folds; the
ablations leave out one group of features. The nested row chooses, for
each fold, among the best single source, the track-record weights and the
rankers by a 5-fold cross-validation inside the training folds, then
scores the choice on the fold; the bench says what that choice costs
against the best of those strategies in hindsight.`

// benchRow is one strategy's score.
type benchRow struct {
	Strategy string `json:"strategy"`
	// Resolved is the expected number of instances resolved, the mean
	// over the splits; SD, Min and Max their spread, Splits each split's
	// figure.
	Resolved float64   `json:"resolved"`
	SD       float64   `json:"sd"`
	Min      float64   `json:"min"`
	Max      float64   `json:"max"`
	Splits   []float64 `json:"splits"`
	Of       int       `json:"of"`
	Percent  float64   `json:"percent"`
}

// benchReport is what the bench prints.
type benchReport struct {
	Instances int        `json:"instances"`
	Sources   int        `json:"sources"`
	Folds     int        `json:"folds"`
	Splits    int        `json:"splits"`
	Seed      uint64     `json:"seed"`
	Rows      []benchRow `json:"rows"`
	// RankerGain is, split by split, the ranker with all features less
	// the best single source chosen by cross-validation.
	RankerGain []float64 `json:"ranker_gain"`
	Nested     nested    `json:"nested"`
}

func runSelectBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := newFlags("select bench", benchUsage, stderr)
	data := fl.String("data", "", "candidates with outcomes, JSONL (required)")
	folds := fl.Int("folds", 10, "the number of cross-validation folds, at least 2")
	repeats := fl.Int("repeats", 10, "the number of splits into folds (fold seeds) to average over, at least 1")
	seed := fl.Uint64("seed", 1, "the seed for the folds and ties")
	asJSON := fl.Bool("json", false, "print the report as JSON")
	if err := parse(fl, args); err != nil {
		return err
	}
	switch {
	case *data == "":
		return usagef("--data is required: the JSONL file of candidates with their outcomes (the README says where to get NoCode-bench Verified's)")
	case *repeats < 1:
		return usagef("--repeats is %d: use at least 1", *repeats)
	}
	b, err := loadBench(ctx, *data, *seed)
	if err != nil {
		return err
	}
	if *folds < 2 || *folds > len(b.insts) {
		return usagef("--folds is %d: use between 2 and the number of instances, %d", *folds, len(b.insts))
	}
	rep, err := b.score(ctx, *folds, *repeats, *seed)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.write(stdout)
}

// write prints the report as a table and its notes.
func (rep *benchReport) write(w io.Writer) error {
	fmt.Fprintf(w, "%d instances, %d sources; %d-fold cross-validation by instance over %d splits (fold seeds), seed %d.\n",
		rep.Instances, rep.Sources, rep.Folds, rep.Splits, rep.Seed)
	fmt.Fprintf(w, "Expected instances resolved (a tie counts as a random pick among the tied): the mean over the splits,\n")
	fmt.Fprintf(w, "its standard deviation, and the lowest and highest split. Learned strategies see training folds only.\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "resolved\t± sd\tmin\tmax\t%\t\tstrategy")
	for _, r := range rep.Rows {
		fmt.Fprintf(tw, "%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t\t%s\n", r.Resolved, r.SD, r.Min, r.Max, r.Percent, r.Strategy)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	gains := make([]string, len(rep.RankerGain))
	for i, g := range rep.RankerGain {
		gains[i] = fmt.Sprintf("%+.1f", g)
	}
	lo, mean, _ := spread(rep.RankerGain)
	fmt.Fprintf(w, "\nRanker (all features) less the best single source chosen by cross-validation, split by split:\n  %s\n  (mean %+.1f, worst %+.1f)\n",
		strings.Join(gains, " "), mean, lo)
	n := rep.Nested
	fmt.Fprintf(w, "\nNested choice: in each of the %d training sets, a %d-fold cross-validation inside it chose\n", n.Choices, n.InnerFolds)
	for _, name := range n.Menu {
		fmt.Fprintf(w, "  %4d  %s\n", n.Chosen[name], name)
	}
	fmt.Fprintf(w, "The nested choice resolves %.1f ± %.1f; the best of these in hindsight, %s, resolves %.1f:\n", n.Resolved, n.SD, n.BestInHindsight, n.Best)
	fmt.Fprintf(w, "choosing without peeking costs %.1f.\n", n.Cost)
	return nil
}

// benchData is the instances of a bench, their outcomes, and the clusters
// and weights that do not depend on the folds, computed once.
type benchData struct {
	insts   []*instance
	truth   map[[2]string]bool // by instance and candidate ID
	sources []string

	// Each instance clustered by exact text, by changed lines without
	// white space, by syntax, and not at all.
	exact, spaceless, syntactic, alone []prepared
	// Sources weighed by their agreement, over unfiltered and filtered
	// pools.
	agreement, agreementFiltered map[string]float64
	// The syntactic pools as the ranker learns from them, with their
	// outcomes.
	history *rank.History
}

// prepared is an instance clustered, to start a fresh selection from for
// each strategy.
type prepared struct {
	id         string
	candidates []selector.Candidate
	clusters   []selector.Cluster
	seed       uint64
}

func (pr prepared) pool() *selector.Pool {
	return &selector.Pool{Candidates: slices.Clone(pr.candidates), Clusters: pr.clusters, Seed: pr.seed}
}

// scoreLine is what the scorer reads of a line; the selection reads the
// same line through decodeBatchLine, which has no "resolved".
type scoreLine struct {
	InstanceID  string `json:"instance_id"`
	CandidateID string `json:"candidate_id"`
	Resolved    *bool  `json:"resolved"`
}

func loadBench(ctx context.Context, path string, seed uint64) (*benchData, error) {
	insts, err := readBatch(path)
	if err != nil {
		return nil, err
	}
	b := &benchData{insts: insts, truth: map[[2]string]bool{}, sources: sourcesOf(insts)}
	err = eachLine(path, func(_ int, data []byte) error {
		var l scoreLine
		if err := decodeObject(data, &l); err != nil {
			return err
		}
		if l.Resolved == nil {
			return errors.New(`resolved is missing: the bench scores candidates whose outcome is known`)
		}
		b.truth[[2]string{l.InstanceID, l.CandidateID}] = *l.Resolved
		return nil
	})
	if err != nil {
		return nil, err
	}
	n := len(insts)
	b.exact, b.spaceless, b.syntactic, b.alone = make([]prepared, n), make([]prepared, n), make([]prepared, n), make([]prepared, n)
	unfiltered, filtered := make([]*selector.Pool, n), make([]*selector.Pool, n)
	for i, in := range insts {
		p, err := prepare(ctx, in, seed, false)
		if err != nil {
			return nil, fmt.Errorf("instance %q: %w", in.id, err)
		}
		pr := prepared{id: in.id, candidates: in.candidates, seed: p.Seed}
		b.alone[i], b.exact[i], b.spaceless[i], b.syntactic[i] = pr, pr, pr, pr
		b.exact[i].clusters = textClusters(in.candidates, func(s string) string { return s })
		b.spaceless[i].clusters = textClusters(in.candidates, changedLines)
		b.syntactic[i].clusters = p.Clusters
		unfiltered[i] = p
		if filtered[i], err = filter(ctx, b.syntactic[i]); err != nil {
			return nil, err
		}
	}
	hist := make([]rank.Instance, n)
	for i, p := range unfiltered {
		hist[i] = rank.Instance{Candidates: p.ForRank()}
		for _, c := range p.Candidates {
			hist[i].Resolved = append(hist[i].Resolved, b.right(i, c.ID) == 1)
		}
	}
	if b.history, err = rank.NewHistory(hist, nil); err != nil {
		return nil, err
	}
	if b.agreement, err = agreementWeights(unfiltered, len(b.sources)); err != nil {
		return nil, err
	}
	if b.agreementFiltered, err = agreementWeights(filtered, len(b.sources)); err != nil {
		return nil, err
	}
	return b, nil
}

// filter starts a selection from pr through the content filter.
func filter(ctx context.Context, pr prepared) (*selector.Pool, error) {
	p := pr.pool()
	_, err := selector.Selector{Stages: []selector.Stage{selector.ContentFilter{}}}.Run(ctx, p)
	return p, err
}

// right is 1 if candidate id resolved instance i, else 0.
func (b *benchData) right(i int, id string) float64 {
	if b.truth[[2]string{b.insts[i].id, id}] {
		return 1
	}
	return 0
}

// score runs every strategy over the given number of splits.
func (b *benchData) score(ctx context.Context, folds, repeats int, seed uint64) (*benchReport, error) {
	n := len(b.insts)
	rep := &benchReport{Instances: n, Sources: len(b.sources), Folds: folds, Splits: repeats, Seed: seed}
	add := func(name string, splits []float64) {
		lo, mean, hi := spread(splits)
		rep.Rows = append(rep.Rows, benchRow{Strategy: name, Resolved: mean, SD: sd(splits), Min: lo, Max: hi,
			Splits: splits, Of: n, Percent: 100 * mean / float64(n)})
	}
	same := func(x float64) []float64 {
		out := make([]float64, repeats)
		for r := range out {
			out[r] = x
		}
		return out
	}
	random, oracle := 0.0, 0.0
	bySource := map[string]float64{}
	for i, in := range b.insts {
		hit := 0.0
		for _, c := range in.candidates {
			random += b.right(i, c.ID) / float64(len(in.candidates))
			bySource[c.From()] += b.right(i, c.ID)
			hit = max(hit, b.right(i, c.ID))
		}
		oracle += hit
	}
	add("random candidate", same(random))
	best := bestSources(bySource)
	add("best single source in hindsight ("+strings.Join(best, ", ")+")", same(bySource[best[0]]))

	bestByCV := strategy{"best single source chosen by cross-validation", b.bestSource}
	trackRecord := strategy{"syntax clusters, weighted by outcomes, filters", b.voting(ctx, b.syntactic, true, true)}
	rankers := []strategy{
		{"ranker, all features", b.ranker(ctx, rank.Features(), seed)},
		{"ranker without track record", b.ranker(ctx, rank.Without(rank.GroupTrackRecord), seed)},
		{"ranker without agreement", b.ranker(ctx, rank.Without(rank.GroupAgreement), seed)},
		{"ranker without size", b.ranker(ctx, rank.Without(rank.GroupSize), seed)},
		{"ranker without flags", b.ranker(ctx, rank.Without(rank.GroupFlags), seed)},
	}
	strategies := []strategy{
		bestByCV,
		{"exact-text vote", b.voting(ctx, b.exact, false, false)},
		{"whitespace-normalised vote", b.voting(ctx, b.spaceless, false, false)},
		{"syntax clusters, plurality", b.voting(ctx, b.syntactic, false, false)},
		{"syntax clusters, plurality, filters", b.voting(ctx, b.syntactic, true, false)},
		{"syntax clusters, weighted by agreement (Dawid–Skene)", b.fixed(ctx, b.syntactic, false, b.agreement)},
		{"syntax clusters, weighted by agreement (Dawid–Skene), filters", b.fixed(ctx, b.syntactic, true, b.agreementFiltered)},
		{"no clusters, weighted by outcomes", b.voting(ctx, b.alone, false, true)},
		{"no clusters, weighted by outcomes, filters", b.voting(ctx, b.alone, true, true)},
		{"whitespace-normalised clusters, weighted by outcomes", b.voting(ctx, b.spaceless, false, true)},
		{"syntax clusters, weighted by outcomes", b.voting(ctx, b.syntactic, false, true)},
		trackRecord,
	}
	strategies = append(strategies, rankers...)
	bySplit := map[string][]float64{}
	for _, s := range strategies {
		splits, err := eachSplit(ctx, repeats, func(r int) (float64, error) {
			return crossValidate(s.run, allOf(n), foldsOf(n, folds, seed, r), folds)
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		bySplit[s.name] = splits
		add(s.name, splits)
	}
	for r := range repeats {
		rep.RankerGain = append(rep.RankerGain, bySplit[rankers[0].name][r]-bySplit[bestByCV.name][r])
	}
	menu := append([]strategy{bestByCV, trackRecord}, rankers...)
	var err error
	if rep.Nested, err = b.nested(ctx, menu, bySplit, folds, repeats, seed); err != nil {
		return nil, err
	}
	add("strategy chosen inside the training folds (nested)", rep.Nested.Splits)
	add("oracle (any candidate resolves)", same(oracle))
	return rep, nil
}

// strategy is a selection strategy as the bench runs it: run learns what
// it learns from the instances train and returns the expected number of
// the instances test it resolves.
type strategy struct {
	name string
	run  func(train, test []int) (float64, error)
}

// crossValidate sums, over the folds, what run resolves of the instances
// of a fold after learning from the others; insts are the instances and
// fold[k] the fold of insts[k].
func crossValidate(run func(train, test []int) (float64, error), insts, fold []int, folds int) (float64, error) {
	total := 0.0
	for k := range folds {
		var train, test []int
		for j, i := range insts {
			if fold[j] == k {
				test = append(test, i)
			} else {
				train = append(train, i)
			}
		}
		if len(test) == 0 {
			continue
		}
		got, err := run(train, test)
		if err != nil {
			return 0, err
		}
		total += got
	}
	return total, nil
}

func allOf(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// foldsOf assigns n instances to folds, for split r drawn from seed.
func foldsOf(n, folds int, seed uint64, r int) []int {
	fold := make([]int, n)
	for pos, i := range rand.New(rand.NewPCG(seed, uint64(r))).Perm(n) {
		fold[i] = pos % folds
	}
	return fold
}

// records are the track records of the sources over the instances
// listed.
func (b *benchData) records(insts []int) map[string]vote.Record {
	records := map[string]vote.Record{}
	for _, i := range insts {
		for _, c := range b.insts[i].candidates {
			r := records[c.From()]
			if b.right(i, c.ID) == 1 {
				r.Right++
			} else {
				r.Wrong++
			}
			records[c.From()] = r
		}
	}
	return records
}

// bestSource picks the candidates of the source that resolved the most
// training instances (a tie among sources counting as a random pick).
func (b *benchData) bestSource(train, test []int) (float64, error) {
	scores := map[string]float64{}
	for _, i := range train {
		for _, c := range b.insts[i].candidates {
			scores[c.From()] += b.right(i, c.ID)
		}
	}
	picks := bestSources(scores)
	total := 0.0
	for _, i := range test {
		for _, c := range b.insts[i].candidates {
			if slices.Contains(picks, c.From()) {
				total += b.right(i, c.ID) / float64(len(picks))
			}
		}
	}
	return total, nil
}

// voting is a syntax vote on the prepared pools, after the content filter
// if asked, each source weighing its track record over the training
// instances when weighted is set, else 1.
func (b *benchData) voting(ctx context.Context, prep []prepared, filters, weighted bool) func(train, test []int) (float64, error) {
	return func(train, test []int) (float64, error) {
		var weights map[string]float64
		if weighted {
			est, err := vote.Reliability{Options: max(2, len(b.sources))}.FromOutcomes(b.records(train))
			if err != nil {
				return 0, err
			}
			weights = est.VoterWeights
		}
		return b.vote(ctx, prep, test, filters, weights)
	}
}

// fixed is a syntax vote with weights learned from no outcome.
func (b *benchData) fixed(ctx context.Context, prep []prepared, filters bool, weights map[string]float64) func(train, test []int) (float64, error) {
	return func(_, test []int) (float64, error) { return b.vote(ctx, prep, test, filters, weights) }
}

// vote scores a syntax vote on the instances listed, from their prepared
// pools, after the content filter if asked, with the given weights.
func (b *benchData) vote(ctx context.Context, prep []prepared, insts []int, filters bool, weights map[string]float64) (float64, error) {
	total := 0.0
	for _, i := range insts {
		pr := prep[i]
		p := pr.pool()
		var err error
		if filters {
			if p, err = filter(ctx, pr); err != nil {
				return 0, err
			}
		}
		d, err := decide(ctx, p, weights, tiesRandom)
		if err != nil {
			return 0, fmt.Errorf("instance %q: %w", pr.id, err)
		}
		total += expected(d, func(id string) float64 { return b.right(i, id) })
	}
	return total, nil
}

// expected is the expected outcome of a decision when chance settles
// what the rules leave open: a tie in the syntax vote or the ranker's
// scores goes to one of the tied, and a pool nobody decided (no candidate
// weighed anything) to any candidate left, uniformly at random.
func expected(d *selector.Decision, right func(id string) float64) float64 {
	mean := func(ids []string) float64 {
		sum := 0.0
		for _, id := range ids {
			sum += right(id)
		}
		return sum / float64(len(ids))
	}
	if d.DecidedBy == selector.DecidedByOrder {
		return mean(left(d))
	}
	for _, s := range d.Steps {
		if s.Stage == "rank" && len(s.Scores) > 0 {
			var top []string
			for _, sc := range s.Scores {
				if sc.Score == s.Scores[0].Score {
					top = append(top, sc.Candidate)
				}
			}
			return mean(top)
		}
	}
	for _, s := range d.Steps {
		if s.Stage == "syntax_vote" && s.Vote != nil && len(s.Vote.Tied) > 0 {
			return mean(s.Vote.Tied)
		}
	}
	return right(d.Winner)
}

// left returns the candidates a decision left in the running: its ranking
// without the dropped.
func left(d *selector.Decision) []string {
	dropped := map[string]bool{}
	for _, s := range d.Steps {
		for _, dr := range s.Dropped {
			dropped[dr.Candidate] = !s.KeptAll
		}
	}
	return slices.DeleteFunc(slices.Clone(d.Ranking), func(id string) bool { return dropped[id] })
}

// textClusters groups candidates whose patches have the same key(patch).
func textClusters(cands []selector.Candidate, key func(string) string) []selector.Cluster {
	var out []selector.Cluster
	at := map[string]int{}
	for _, c := range cands {
		sum := sha256.Sum256([]byte(key(c.Patch)))
		k := hex.EncodeToString(sum[:8])
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, selector.Cluster{Key: k})
		}
		out[i].Members = append(out[i].Members, c.ID)
	}
	return out
}

// changedLines is a patch's added and removed lines without white space,
// as trae-agent's released selector compares patches.
func changedLines(patch string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(patch, "\n") {
		if strings.HasPrefix(line, "+++") || strings.HasPrefix(line, "---") {
			continue
		}
		if strings.HasPrefix(line, "+") || strings.HasPrefix(line, "-") {
			b.WriteString(strings.Join(strings.Fields(line), ""))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func sourcesOf(insts []*instance) []string {
	seen := map[string]bool{}
	for _, in := range insts {
		for _, c := range in.candidates {
			seen[c.From()] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// bestSources are the sources with the highest score, by name.
func bestSources(scores map[string]float64) []string {
	var best []string
	for _, name := range slices.Sorted(maps.Keys(scores)) {
		switch {
		case len(best) == 0 || scores[name] > scores[best[0]]:
			best = []string{name}
		case scores[name] == scores[best[0]]:
			best = append(best, name)
		}
	}
	return best
}
