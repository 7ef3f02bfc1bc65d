// Package judge is the Selector agent of Trae and the judge panel member of
// ACoder: a model that judges candidate patches the way a reviewer would,
// reading the original code, applying each candidate and running it, and
// answering through a structured tool rather than in prose.
//
// A [Judge] implements [selector.Judge] (approval and choice questions)
// and [selector.Verifier] (dual verification), so judges seat directly in
// selector's Panel, MultiSelect and Tournament stages and in SyntaxVote:
//
//	j := &judge.Judge{Agent: agent.Agent{Model: claude, ModelName: "claude-sonnet-4-5",
//		Limits: agent.Limits{Steps: 40, Dollars: 1, Time: 10 * time.Minute}},
//		Repo: repo, Base: base}
//	panel := selector.Panel{Judges: map[string]selector.Judge{"claude": j, "gpt": k}}
//
// # What a judge sees and does
//
// Each question runs the judge's agent once, in a git worktree of Base made
// for it and removed after. Its tools:
//
//   - bash, a shell in that worktree;
//   - view, a read-only view of files and directories;
//   - ckg, the code knowledge graph (definitions and uses of names);
//   - try_candidate, which applies a candidate's patch in a scratch worktree
//     of its own, made on first use, and runs a command there: the tests, a
//     reproduction script. Every scratch worktree is removed after the
//     question;
//   - view_patch, when the patches are summarised (see below);
//   - submit, through which it answers.
//
// The task names the issue, lists the candidates under their IDs in the
// order the selector gave (shuffled per judge and round against position
// bias), the criteria, and the question.
//
// # Patches whole or summarised
//
// The candidates' patches are shown whole when together they fit in
// PatchTokens (estimated at 0.3 tokens a byte; by default a third of the
// model's window). When they do not, each is summarised (its files, their
// status, lines added and removed, and the definitions its hunks sit in)
// and the judge reads the patches through view_patch.
//
// # Answers
//
// The submit tool's schema is the question's:
//
//   - approval: a vote of 0 or 1 for every candidate, each with a reason
//     and a finding on every criterion;
//   - choice: the one candidate picked, with why;
//   - verification: confirmed or not, with why.
//
// An answer that leaves a candidate out, votes twice on one, names a
// candidate that is not in the question or lacks a reason is refused with
// an error result saying what to fix, and the judge may submit again
// within its limits. A run that ends without an accepted answer is an
// error that names why (the step, token, dollar or time limit, a refusal, a
// failed model call) and what the run cost; the selector records it as the
// judge's failure and the other judges decide.
//
// # Evidence and track records
//
// Every answer carries a [selector.Trace]: the model, the steps, the tokens
// and dollars spent, and the path of the trajectory file when Trajectories
// is set. The selector keeps the answers, reasons per candidate and per
// criterion included, in its Decision. Track records for
// [vote.Reliability] are kept per judge: seat each judge under a stable
// name (its model's, typically) and the Decision's ballots and traces say
// how each voted on what.
package judge
