package selector_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

// TestCompose runs the stages on the calc candidates in different orders:
// filtering before or after clustering ends the same way.
func TestCompose(t *testing.T) {
	all := []string{"broken", "fix1", "tests", "fix3", "stale", "fix2", "scratch"}
	panel := selector.Panel{Judges: judges{"j1": yes("fix3"), "j2": yes("fix3", "fix1"), "j3": yes("fix3")}}
	filters := []selector.Stage{selector.ContentFilter{}, selector.ApplyCheck{}}
	tests := []struct {
		name      string
		stages    []selector.Stage
		winner    string
		decidedBy string
		ranking   []string
	}{
		{
			name:      "filters, clusters, a syntax vote that decides",
			stages:    append(filters, selector.SyntaxCluster{}, selector.SyntaxVote{Strategy: vote.Majority{}}, panel),
			winner:    "fix1",
			decidedBy: "syntax_vote",
			ranking:   []string{"fix1", "fix2", "fix3", "stale", "broken", "scratch", "tests"},
		},
		{
			name:      "clusters first, then filters",
			stages:    []selector.Stage{selector.SyntaxCluster{}, filters[1], filters[0], selector.SyntaxVote{Strategy: vote.Majority{}}, panel},
			winner:    "fix1",
			decidedBy: "syntax_vote",
			ranking:   []string{"fix1", "fix2", "fix3", "scratch", "tests", "stale", "broken"},
		},
		{
			name:      "no clear cluster: the panel judges one per cluster",
			stages:    append(filters, selector.SyntaxCluster{}, selector.SyntaxVote{Strategy: vote.Majority{Threshold: 0.7}}, panel),
			winner:    "fix3",
			decidedBy: "panel",
			ranking:   []string{"fix3", "fix1", "fix2", "stale", "broken", "scratch", "tests"},
		},
		{
			name:      "the panel alone judges every survivor",
			stages:    append(filters, panel),
			winner:    "fix3",
			decidedBy: "panel",
			ranking:   []string{"fix3", "fix1", "fix2", "stale", "broken", "scratch", "tests"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, cs := calc(t, all...)
			p, err := selector.NewPool("div by zero", base, cs)
			require.NoError(t, err)
			d, err := selector.Selector{Stages: tt.stages}.Run(t.Context(), p)
			require.NoError(t, err)
			assert.Equal(t, tt.winner, d.Winner)
			assert.Equal(t, tt.decidedBy, d.DecidedBy)
			assert.Equal(t, tt.ranking, d.Ranking)
		})
	}
}

func TestDeterministic(t *testing.T) {
	run := func(seed uint64) *selector.Decision {
		base, cs := calc(t, "fix1", "fix3", "fix2", "tests")
		p, err := selector.NewPool("div by zero", base, cs)
		require.NoError(t, err)
		p.Seed = seed
		d, err := selector.Selector{Stages: []selector.Stage{
			selector.ContentFilter{}, selector.SyntaxCluster{}, selector.SyntaxVote{Strategy: vote.Majority{Threshold: 0.9}},
			selector.Panel{Judges: judges{"j1": yes("fix1", "fix3"), "j2": yes("fix1", "fix3"), "j3": broken}},
		}}.Run(t.Context(), p)
		require.NoError(t, err)
		return d
	}
	assert.Equal(t, run(7), run(7), "the same pool and seed give the same decision")
}
