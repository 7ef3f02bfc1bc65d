// Package conclave is an SDK for ensemble patch selection: several coding
// agents, each on a different model, propose patches for one issue; a tester
// prunes the ones that break the project; a selector picks one by syntax
// voting and by a panel of judges.
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
//     and tools/mcp are the agents' tools.
//   - agent: the loop every agent runs on (concurrent tool calls, limits,
//     context trimming, events, hooks, JSONL trajectories, subagents as
//     tools); agent/mustpatch refuses task_done until there is a patch;
//     agent/judge is the judge of candidate patches (selector's Judge and
//     Verifier), agent/discovery the Coder's code-search subagent.
//   - vote: ballots, tallies and voting strategies, pure and model-free.
//   - selector: candidate patches and the stages that filter, cluster,
//     vote on them and play them off in a tournament (selector/syntax
//     compares patches by syntax tree).
//
// Nothing here needs a network or an API key to be tested: models are
// faked by llmtest, providers by httptest servers speaking their real wire
// formats.
package conclave
