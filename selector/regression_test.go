package selector_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector"
)

func TestRegression(t *testing.T) {
	orig := selector.TestResults{"t1": true, "t2": true, "flaky": false}
	tests := []struct {
		name    string
		stage   selector.Regression
		runs    tests
		pool    []string
		dropped []selector.Rejection
		notes   []string
	}{
		{
			name: "candidates that break a passing test are dropped",
			runs: tests{"": orig,
				"patch a": {"t1": true, "t2": false, "flaky": false},
				"patch b": {"t1": true, "t2": true, "flaky": false},
				"patch c": {"t1": true, "t2": true, "flaky": true, "new": true},
			},
			pool:    []string{"b", "c"},
			dropped: []selector.Rejection{{Candidate: "a", Reason: selector.ReasonRegression, Detail: `1 regression: "t2"`}},
		},
		{
			name: "a test missing from a candidate's results counts as failing; one failing before does not count",
			runs: tests{"": orig,
				"patch a": {"t1": true, "t2": true},
				"patch b": {"t1": true, "flaky": true},
				"patch c": {"t1": true, "t2": true, "flaky": false},
			},
			pool:    []string{"a", "c"},
			dropped: []selector.Rejection{{Candidate: "b", Reason: selector.ReasonRegression, Detail: `1 regression: "t2"`}},
		},
		{
			name: "a candidate whose run fails is dropped",
			runs: tests{"": orig, "patch a": orig, "patch c": orig},
			pool: []string{"a", "c"},
			dropped: []selector.Rejection{{Candidate: "b", Reason: selector.ReasonRegression,
				Detail: `the tests did not run: no results scripted for "patch b"`}},
		},
		{
			name: "none passes: all kept, fewest regressions first",
			runs: tests{"": orig,
				"patch a": {"t1": false, "t2": false},
				"patch b": {"t1": true, "t2": false},
				"patch c": {"t1": false, "t2": false},
			},
			pool:  []string{"b", "a", "c"},
			notes: []string{"no candidate passes; all kept"},
		},
		{
			name:  "none passes, Fewest: those with the fewest regressions kept",
			stage: selector.Regression{Fewest: true},
			runs: tests{"": orig,
				"patch a": {"t1": false, "t2": false},
				"patch b": {"t1": true, "t2": false},
				"patch c": {"t1": false, "t2": true},
			},
			pool:    []string{"b", "c"},
			dropped: []selector.Rejection{{Candidate: "a", Reason: selector.ReasonRegression, Detail: `2 regressions: "t1", "t2"`}},
			notes:   []string{"no candidate passes; kept those with the fewest regressions (1)"},
		},
		{
			name:  "the original cannot be tested: nothing dropped",
			runs:  tests{"patch a": orig},
			pool:  []string{"a", "b", "c"},
			notes: []string{"the tests could not run on the original files: nothing to compare against, no candidate dropped"},
		},
		{
			name:  "no test passes on the original: nothing dropped",
			runs:  tests{"": {"t1": false}, "patch a": {}, "patch b": {}, "patch c": {}},
			pool:  []string{"a", "b", "c"},
			notes: []string{"no test passed on the original files: nothing to compare against, no candidate dropped"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := poolOf("a", "b", "c")
			stage := tt.stage
			stage.Runner, stage.Parallel = tt.runs, 2
			step, err := stage.Run(t.Context(), p)
			require.NoError(t, err)
			assert.Equal(t, "regression", step.Stage)
			assert.Equal(t, tt.pool, idsOf(p.Candidates))
			assert.Equal(t, tt.dropped, step.Dropped)
			assert.Equal(t, tt.notes, step.Notes)
			require.Len(t, step.Tests, 4, "the original and every candidate")
			assert.Equal(t, []string{"", "a", "b", "c"}, []string{step.Tests[0].Candidate, step.Tests[1].Candidate, step.Tests[2].Candidate, step.Tests[3].Candidate})
		})
	}
}

func TestRegressionEvidence(t *testing.T) {
	p := poolOf("a")
	step, err := selector.Regression{Runner: tests{
		"":        {"t1": true, "t2": false},
		"patch a": {"t1": false, "t2": true, "t3": true},
	}}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, []selector.TestRun{
		{Candidate: "", Passed: 1, Failed: 1},
		{Candidate: "a", Passed: 2, Failed: 1, Regressions: []string{"t1"}},
	}, step.Tests)
	assert.Equal(t, []string{"a"}, idsOf(p.Candidates), "the only candidate fails, so none passes and all stay")
}

func TestRegressionTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		runner := selector.TestRunnerFunc(func(ctx context.Context, patch string) (selector.TestResults, error) {
			if patch == "patch slow" {
				<-ctx.Done()
				return nil, ctx.Err()
			}
			return selector.TestResults{"t": true}, nil
		})
		p := poolOf("fast", "slow")
		step, err := selector.Regression{Runner: runner, Timeout: 10 * time.Minute, Parallel: 3}.Run(t.Context(), p)
		require.NoError(t, err)
		assert.Equal(t, []string{"fast"}, idsOf(p.Candidates))
		require.Len(t, step.Failures, 1)
		assert.Equal(t, selector.Failure{By: "test runner", Candidate: "slow", Kind: selector.FailTimeout,
			Detail: "no answer within 10m0s: context deadline exceeded"}, step.Failures[0])
	})
}

func TestRegressionConfiguration(t *testing.T) {
	_, err := selector.Regression{}.Run(t.Context(), poolOf("a"))
	assert.ErrorContains(t, err, "Regression.Runner is nil")
	_, err = selector.Regression{Runner: tests{}, Parallel: -1}.Run(t.Context(), poolOf("a"))
	assert.ErrorContains(t, err, "Regression.Parallel is -1")
}
