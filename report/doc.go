// Package report writes a run of Conclave as one self-contained HTML page:
// why the winner won, and what every agent did on the way.
//
// # A run directory
//
// [Load] reads a run directory (docs/pipeline.md has its layout) whole or
// unfinished, and [Write] makes the page:
//
//	r, err := report.Load("runs/issue-42")
//	if err != nil {
//		return err
//	}
//	f, err := os.Create("runs/issue-42/report.html")
//	...
//	err = report.Write(f, r)
//
// The page shows at a glance the issue, the winner and the stage that chose
// it, a funnel of the candidates through the stages (how many each dropped,
// and why), the clusters of equivalent patches with their sources, every
// vote (each judge's ballot per candidate and per criterion, round by
// round, with weights and the order the judge saw the candidates in), the
// tests and the regressions of each candidate, the cost and tokens per
// model and per stage, and each candidate's patch as a diff, side by side
// with the winner's on request. The decision also appears in words, as
// [selector.Decision.Explain] writes it.
//
// # Trajectories
//
// Each Coder's, tester's and judge's trajectory the records name is shown
// as its steps in order: the model's text and reasoning, each tool call
// with its arguments and (collapsed) output, errors highlighted, trims of
// the context marked, tokens and cost per step. A step is a closed
// <details> whose body waits in an inert <template> until the step is
// first opened (the page's script then builds it), so a trajectory of 500
// steps costs the browser little until it is read. The browser's find
// sees only the steps built: "open every step" builds them all.
//
// # Untrusted text
//
// Patches, model output, issues and names are untrusted. Every one of them
// goes through html/template and shows as text; none reaches a script or
// an attribute that runs one. The page's Content-Security-Policy allows
// only its own inline style and script (by their hashes) and no network
// at all, so even a mistake in escaping would run nothing, and the page
// loads nothing from anywhere. Each text is bounded (its head and tail
// kept, the bytes left out counted: 16 KiB a message, argument or output,
// 512 KiB a patch), a trajectory keeps at most 32 MiB of text and 5000
// steps, and a record read is at most 256 MiB, so a huge trajectory or
// patch makes neither a huge page nor a huge heap.
//
// # A selection alone, and many runs
//
// [FromDecision] makes a Run of a selection without a run directory, such
// as each instance of conclave select; [Write] puts several runs on one
// page. [LoadAll] reads the run directories of a conclave swebench run and
// [WriteIndex] lists them with their winners, doubts and costs, linking
// each to its own page.
package report
