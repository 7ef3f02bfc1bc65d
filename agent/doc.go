// Package agent is the loop every Conclave agent runs on: a model with
// tools working on a task until it calls task_done or a limit stops it.
// The Coder, the Tester, the judges and DeepDiscovery are agents of this
// package with their own prompts and tools, and so are agents of your own.
//
// # An agent
//
// An [Agent] is plain configuration: a model, a [tools.Set], a system
// prompt, request settings, [Limits] and optional [Hooks], an Observer and
// a Trajectory writer. [Agent.Run] runs it on a task and returns a [Run]:
// why it stopped ([StopReason]), the final message, every [Step] with its
// model call and tool calls, and the usage and cost per model. A stop for a
// limit (steps, tokens, dollars, wall time) is a result; Run returns an
// error only when the run failed (StopError) or was cancelled.
//
//	a := &agent.Agent{Model: model, ModelName: "claude-sonnet-4-5", Tools: set,
//		System: prompt, Limits: agent.Limits{Steps: 100, Dollars: 2}}
//	run, err := a.Run(ctx, issue)
//
// # Tool calls
//
// All tool calls of one model turn run concurrently, except where a tool
// says otherwise through [tools.Ordered]: the editor orders calls on the
// same file, bash and task_done run alone. Results go back in call order.
// An unknown tool, arguments that are not JSON, a panicking tool and a tool
// running past ToolTimeout each become an error result the model reads
// (the [ToolRun] says which [Failure]); a Go error from a tool means the
// run cannot go on and ends it. A reply without a tool call gets a nudge, at
// most MaxNudges in a row.
//
// "Must patch" is a task_done guard: see package agent/mustpatch.
//
// # The context window
//
// Each model's window comes from llm's catalog ([llm.Lookup]) or from
// Agent.Window, and request sizes are estimated in tokens, calibrated by
// what each response says the request cost. When the next request would
// pass 90% of the window (less room for the reply), the oldest tool outputs
// are cut to their head and tail with a note saying how to see the rest;
// if that is not enough, the oldest turns are condensed by the model
// (Agent.Summarizer) into a summary kept with the task. Both go down to 60%,
// so trims are rare and the prompt cache keeps working between them. The
// system prompt and the task are never changed. If the provider still
// answers [llm.ErrContextLength], the run trims harder and retries once,
// learning the window if it did not know it.
//
// # Events, hooks and trajectories
//
// Every step, trim, model call, tool call and result, nudge and stop is an
// [Event], delivered in order to Agent.Observer and written as a JSON line
// to Agent.Trajectory as it happens. [ReadTrajectory] reads a trajectory
// back, and [ToTrae] converts it to trae-agent's trajectory JSON. Hooks run
// before and after each model call and tool call: they may rewrite, refuse
// (the model reads the refusal as an error result) or stop the run
// ([ErrStop]).
//
// Credentials never reach the model, an event or a trajectory through a
// tool's output: values of the environment variables [tools.IsSecret]
// reports (the rule that also scrubs commands' environments), Agent.Secrets, API keys of the common
// shapes and Authorization headers are redacted from every tool result.
// Trajectory lines are redacted whole.
//
// # Subagents
//
// [AsTool] exposes an agent as a tool of another: it runs in its own
// context window with its own tools and answers through a submit tool with
// a JSON object checked against a schema the caller gives. Its usage counts
// in the parent's, and its events and trajectory nest under the parent's
// call.
//
// # Replay
//
// Wrap the model with llm/replay's Record to keep a run's model traffic,
// and run the same agent on a replay.Player to reproduce the run offline:
// the same tool calls, files and final message.
package agent
