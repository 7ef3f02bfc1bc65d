package tester

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/bash"
	"github.com/conclave-dev/conclave/tools/ckg"
	"github.com/conclave-dev/conclave/tools/edit"
	"github.com/conclave-dev/conclave/tools/think"
)

// ProposeName is the name of the tool through which an [Explorer]
// proposes its suites.
const ProposeName = "propose_tests"

// Explorer finds tests with a model (Trae's Tester agent): an agent with
// bash, the code knowledge graph, a read-only str_replace_editor and
// sequential_thinking explores a checkout of the base, may run tests to
// see what they do, and proposes suites, with the test ids that matter,
// through the propose_tests tool. It composes with [Deterministic] in
// [Tester.Discover]: their suites are merged.
type Explorer struct {
	// Agent is the explorer's configuration: Model and ModelName at
	// least, and its Limits, Observer or Trajectory as wanted. Tools and
	// Name are set by Discover; an empty System is [ExplorerPrompt].
	Agent agent.Agent
	// Graphs shares the code knowledge graph of the base with the other
	// agents working on it; nil builds one in memory.
	Graphs *ckg.Shared
}

// ExplorerPrompt is the explorer's default system prompt.
const ExplorerPrompt = `You are the tester of a software project. Several candidate patches were written for an issue; your job is to find the project's EXISTING tests that could catch a candidate breaking something: tests of the code the issue is about and of the files the candidates change, and tests of code that uses them.

Work like this:
1. Read the issue and the list of changed files.
2. Find the tests: use ckg (find_references, get_definition) to see who uses the changed code, and bash (ls, grep, find, git grep) to find test files and the way the project runs its tests (Makefile, CI files, tox.ini, pyproject.toml, package.json, go.mod).
3. If in doubt, run a test command with bash to check that it works on this original code; most tests should pass.
4. Call propose_tests with suites that run those tests. Prefer a few focused suites over the whole test suite of a large project.

Suite kinds: "go" (targets: Go package import paths, run with go test -json; dir: the module's directory), "pytest" (targets: test files or node ids), "unittest" (targets: dotted test modules or test ids), "command" (shell: a command line; its results are read from go test -json output, unittest -v output, or JUnit XML it writes to $CONCLAVE_JUNIT_DIR). In tests, you may list the test names that matter (Go: "import/path.TestName"; Python: "module.Class.test_name" or a pytest node id); leave it empty to count all.

Do not change any file: your editor can only view, and what you change with bash is thrown away. Never write new tests.`

// proposal is what the explorer submits.
type proposal struct {
	Suites []Suite `json:"suites" jsonschema:"the suites that run the relevant existing tests"`
	Reason string  `json:"reason,omitempty" jsonschema:"why these tests, in a sentence or two"`
}

// Discover implements [Discoverer].
func (e *Explorer) Discover(ctx context.Context, req Request) ([]Suite, error) {
	if e.Agent.Model == nil {
		return nil, errors.New("tester: Explorer.Agent.Model is nil: set the model that explores")
	}
	ws, err := tools.NewLocal(req.Dir, nil)
	if err != nil {
		return nil, fmt.Errorf("tester: %w", err)
	}
	shell, err := bash.New(ws, nil)
	if err != nil {
		return nil, fmt.Errorf("tester: %w", err)
	}
	graph := ckg.NewTool(ws, &ckg.Options{NoCache: true})
	if e.Graphs != nil && req.Tree != "" {
		ix, err := e.Graphs.Fork(ctx, req.Tree, req.Dir)
		if err != nil {
			return nil, fmt.Errorf("tester: %w", err)
		}
		graph = ckg.NewToolIndex(ws, ix)
	}
	propose := tools.NewFunc(ProposeName, "Propose the test suites to run on every candidate. This ends your work.",
		func(_ context.Context, p proposal) (tools.Result, error) {
			if len(p.Suites) == 0 {
				return tools.Errorf("propose at least one suite; if the project has no relevant test, propose the command that runs its whole test suite"), nil
			}
			for i, s := range p.Suites {
				if err := s.Validate(); err != nil {
					return tools.Errorf("suite %d: %s", i+1, strings.TrimPrefix(err.Error(), "tester: ")), nil
				}
			}
			out, err := json.Marshal(p)
			if err != nil {
				return tools.Result{}, err
			}
			return tools.Result{Content: string(out), Done: true}, nil
		})
	set, err := tools.NewSet(shell, graph, readOnly{edit.New(ws, nil)}, think.NewSequential(), propose)
	if err != nil {
		return nil, fmt.Errorf("tester: %w", err)
	}
	defer set.Close()

	a := e.Agent
	a.Tools = set
	if a.Name == "" {
		a.Name = "tester"
	}
	if a.System == "" {
		a.System = ExplorerPrompt
	}
	run, err := a.Run(ctx, explorerTask(req))
	if err != nil {
		return nil, fmt.Errorf("tester: the explorer failed: %w", err)
	}
	if run.Reason != agent.StopDone {
		return nil, fmt.Errorf("tester: the explorer stopped without proposing tests (%s)", run.Reason)
	}
	var p proposal
	if err := json.Unmarshal([]byte(run.Final), &p); err != nil {
		return nil, fmt.Errorf("tester: the explorer's proposal: %w", err)
	}
	return p.Suites, nil
}

// explorerTask is the explorer's first message.
func explorerTask(req Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The repository is checked out at %s.\n\n", req.Dir)
	if req.Issue != "" {
		fmt.Fprintf(&b, "The issue:\n<issue>\n%s\n</issue>\n\n", req.Issue)
	}
	if len(req.Changed) > 0 {
		fmt.Fprintf(&b, "The candidates change these files:\n- %s\n\n", strings.Join(req.Changed, "\n- "))
	}
	if req.Command != "" {
		fmt.Fprintf(&b, "The user runs the project's tests with: %s\n\n", req.Command)
	}
	fmt.Fprintf(&b, "Python tests run with %s. Find the existing tests relevant to this, then call %s.", req.Python, ProposeName)
	return b.String()
}

// readOnly is an editor that only views.
type readOnly struct{ ed *edit.Editor }

func (r readOnly) Spec() llm.ToolSpec {
	s := r.ed.Spec()
	s.Description = "Read-only here: only the view command works.\n" + s.Description
	return s
}

func (r readOnly) Run(ctx context.Context, args json.RawMessage) (tools.Result, error) {
	var a struct {
		Command string `json:"command"`
	}
	if json.Unmarshal(args, &a) == nil && a.Command != "view" {
		return tools.Errorf("this editor is read-only: only view works; the tester proposes tests and changes no file"), nil
	}
	return r.ed.Run(ctx, args)
}
