// Package think provides the two tools that act on the agent's run rather
// than on the workspace: sequential_thinking and task_done.
//
// # sequential_thinking
//
// [Sequential] lets a model think in numbered steps before it acts. It
// records each thought, with revisions of earlier thoughts and branches
// from them, and answers with a short status: the thought's number out of
// the estimated total, the history's length and the branches. Only the
// thought itself is required; the number, the total and whether another
// thought is needed default from the history. A revision or branch that
// names a thought not in the history is an error result. The history is
// available to tests and trajectories through [Sequential.History].
//
// # task_done
//
// [TaskDone] ends a run: its result has [tools.Result.Done] set and the
// model's optional summary as Content, and the agent loop stops there. A
// [Guard] can refuse, for instance while the agent has produced no patch;
// the refusal reaches the model as an error result and the run goes on:
//
//	done := think.NewTaskDone(func(ctx context.Context, _ string) (string, error) {
//		diff, err := patch(ctx)
//		if err != nil {
//			return "", err // the run cannot go on
//		}
//		if diff == "" {
//			return "There is no change yet: fix the issue in the code, then call task_done.", nil
//		}
//		return "", nil
//	})
package think
