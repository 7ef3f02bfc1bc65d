package tester_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/selector"
)

// A project in no language the tester knows, tested by the user's
// command: through the JUnit report it writes, or by its exit status.
func TestTesterCommand(t *testing.T) {
	files := map[string]string{
		"value.txt": "1\n",
		"notes.txt": "notes\n",
		"check.sh": `v=$(cat value.txt)
fail=""
[ "$v" = 1 ] || fail='<failure message="value is not 1">value.txt holds '"$v"'</failure>'
printf '<testsuite><testcase classname="values" name="is_one">%s</testcase><testcase classname="values" name="always"/></testsuite>' "$fail" > "$CONCLAVE_JUNIT_DIR/values.xml"
`,
	}
	repo, _ := gittest.Repo(t, files)
	candidates := []selector.Candidate{
		{ID: "harmless", Patch: patchOf(t, repo, map[string]string{"notes.txt": "more notes\n"})},
		{ID: "breaker", Patch: patchOf(t, repo, map[string]string{"value.txt": "2\n"})},
	}
	for _, c := range []struct {
		command   string
		kept      []string
		regressed string
		log       string
	}{
		{"sh check.sh", []string{"values.always", "values.is_one"}, "values.is_one", "value.txt holds 2"},
		{`v=$(cat value.txt); echo "value $v"; test "$v" = 1`, []string{`command: v=$(cat value.txt); echo "value $v"; test "$v" = 1`},
			`command: v=$(cat value.txt); echo "value $v"; test "$v" = 1`, "value 2"},
	} {
		t.Run(c.command, func(t *testing.T) {
			tst := &tester.Tester{Repo: repo, WorktreeDir: t.TempDir(), Command: c.command}
			report, err := tst.Check(t.Context(), "", candidates)
			require.NoError(t, err)
			assert.Equal(t, []tester.Suite{{Kind: tester.Command, Shell: c.command}}, report.Suites)
			assert.Equal(t, c.kept, report.Baseline.Kept)
			assert.True(t, report.Candidates[0].Kept, "%+v", report.Candidates[0])
			require.Len(t, report.Candidates[1].Regressions, 1)
			assert.Equal(t, c.regressed, report.Candidates[1].Regressions[0].Name)
			assert.Contains(t, report.Candidates[1].Regressions[0].Log, c.log)
		})
	}
}

func TestTesterNothingToTest(t *testing.T) {
	repo, _ := gittest.Repo(t, map[string]string{"README": "hi\n"})
	tst := &tester.Tester{Repo: repo, WorktreeDir: t.TempDir()}
	c := selector.Candidate{ID: "docs", Patch: patchOf(t, repo, map[string]string{"README": "hello\n"})}
	report, err := tst.Check(t.Context(), "", []selector.Candidate{c})
	require.NoError(t, err)
	assert.Empty(t, report.Suites)
	assert.Contains(t, report.Notes[0], "no test found")
	assert.True(t, report.Candidates[0].Kept)
}

func TestTesterErrors(t *testing.T) {
	_, err := (&tester.Tester{}).Plan(t.Context(), "", nil)
	assert.ErrorContains(t, err, "Tester.Repo is empty")
	_, err = (&tester.Tester{Repo: t.TempDir(), Parallel: -1}).Plan(t.Context(), "", nil)
	assert.ErrorContains(t, err, "Tester.Parallel is -1")
	_, err = (&tester.Tester{Repo: t.TempDir(), WorktreeDir: t.TempDir()}).Plan(t.Context(), "", nil)
	assert.ErrorContains(t, err, "not in a git working tree")
	// A command that cannot run on the original code leaves nothing to
	// compare against: an error naming the command.
	repo, _ := gittest.Repo(t, map[string]string{"a": "a\n"})
	_, err = (&tester.Tester{Repo: repo, WorktreeDir: t.TempDir(), Command: "echo no such tool >&2; exit 127"}).Plan(t.Context(), "", nil)
	assert.ErrorContains(t, err, "no such tool")
}

// Test commands run candidates' code: they never see a credential of
// this process.
func TestTesterCommandSeesNoSecret(t *testing.T) {
	t.Setenv("EXAMPLE_API_KEY", "sk-this-must-not-leak-0123456789")
	repo, _ := gittest.Repo(t, map[string]string{"a.txt": "a\n"})
	tst := &tester.Tester{Repo: repo, WorktreeDir: t.TempDir(), Command: `echo "key=[$EXAMPLE_API_KEY]"; test -z "$EXAMPLE_API_KEY"`}
	plan, err := tst.Plan(t.Context(), "", nil)
	require.NoError(t, err)
	assert.Equal(t, 1, plan.Baseline.Passed, "%+v", plan.Baseline)
}
