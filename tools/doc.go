// Package tools defines what an agent can do: the [Tool] contract, the
// [Set] an agent is given, and the [Workspace] it may touch.
//
// A Tool describes itself with an [llm.ToolSpec] and runs on the raw JSON
// arguments a model wrote. Failures the model should read and fix (bad
// arguments, no match, a failing command) are a [Result] with IsError;
// a Go error means the run cannot go on. [NewFunc] builds a Tool from a
// typed Go function and derives its JSON Schema from the argument struct,
// validating arguments before the function sees them.
//
// The tools themselves live in subpackages: edit (str_replace_editor),
// bash (a persistent shell), ckg (a code knowledge graph), think
// (sequential_thinking and task_done) and mcp (tools served by MCP
// servers). toolstest holds the conformance suite every Tool should pass.
package tools
