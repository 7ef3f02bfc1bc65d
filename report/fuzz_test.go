package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/conclave-dev/conclave/report"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzTrajectory: any bytes as a trajectory read without panicking, and
// the page of what was read holds no markup of theirs.
func FuzzTrajectory(f *testing.F) {
	f.Add([]byte(`{"kind":"step","agent":"a","step":1}` + "\n" + `{"kind":"tool_call","agent":"a","step":1,"call":{"id":"1","name":"</script>","args":"<!--"}}`))
	f.Add([]byte(`{"kind":"tool_result","agent":"a","tool":{"call":{"id":"x"},"content":"<b>"}}`))
	f.Add([]byte("{}\n{\"kind\":\"step\"}\n\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, _ := report.ReadTrajectory(bytes.NewReader(data))
		require.NotNil(t, tr)
		tr.Agent = "a"
		var b bytes.Buffer
		require.NoError(t, report.Write(&b, &report.Run{Trajectories: []*report.Trajectory{tr}}))
		assert.Equal(t, 1, strings.Count(b.String(), "<script"))
	})
}

// FuzzBound: a bounded text is valid UTF-8 when the text is, and short.
func FuzzBound(f *testing.F) {
	f.Add("héllo wörld", 4)
	f.Add(strings.Repeat("日本", 100), 17)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 1<<16 {
			return
		}
		got := report.Bound(s, n)
		if len(s) <= n {
			assert.Equal(t, s, got)
			return
		}
		if utf8.ValidString(s) {
			assert.True(t, utf8.ValidString(got))
		}
		assert.LessOrEqual(t, len(got), n+64)
	})
}

// TestTrajectoryPaths: a judge's trajectory named by an absolute path, a
// path into a run directory since moved, or a path leading outside is
// read from inside the run directory, or not at all.
func TestTrajectoryPaths(t *testing.T) {
	dir := t.TempDir()
	fixture(t, dir, 3, 2)
	decision := filepath.Join(dir, "round-1", "decision.json")
	orig, err := os.ReadFile(decision)
	require.NoError(t, err)
	abs, err := filepath.Abs(dir)
	require.NoError(t, err)
	for _, tc := range []struct {
		name, prefix string
		found        bool
	}{
		{"absolute", abs + "/trajectories/", true},
		{"moved", "/elsewhere/old-run/trajectories/", true},
		{"outside", "../../", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.ReplaceAll(orig, []byte(`"trajectories/`), []byte(`"`+tc.prefix))
			if tc.name == "outside" {
				b = bytes.ReplaceAll(b, []byte(`-approval-1.jsonl"`), []byte(`-approval-1.jsonl/../../../../etc/hostname"`))
			}
			require.NoError(t, os.WriteFile(decision, b, 0o644))
			r, err := report.Load(dir)
			require.NoError(t, err)
			judge := r.Trajectories[3]
			if tc.found {
				assert.Empty(t, judge.Problem)
				assert.Equal(t, "trajectories/gemini-approval-1.jsonl", judge.Path)
				assert.NotEmpty(t, judge.Steps)
			} else {
				assert.Equal(t, "not found in the run directory", judge.Problem)
				assert.Empty(t, judge.Steps)
			}
		})
	}
}
