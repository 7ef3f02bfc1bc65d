package judge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/conclave-dev/conclave/internal/gitx"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/bash"
)

// tryName is the name of the scratch tool.
const tryName = "try_candidate"

// scratch is the try_candidate tool: a candidate's patch applied in a
// worktree of the original code made for it on first use, and a shell
// there that keeps its state between calls. Close removes them all.
type scratch struct {
	repo, base, dir, label string
	shell                  *bash.Options
	workspace              func(dir string) (tools.Workspace, error)
	candidates             []selector.Candidate

	fn *tools.Func[tryArgs]

	mu     sync.Mutex // guards trees and closed
	trees  map[string]*tree
	closed bool
}

// tree is one candidate's scratch checkout, made once.
type tree struct {
	once sync.Once
	wt   *gitx.Worktree
	ws   tools.Workspace
	sh   *bash.Shell
	err  error // why it could not be made; the model reads it
}

type tryArgs struct {
	Candidate string `json:"candidate" jsonschema:"the candidate's ID"`
	Command   string `json:"command" jsonschema:"the shell command to run in the candidate's checkout"`
	Timeout   int    `json:"timeout,omitempty" jsonschema:"seconds the command may run"`
}

func (tryArgs) RefineSchema(s *jsonschema.Schema) {
	one := 1.0
	s.Properties["timeout"].Minimum = &one
}

// newScratch returns the try_candidate tool for the candidates, making
// worktrees of base in repo under dir, labelled label-<candidate>, with
// workspaces made by workspace.
func newScratch(repo, base, dir, label string, shell *bash.Options, workspace func(string) (tools.Workspace, error), candidates []selector.Candidate) *scratch {
	s := &scratch{repo: repo, base: base, dir: dir, label: label, shell: shell, workspace: workspace, candidates: candidates}
	s.fn = tools.NewFunc(tryName, "Applies a candidate's patch in a scratch checkout of the original code made for it, and runs a shell command there, such as the tests or a script reproducing the issue. Each candidate keeps its own checkout and shell (directory and variables persist) until you submit.", s.run)
	return s
}

var (
	_ tools.Ordered = (*scratch)(nil)
	_ io.Closer     = (*scratch)(nil)
)

func (s *scratch) Spec() llm.ToolSpec { return s.fn.Spec() }

func (s *scratch) Run(ctx context.Context, args json.RawMessage) (tools.Result, error) {
	return s.fn.Run(ctx, args)
}

// OrderKey runs calls about one candidate one after another, and calls
// about different candidates side by side.
func (s *scratch) OrderKey(args json.RawMessage) string {
	var a tryArgs
	if json.Unmarshal(args, &a) != nil {
		return tools.Exclusive
	}
	return tryName + "/" + a.Candidate
}

func (s *scratch) run(ctx context.Context, a tryArgs) (tools.Result, error) {
	var patch string
	found := false
	for _, c := range s.candidates {
		if c.ID == a.Candidate {
			patch, found = c.Patch, true
		}
	}
	switch {
	case !found:
		return tools.Errorf("there is no candidate %q; the candidates are %s", a.Candidate, ids(s.candidates)), nil
	case a.Command == "":
		return tools.Errorf("%s needs command, the shell command to run", tryName), nil
	}
	t, fresh, err := s.tree(ctx, a.Candidate, patch)
	switch {
	case err != nil:
		return tools.Result{}, err
	case t.err != nil:
		return tools.Errorf("candidate %s could not be tried: %v", a.Candidate, t.err), nil
	}
	args := map[string]any{"command": a.Command}
	if a.Timeout > 0 {
		args["timeout"] = a.Timeout
	}
	cmd, err := json.Marshal(args)
	if err != nil {
		return tools.Result{}, err
	}
	res, err := t.sh.Run(ctx, cmd)
	if err == nil && fresh {
		res.Content = fmt.Sprintf("(candidate %s applied in a scratch checkout at %s)\n%s", a.Candidate, t.wt.Dir, res.Content)
	}
	return res, err
}

// tree returns the candidate's scratch checkout, making it on first use,
// and whether this call made it. A checkout that cannot be made for the
// candidate's sake (its patch does not apply) is a tree with err set; a
// Go error means the judge's run cannot go on.
func (s *scratch) tree(ctx context.Context, id, patch string) (*tree, bool, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, false, errors.New("judge: try_candidate called after its checkouts were removed")
	}
	if s.trees == nil {
		s.trees = map[string]*tree{}
	}
	t, ok := s.trees[id]
	if !ok {
		t = &tree{}
		s.trees[id] = t
	}
	s.mu.Unlock()
	fresh := false
	var gerr error
	t.once.Do(func() {
		fresh = true
		gerr = s.make(ctx, t, id, patch)
	})
	return t, fresh, gerr
}

// make makes t: a worktree with the patch applied and a shell in it. A
// patch that does not apply is t.err, for the model to read; any other
// failure is also the error returned, which ends the judge's run.
func (s *scratch) make(ctx context.Context, t *tree, id, patch string) error {
	wt, err := gitx.AddWorktree(ctx, s.repo, s.base, &gitx.WorktreeOptions{Dir: s.dir, Label: s.label + "-" + id})
	if err != nil {
		t.err = err
		return fmt.Errorf("judge: scratch checkout of %s: %w", id, err)
	}
	t.wt = wt
	if err := wt.Apply(ctx, patch); err != nil {
		t.err = err
		if errors.Is(err, gitx.ErrPatchDoesNotApply) {
			return nil
		}
		return fmt.Errorf("judge: applying %s: %w", id, err)
	}
	t.ws, err = s.workspace(wt.Dir)
	if err == nil {
		t.sh, err = bash.New(t.ws, s.shell)
	}
	if err != nil {
		t.err = err
		return fmt.Errorf("judge: scratch shell of %s: %w", id, err)
	}
	return nil
}

// Close ends every shell and removes every checkout.
func (s *scratch) Close() error {
	s.mu.Lock()
	s.closed = true
	trees := s.trees
	s.mu.Unlock()
	var errs []error
	for _, t := range trees {
		if t.sh != nil {
			errs = append(errs, t.sh.Close())
		}
		if t.ws != nil {
			errs = append(errs, closeWorkspace(t.ws))
		}
		if t.wt != nil {
			errs = append(errs, t.wt.Close())
		}
	}
	return errors.Join(errs...)
}
