// Package mustpatch is the "must patch" rule of a coding agent: task_done
// is refused while the agent's working tree has no change to the project's
// code against the base commit.
//
//	done := think.NewTaskDone(mustpatch.Guard(dir, base))
package mustpatch

import (
	"context"
	"fmt"
	"strings"

	"github.com/conclave-dev/conclave/internal/gitx"
	"github.com/conclave-dev/conclave/selector/syntax"
	"github.com/conclave-dev/conclave/tools/think"
)

// Guard returns a [think.Guard] for the git working tree at dir that
// refuses task_done while the patch against base (every change "git add
// -A" would stage: new and deleted files count) is empty or touches only
// tests and throwaway scripts, as [syntax.Classify] tells them. The
// refusal tells the model what is missing. A failing git command is the
// guard's error, which ends the run.
func Guard(dir, base string) think.Guard {
	return func(ctx context.Context, _ string) (string, error) {
		p, err := gitx.Diff(ctx, dir, base)
		if err != nil {
			return "", fmt.Errorf("mustpatch: %w", err)
		}
		return refusal(p.Files), nil
	}
}

// refusal returns why files are not a patch yet, or "".
func refusal(files []gitx.File) string {
	if len(files) == 0 {
		return "There is no change to the code yet, so the task is not done. Fix the issue in the project's source files, check the fix, then call task_done."
	}
	var side []string
	for _, f := range files {
		switch syntax.Classify(f.Path, f.Status == gitx.Added) {
		case syntax.FileTest, syntax.FileScratch:
			side = append(side, f.Path)
		default:
			return ""
		}
	}
	return fmt.Sprintf("Your change touches only tests and scripts (%s), so the issue is not fixed yet. Change the project's source code to fix it, then call task_done.", strings.Join(side, ", "))
}
