// Package tester is Trae's Tester agent: it finds a project's existing
// tests relevant to an issue and to the files candidate patches change,
// runs them on the original code to learn which pass reliably, and runs
// them on every candidate, each in a git worktree of its own, to find the
// candidates that break something.
package tester
