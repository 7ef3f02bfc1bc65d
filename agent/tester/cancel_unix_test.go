//go:build unix

package tester_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/selector"
)

// A check cancelled while a candidate's tests run ends them, removes the
// worktrees and leaves no process.
func TestTesterCancelled(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "started")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	repo, _ := gittest.Repo(t, map[string]string{"a.txt": "a\n"})
	slow := selector.Candidate{ID: "slow", Patch: patchOf(t, repo, map[string]string{"slow": "1\n"})}
	worktrees := t.TempDir()
	ctx, cancel := context.WithCancelCause(t.Context())
	go func() {
		f, err := os.Open(fifo) // returns once the candidate's command has started
		if err == nil {
			io.ReadAll(f)
			f.Close()
		}
		cancel(errors.New("the user pressed ^C"))
	}()
	tst := &tester.Tester{Repo: repo, WorktreeDir: worktrees,
		Command: `if [ -f slow ]; then echo started > ` + fifo + `; sleep 60 & sleep 60; fi`}
	report, err := tst.Check(ctx, "", []selector.Candidate{slow})
	require.NoError(t, err, "the plan was made before the cancel")
	assert.Contains(t, report.Candidates[0].Error, "the user pressed ^C")
	assert.False(t, report.Candidates[0].Kept)
	emptyDir(t, worktrees)
	checkNoProcessIn(t, worktrees)
}
