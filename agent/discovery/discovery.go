package discovery

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/internal/browse"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/ckg"
)

// ToolName is the name DeepDiscovery has among the Coder's tools.
const ToolName = "deep_discovery"

// Defaults of [Options].
const (
	DefaultSmallRepo = 150
	DefaultMaxFiles  = 30
)

// Options configure DeepDiscovery. A nil *Options means the defaults.
type Options struct {
	// Index is the code knowledge graph of the workspace, such as the one
	// the Coder's own ckg tool serves (it is safe to share); nil opens
	// one, kept in memory, on the first call.
	Index *ckg.Index
	// SmallRepo is the number of source files up to which the location
	// stage outlines every file; a larger repository is summarised by
	// directory. 0 means DefaultSmallRepo.
	SmallRepo int
	// MaxFiles bounds the files an answer may list; 0 means
	// DefaultMaxFiles.
	MaxFiles int
}

// Tool is DeepDiscovery as a tool of another agent (see [New]). It is safe
// for concurrent use: each call runs the subagent apart.
type Tool struct {
	ws    tools.Workspace
	sub   agent.Agent
	small int
	max   int

	mu sync.Mutex // guards ix
	ix *ckg.Index
}

var _ tools.Tool = (*Tool)(nil)

// description is what the calling agent reads of the tool.
const description = `DeepDiscovery: a code-search subagent. Give it the task (the issue, with any stack trace) and it explores the repository in a context of its own, following definitions and references, and returns the files related to the task as JSON: for each, why it matters and the symbols that do, and how the files relate (calls, defines, imports, tests). Use it first, before reading code yourself; it sees nothing of your conversation but the task you give.`

// New returns DeepDiscovery over ws: sub, the subagent's model, limits and
// hooks, runs with its own system prompt and a lean tool set (ckg, a
// read-only view, a bounded grep, and submit), exposed through
// [agent.AsTool]. sub is copied. Its Limits bound each call; a call that
// reaches them returns an error result with what the location stage
// found.
func New(ws tools.Workspace, sub *agent.Agent, opts *Options) (*Tool, error) {
	if sub == nil || sub.Model == nil {
		return nil, fmt.Errorf("discovery: the subagent has no Model; set one")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.SmallRepo < 0 || o.MaxFiles < 0 {
		return nil, fmt.Errorf("discovery: Options.SmallRepo and MaxFiles must not be negative; use 0 for the defaults")
	}
	t := &Tool{ws: ws, sub: *sub, small: o.SmallRepo, max: o.MaxFiles, ix: o.Index}
	if t.small == 0 {
		t.small = DefaultSmallRepo
	}
	if t.max == 0 {
		t.max = DefaultMaxFiles
	}
	if t.sub.Name == "" {
		t.sub.Name = ToolName
	}
	return t, nil
}

// Spec describes the tool.
func (t *Tool) Spec() llm.ToolSpec {
	return llm.ToolSpec{
		Name:        ToolName,
		Description: description,
		Schema:      json.RawMessage(`{"type":"object","properties":{"task":{"type":"string","description":"The task, with everything the subagent needs to know: the issue, stack traces, names you already have."}},"required":["task"],"additionalProperties":false}`),
	}
}

// Run runs the location stage on the task, then the subagent on the task
// and what the location stage found, and returns its validated [Result] as
// JSON.
func (t *Tool) Run(ctx context.Context, args json.RawMessage) (tools.Result, error) {
	a, err := tools.Decode[struct {
		Task string `json:"task"`
	}](args, nil)
	if err != nil || strings.TrimSpace(a.Task) == "" {
		return tools.Errorf("%s needs a non-empty \"task\" string argument", ToolName), nil
	}
	ix, err := t.index(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return tools.Result{}, context.Cause(ctx)
		}
		return tools.Errorf("%s could not index the repository: %v", ToolName, err), nil
	}
	loc, err := locate(ctx, t.ws.FS().FS(), ix, a.Task, t.small)
	if err != nil {
		if ctx.Err() != nil {
			return tools.Result{}, context.Cause(ctx)
		}
		return tools.Errorf("%s could not walk the repository: %v", ToolName, err), nil
	}
	sub := t.sub
	set, err := tools.NewSet(ckg.NewToolIndex(t.ws, ix), browse.View(t.ws), browse.Grep(t.ws))
	if err != nil {
		return tools.Result{}, err
	}
	sub.Tools, sub.System = set, systemPrompt
	sub.Hooks.AfterTool = t.check(t.sub.Hooks.AfterTool)
	st, err := agent.AsTool(&sub, ToolName, description, json.RawMessage(answerSchema))
	if err != nil {
		return tools.Result{}, err
	}
	in, err := json.Marshal(map[string]string{"task": subTask(a.Task, loc)})
	if err != nil {
		return tools.Result{}, err
	}
	res, err := st.Run(ctx, in)
	if err == nil && res.IsError {
		if files := loc.found(); len(files) > 0 {
			res.Content += "\nBefore it stopped, its location stage pointed at: " + strings.Join(files, ", ") + "."
		}
	}
	return res, err
}

// index returns the code knowledge graph, opening it on first use.
func (t *Tool) index(ctx context.Context) (*ckg.Index, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ix != nil {
		return t.ix, nil
	}
	ix, err := ckg.Open(ctx, t.ws.Root(), &ckg.Options{NoCache: true})
	if err != nil {
		return nil, err
	}
	t.ix = ix
	return ix, nil
}

// check returns an AfterTool hook that validates the subagent's submitted
// answer against the repository, turning an answer that does not hold
// into an error result the subagent reads, and rewriting one that does
// into its checked form; then it calls next.
func (t *Tool) check(next func(context.Context, llm.ToolCall, *tools.Result) error) func(context.Context, llm.ToolCall, *tools.Result) error {
	return func(ctx context.Context, call llm.ToolCall, res *tools.Result) error {
		if call.Name == agent.SubmitName && res.Done {
			r, problem := validate(t.ws, res.Content, t.max)
			if problem != "" {
				*res = tools.Errorf("The answer was not accepted: %s. Fix it and submit again.", problem)
			} else {
				res.Content = r.encode()
			}
		}
		if next != nil {
			return next(ctx, call, res)
		}
		return nil
	}
}

// subTask is the subagent's task: the caller's, then what the location
// stage found.
func subTask(task string, loc *location) string {
	var b strings.Builder
	b.WriteString("# Task\n\n")
	b.WriteString(strings.TrimSpace(task))
	b.WriteString("\n\n# What the location stage found\n\n")
	b.WriteString(loc.String())
	return b.String()
}

const systemPrompt = `You are DeepDiscovery, a code-search agent. A coding agent will change this repository to do a task; you find all the code related to the task, so that it can work without missing any, and you change nothing.

Work in two stages, as a developer new to the repository would.

Location: find the key files. Start from what the location stage found for you below the task: the files and stack-trace frames the task names, where the names it uses are defined, the entry points, and the map of the repository. Search for the task's names with ckg (search_function, search_class, search_class_method, get_definition) and grep, and look at files with ckg outline and view.

Inference: from each key definition, follow the structure. ckg get_definition shows what a name refers to; find_references shows who uses it: its callers, subclasses, imports and tests. Follow the relations that bear on the task, and read with view only the parts you need. After each finding, ask whether you have enough: the code to change, what calls it and what it calls when a change there could break them, the types and values it uses, and the tests that cover it. Stop when you do; do not list files only because they are near.

Then call submit with the related files, the most important first: for each, why it matters and the symbols in it that do (each must occur in the file); how the files relate (calls, defines, imports, tests); and a summary of how they fit together and where the change belongs. Paths are relative to the repository root. If your answer is refused, read why, fix it and submit again.`
