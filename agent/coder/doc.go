// Package coder is Trae's Coder agent: a model with an editor, a shell,
// the code knowledge graph, sequential thinking and task_done, working on
// an issue in a git worktree of its own and returning the whole change of
// that worktree as a candidate patch.
//
// # One Coder
//
// A Coder is an agent.Agent configuration plus an ID. Coder.Run makes a
// worktree of the base commit (internal/gitx), gives the agent its tools
// there, tells it the issue and the language levels the project declares
// (Levels: the go.mod go line, requires-python, engines.node,
// rust-version, the Java release), runs it, and reads the patch: "git add
// -A" into a copy of the worktree's index and the diff against the base,
// so new, deleted and binary files count, and throwaway reproduction
// scripts are left out unless KeepScratch. task_done is refused while the
// patch holds no source change (agent/mustpatch). The worktree is removed
// when Run returns, after a panic or a cancelled context too.
//
// The Result holds the selector.Candidate (ID, Source: the model name,
// Patch), the agent's Run (steps, usage and cost per model, stop reason)
// and Err when the run did not end with task_done; a failed run still
// gives the patch it made.
//
// # Several Coders
//
// RunAll runs Coders (different models, or one model at several
// temperatures) in parallel with a limit, on one repository, each in its
// own worktree. They share one code knowledge graph of the base commit
// (tools/ckg's Shared): it is parsed once, and each Coder's edits show in
// its own view only. A Coder that fails, panics or runs out of time is a
// Result with Err; the others' patches are kept. Candidates turns the
// results into a selection's input.
package coder
