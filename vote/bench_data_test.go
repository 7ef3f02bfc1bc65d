package vote_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/vote"
)

// benchFile finds rel under a shared/bench directory beside the module or
// one of its parents, or skips the test: a user's clone has no benchmark
// data.
func benchFile(t *testing.T, rel string) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	require.NoError(t, err)
	for {
		p := filepath.Join(dir, "shared", "bench", rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skipf("benchmark data %s not found in a shared/bench beside the module or its parents", rel)
		}
		dir = parent
	}
}

type nocodeCandidate struct {
	Instance string `json:"instance_id"`
	Model    string `json:"candidate_id"`
	Patch    string `json:"patch"`
	Resolved bool   `json:"resolved"` // ground truth: only for scoring and past records
}

// normalise keeps a patch's changed lines, without whitespace, so that
// patches differing only in layout or hunk positions compare equal.
func normalise(patch string) string {
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

// TestNocodeTrackRecord votes on real candidates: NoCode-bench Verified,
// 114 feature tasks x 7 models, patches clustered when identical up to
// whitespace. Each model votes for its patch's cluster, unweighted (ties
// to a random cluster, over 50 seeds) or weighted by its track record on
// the other 113 tasks (leave one out: a task's own outcome is never read
// before it is scored).
func TestNocodeTrackRecord(t *testing.T) {
	f, err := os.Open(benchFile(t, "nocode-verified/candidates.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	byTask := map[string][]nocodeCandidate{}
	var tasks, models []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() {
		var c nocodeCandidate
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c))
		if _, ok := byTask[c.Instance]; !ok {
			tasks = append(tasks, c.Instance)
		}
		if !slices.Contains(models, c.Model) {
			models = append(models, c.Model)
		}
		byTask[c.Instance] = append(byTask[c.Instance], c)
	}
	require.NoError(t, sc.Err())
	require.Len(t, tasks, 114)

	solved := map[string]int{}
	for _, cs := range byTask {
		for _, c := range cs {
			if c.Resolved {
				solved[c.Model]++
			}
		}
	}
	best := 0
	for _, n := range solved {
		best = max(best, n)
	}

	const seeds = 50
	var oracle, weightedHits, plainHits int
	for _, task := range tasks {
		var clusters []string
		good := map[string]bool{}
		var ballots []vote.Ballot
		for _, c := range byTask[task] {
			if strings.TrimSpace(c.Patch) == "" {
				continue
			}
			key := normalise(c.Patch)
			if !slices.Contains(clusters, key) {
				clusters = append(clusters, key)
			}
			good[key] = good[key] || c.Resolved
			ballots = append(ballots, vote.Choose(c.Model, key))
		}
		if len(clusters) == 0 {
			continue
		}
		if slices.ContainsFunc(clusters, func(k string) bool { return good[k] }) {
			oracle++
		}

		records := map[string]vote.Record{}
		for _, other := range tasks {
			if other == task {
				continue
			}
			for _, c := range byTask[other] {
				r := records[c.Model]
				if c.Resolved {
					r.Right++
				} else {
					r.Wrong++
				}
				records[c.Model] = r
			}
		}
		est, err := vote.Reliability{Prior: vote.Prior{Right: 1, Wrong: 3}, Options: len(models)}.FromOutcomes(records)
		require.NoError(t, err)
		res, err := vote.Weighted{Weights: est.Weights}.Decide(clusters, ballots)
		if errors.Is(err, vote.ErrNoBallots) {
			// Only models no better than chance proposed a patch.
			res, err = vote.Plurality{}.Decide(clusters, ballots)
		}
		require.NoError(t, err)
		if good[res.Winner] {
			weightedHits++
		}
		for seed := range uint64(seeds) {
			res, err := vote.Plurality{Tiebreak: vote.Tiebreak{Random: true, Seed: seed}}.Decide(clusters, ballots)
			require.NoError(t, err)
			if good[res.Winner] {
				plainHits++
			}
		}
	}
	plain := float64(plainHits) / seeds
	t.Logf("resolved of 114: best single model %d, oracle %d, plurality of clusters %.1f (mean of %d tie seeds), weighted by track record %d",
		best, oracle, plain, seeds, weightedHits)
	assert.Greater(t, float64(weightedHits), plain, "weighting by track record should beat counting agreement")
	assert.LessOrEqual(t, weightedHits, oracle)
}
