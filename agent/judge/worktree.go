package judge

import (
	"context"
	"sync"

	"github.com/conclave-dev/conclave/internal/gitx"
)

// worktreeMu serialises the judges' "git worktree add" and "remove" in
// this process: git reads every worktree's administrative files while it
// adds one, and fails ("failed to read .git/worktrees/…/commondir") when
// another add is halfway through writing its own, which a panel's judges
// starting at once do.
var worktreeMu sync.Mutex

// addWorktree is gitx.AddWorktree, one at a time.
func addWorktree(ctx context.Context, repo, base string, opts *gitx.WorktreeOptions) (*gitx.Worktree, error) {
	worktreeMu.Lock()
	defer worktreeMu.Unlock()
	return gitx.AddWorktree(ctx, repo, base, opts)
}

// closeWorktree is wt.Close, one at a time with addWorktree.
func closeWorktree(wt *gitx.Worktree) error {
	worktreeMu.Lock()
	defer worktreeMu.Unlock()
	return wt.Close()
}
