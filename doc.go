// Package conclave is an SDK for ensemble patch selection: several coding
// agents, each on a different model, propose patches for one issue; a
// tester prunes the ones that break the project; a selector picks one by
// syntax voting and by a panel of judges; and when the pick is unsure, the
// judges' critiques go back to the agents for one more round.
//
// # The pipeline
//
// A [Pipeline] is that system end to end. Its Coders (agent/coder) work in
// parallel, each in a git worktree of its own; its Tester (agent/tester)
// finds the project's tests relevant to the issue and runs them on the
// original code and on every candidate; its selection runs the seeds'
// chain by default ([DefaultStages]): the content filter, the apply check,
// the regression filter, syntax clustering and a syntax vote whose winner a
// judge verifies, then a panel of judges (agent/judge):
//
//	p := &conclave.Pipeline{
//		Coders: []*coder.Coder{claude, gpt, gemini},
//		Tester: &tester.Tester{},
//		Judges: map[string]selector.Judge{"opus": opus, "gpt": gptJudge},
//		Refine: &conclave.Refine{},
//	}
//	res, err := p.Run(ctx, conclave.Task{Repo: ".", Issue: issue}, "runs/issue-42")
//
// The [Result] holds the winning patch, every candidate with its run, the
// selector's Decision with every stage's evidence, the usage and cost per
// stage and model, and where each agent's trajectory is.
//
// # The run directory
//
// Everything lands in the run directory as it happens: the candidates, the
// tests' plan and results, every judge's answer, the trajectories, each
// round's Decision. Running again on the same directory resumes: a
// finished candidate is never generated again and a judge that answered is
// never asked again. Each stage is also a method of a [Job], callable on
// its own with serialisable arguments and results, which is what a
// durable-execution workflow needs. docs/pipeline.md in the repository
// describes the layout and the stages.
//
// # Refinement
//
// When the selection is unsure ([Unsure]: every candidate failed the tests,
// or no cluster won the syntax vote and the judges split), each Coder gets
// the critiques of its candidate, starts from its patch, and a second
// selection runs; [Refinement] says whether the winner changed.
//
// # The map
//
// The packages, from the bottom up (docs/architecture.md has the data flow):
//
//   - llm: messages, tool calls and the [llm.Model] contract, with
//     middleware for retries, concurrency limits, metering and logging.
//     llm/anthropic, llm/openai and llm/gemini speak each provider's wire
//     format over net/http; llm/llmtest has a scripted fake model and a
//     conformance suite; llm/replay records any model's traffic and replays
//     it offline.
//   - tools: the [tools.Tool] contract, tool sets and the confined
//     workspace agents edit. tools/edit, tools/bash, tools/ckg, tools/think
//     and tools/mcp are the agents' tools; tools/bwrap is a sandboxed
//     workspace.
//   - agent: the loop every agent runs on (concurrent tool calls, limits,
//     context trimming, events, hooks, JSONL trajectories, subagents as
//     tools); agent/coder is the Coder, agent/tester the Tester,
//     agent/judge the judge of candidate patches (selector's Judge and
//     Verifier), agent/discovery the Coder's code-search subagent,
//     agent/mustpatch refuses task_done until there is a patch.
//   - vote: ballots, tallies and voting strategies, pure and model-free.
//   - selector: candidate patches and the stages that filter, cluster,
//     vote on them and play them off in a tournament (selector/syntax
//     compares patches by syntax tree).
//   - conclave (this package): the pipeline; config reads the one YAML
//     file that describes one, and cmd/conclave is the command.
//
// Nothing here needs a network or an API key to be tested: models are
// faked by llmtest or replayed by llm/replay, providers by httptest servers
// speaking their real wire formats.
package conclave
