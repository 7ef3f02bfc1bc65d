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
	"github.com/conclave-dev/conclave/vote"
)

const benchUsage = `--data FILE [--folds K] [--repeats R] [--seed N] [--json]

Scores selection strategies on candidates whose outcomes are known: lines
{"instance_id", "candidate_id", "patch", "resolved"}, such as the
NoCode-bench Verified candidates the README says how to get. Only the
scorer reads "resolved". Weights learned from outcomes are cross-validated:
for the instances of each fold they come from the other folds only; the
cross-validation is repeated over R splits drawn from the seed and the
figures averaged. A tie counts as a uniform random pick among the tied, so
the figures are expected values.`

// benchRow is one strategy's score.
type benchRow struct {
	Strategy string  `json:"strategy"`
	Resolved float64 `json:"resolved"` // expected number of instances resolved
	Of       int     `json:"of"`
	Percent  float64 `json:"percent"`
}

func runSelectBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := newFlags("select bench", benchUsage, stderr)
	data := fl.String("data", "", "candidates with outcomes, JSONL (required)")
	folds := fl.Int("folds", 10, "the number of cross-validation folds, at least 2")
	repeats := fl.Int("repeats", 10, "the number of fold splits to average over, at least 1")
	seed := fl.Uint64("seed", 1, "the seed for the folds and ties")
	asJSON := fl.Bool("json", false, "print the table as JSON")
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
	rows, err := b.score(ctx, *folds, *repeats, *seed)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	fmt.Fprintf(stdout, "%d instances, %d sources; %d-fold cross-validation over %d splits, seed %d.\n",
		len(b.insts), len(b.sources), *folds, *repeats, *seed)
	fmt.Fprintf(stdout, "Expected instances resolved, a tie counting as a random pick among the tied.\n\n")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "resolved\t%\tstrategy")
	for _, r := range rows {
		fmt.Fprintf(tw, "%8.1f\t%4.1f\t%s\n", r.Resolved, r.Percent, r.Strategy)
	}
	return tw.Flush()
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

// weighting gives the weights for instance i; nil weights count every
// candidate as 1.
type weighting func(i int) (map[string]float64, error)

// score runs every strategy, averaging those that learn from outcomes
// over the given number of fold splits.
func (b *benchData) score(ctx context.Context, folds, repeats int, seed uint64) ([]benchRow, error) {
	n := len(b.insts)
	var rows []benchRow
	add := func(name string, resolved float64) {
		rows = append(rows, benchRow{Strategy: name, Resolved: resolved, Of: n, Percent: 100 * resolved / float64(n)})
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
	add("random candidate", random)
	best := bestSources(bySource)
	add("best single source in hindsight ("+strings.Join(best, ", ")+")", bySource[best[0]])

	// Each strategy scores one split of the instances into folds; only
	// those learning from outcomes depend on it.
	type strategy struct {
		name   string
		learns bool
		run    func(fold []int) (float64, error)
	}
	fixed := func(prep []prepared, filters bool, weights map[string]float64) func([]int) (float64, error) {
		return func([]int) (float64, error) {
			return b.vote(ctx, prep, filters, func(int) (map[string]float64, error) { return weights, nil })
		}
	}
	learned := func(prep []prepared, filters bool) func([]int) (float64, error) {
		return func(fold []int) (float64, error) { return b.vote(ctx, prep, filters, b.fromOutcomes(fold, folds)) }
	}
	strategies := []strategy{
		{"best single source chosen by cross-validation", true, func(fold []int) (float64, error) { return b.bestByCV(fold, folds), nil }},
		{"exact-text vote", false, fixed(b.exact, false, nil)},
		{"whitespace-normalised vote", false, fixed(b.spaceless, false, nil)},
		{"syntax clusters, plurality", false, fixed(b.syntactic, false, nil)},
		{"syntax clusters, plurality, filters", false, fixed(b.syntactic, true, nil)},
		{"syntax clusters, weighted by agreement (Dawid–Skene)", false, fixed(b.syntactic, false, b.agreement)},
		{"syntax clusters, weighted by agreement (Dawid–Skene), filters", false, fixed(b.syntactic, true, b.agreementFiltered)},
		{"no clusters, weighted by outcomes", true, learned(b.alone, false)},
		{"no clusters, weighted by outcomes, filters", true, learned(b.alone, true)},
		{"whitespace-normalised clusters, weighted by outcomes", true, learned(b.spaceless, false)},
		{"syntax clusters, weighted by outcomes", true, learned(b.syntactic, false)},
		{"syntax clusters, weighted by outcomes, filters", true, learned(b.syntactic, true)},
	}
	for _, s := range strategies {
		splits := 1
		if s.learns {
			splits = repeats
		}
		total := 0.0
		for r := range splits {
			got, err := s.run(foldsOf(n, folds, seed, r))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
			total += got
		}
		add(s.name, total/float64(splits))
	}
	add("oracle (any candidate resolves)", oracle)
	return rows, nil
}

// foldsOf assigns n instances to folds, for split r drawn from seed.
func foldsOf(n, folds int, seed uint64, r int) []int {
	fold := make([]int, n)
	for pos, i := range rand.New(rand.NewPCG(seed, uint64(r))).Perm(n) {
		fold[i] = pos % folds
	}
	return fold
}

// fromOutcomes weighs sources, for the instances of each fold, by their
// outcomes on the other folds.
func (b *benchData) fromOutcomes(fold []int, folds int) weighting {
	cache := make([]map[string]float64, folds)
	return func(i int) (map[string]float64, error) {
		k := fold[i]
		if cache[k] != nil {
			return cache[k], nil
		}
		records := map[string]vote.Record{}
		for j, in := range b.insts {
			if fold[j] == k {
				continue
			}
			for _, c := range in.candidates {
				r := records[c.From()]
				if b.right(j, c.ID) == 1 {
					r.Right++
				} else {
					r.Wrong++
				}
				records[c.From()] = r
			}
		}
		est, err := vote.Reliability{Options: max(2, len(b.sources))}.FromOutcomes(records)
		if err != nil {
			return nil, err
		}
		cache[k] = est.VoterWeights
		return est.VoterWeights, nil
	}
}

// bestByCV scores picking, for each fold, the candidates of the source
// that resolved the most instances of the other folds (a tie among
// sources counting as a random pick).
func (b *benchData) bestByCV(fold []int, folds int) float64 {
	total := 0.0
	for k := range folds {
		train := map[string]float64{}
		for i, in := range b.insts {
			for _, c := range in.candidates {
				if fold[i] != k {
					train[c.From()] += b.right(i, c.ID)
				}
			}
		}
		picks := bestSources(train)
		for i, in := range b.insts {
			for _, c := range in.candidates {
				if fold[i] == k && slices.Contains(picks, c.From()) {
					total += b.right(i, c.ID) / float64(len(picks))
				}
			}
		}
	}
	return total
}

// vote scores a syntax vote on every instance from its prepared pool,
// after the content filter if asked, with the weights w gives it.
func (b *benchData) vote(ctx context.Context, prep []prepared, filters bool, w weighting) (float64, error) {
	total := 0.0
	for i, pr := range prep {
		weights, err := w(i)
		if err != nil {
			return 0, err
		}
		p := pr.pool()
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
// what the rules leave open: a tie in the syntax vote goes to one of the
// tied, and a pool nobody decided (no candidate weighed anything) to any
// candidate left, uniformly at random.
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
