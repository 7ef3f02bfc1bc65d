// Package tester is Trae's Tester agent: it finds a project's existing
// tests relevant to an issue and to the files candidate patches change,
// runs them on the original code to learn which pass reliably, and runs
// them on every candidate, each in a git worktree of its own, to find the
// candidates that break something. It reads tests only from the
// repository at its base commit: hidden benchmark tests stay hidden.
//
// # Discovery
//
// A Discoverer turns a Request (a checkout of the base, the issue, the
// changed files) into Suites: test commands of a Kind (go test, pytest,
// unittest, or a shell command) with their targets and, optionally, the
// test names that count. Deterministic needs no model: the Go packages of
// the changed files and their importers, found with go list; the Python
// test modules importing the changed modules, run by pytest when the
// interpreter has it, else unittest; or the user's command. Explorer is a
// model with bash, the code knowledge graph and a read-only editor that
// proposes suites through the propose_tests tool. Tester.Discover lists
// the discoverers to use; their suites are merged.
//
// # Baseline and candidates
//
//	plan, err := t.Plan(ctx, issue, patches) // discovery + the baseline
//	results := plan.Check(ctx, candidates)   // or: selector.Regression{Runner: plan}
//
// Plan runs the suites twice on the base in one worktree: tests that pass
// both times are held against the candidates, tests that flip are flaky
// and count for no one. Plan.Check runs each candidate in a fresh worktree
// with its patch applied, Tester.Parallel at a time, each run within
// Tester.Timeout; a patch that does not apply, a suite that cannot run and
// a run past its time are the candidate's Error, never a pass. A Result
// lists the regressions (failed, skipped or missing tests) with the tail
// of their logs. Plan implements selector.TestRunner, answering the
// original's results from its baseline.
//
// # Parsers
//
// ParseGoTest, ParseJUnit (pytest, Maven Surefire, Gradle, jest-junit) and
// ParseUnittest read the runners' output into Tests. The output is
// untrusted: lines, names, logs and the number of tests are bounded, and
// every parser is fuzzed.
//
// # Processes
//
// Test commands run through a tools.Workspace (Tester.Workspace: a
// sandbox, say), with credentials scrubbed from their environment, in a
// session of their own that is killed whole when the run ends, so nothing
// a test started outlives it.
package tester
