// Package discovery is DeepDiscovery, ACoder's code-search subagent: an
// agent with a context of its own that finds the code related to a task
// and hands the Coder a checked list of files, why each matters, the
// symbols that do and how the files relate.
//
// It is a tool of the Coder (subagent-as-a-tool, [agent.AsTool]):
//
//	dd, err := discovery.New(ws, &agent.Agent{Model: model, ModelName: "claude-haiku-4-5",
//		Limits: agent.Limits{Steps: 30}}, &discovery.Options{Index: ix})
//	coderTools, err := tools.NewSet(editor, shell, dd, done)
//
// Its usage counts in the Coder's run and budget, and its events and
// trajectory nest under the Coder's call.
//
// # Location
//
// Before the subagent starts, the tool reads the task and the repository
// without a model, by rules, and writes what it found into the subagent's
// task:
//
//   - the files the task names, by path or by a path's tail;
//   - the frames of stack traces in the task (Python, Java, and path:line
//     as Go, JavaScript and most tools print them) that fall in the
//     repository;
//   - where the repository defines the names the task writes as code (in
//     backquotes, called, CamelCase, snake_case or dotted);
//   - the entry points: files named main, index, init, __init__, app, cli
//     and the like, shallowest first;
//   - a map sized to the repository: the outline of every source file when
//     it has at most Options.SmallRepo of them, otherwise each directory's
//     file count and first definitions.
//
// The subagent then searches the task's names with the code knowledge
// graph and grep.
//
// # Inference
//
// From the key definitions the subagent follows get_definition and
// find_references to callers, callees, types, imports and tests, reading
// only what it needs, and asks after each finding whether the context is
// enough. It stops when it judges so, or when its Limits end the run.
//
// # Tools
//
// A lean set: ckg (search_function, search_class, search_class_method,
// get_definition, find_references, outline), view (read-only) and grep
// (bounded in files read and matches returned), and submit.
//
// # The answer
//
// The subagent submits a [Result], checked against the repository before
// it is accepted: every file exists and is listed once with a reason,
// every symbol occurs in its file, relations join listed files and have a
// known kind. An answer that fails is refused with what to fix, and the
// subagent may submit again. The tool returns the accepted Result as JSON;
// a run that ends without one returns an error result naming why, with
// the files the location stage pointed at.
package discovery
