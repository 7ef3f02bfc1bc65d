package think

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/tools"
)

// Guard decides whether the task may end when the model calls task_done.
// A non-empty refusal is sent to the model as an error result, telling it
// what is missing, and the run goes on; a non-nil error means the run
// cannot go on (the check itself failed) and is returned by Run.
type Guard func(ctx context.Context, summary string) (refusal string, err error)

// TaskDone is the task_done tool: the model calls it to end its run. It
// returns a [tools.Result] with Done set and the model's summary as
// Content (possibly empty), once the optional [Guard] accepts. A TaskDone
// is safe for concurrent use if its Guard is.
type TaskDone struct {
	fn    *tools.Func[doneArgs]
	guard Guard
}

// NewTaskDone returns a task_done tool. guard, if not nil, is called
// before each acceptance; nil accepts every call.
func NewTaskDone(guard Guard) *TaskDone {
	d := &TaskDone{guard: guard}
	d.fn = tools.NewFunc("task_done", taskDoneDoc, d.run)
	return d
}

// Spec describes the tool to the model.
func (d *TaskDone) Spec() llm.ToolSpec { return d.fn.Spec() }

// Run ends the task, or returns the guard's refusal as an error Result.
func (d *TaskDone) Run(ctx context.Context, args json.RawMessage) (tools.Result, error) {
	return d.fn.Run(ctx, args)
}

type doneArgs struct {
	Summary string `json:"summary,omitempty"`
}

func (doneArgs) RefineSchema(s *jsonschema.Schema) {
	s.Properties["summary"].Description = "A short summary of what you did and why, in a few sentences."
}

func (d *TaskDone) run(ctx context.Context, a doneArgs) (tools.Result, error) {
	if d.guard != nil {
		refusal, err := d.guard(ctx, a.Summary)
		if err != nil {
			return tools.Result{}, fmt.Errorf("think: task_done guard: %w", err)
		}
		if refusal != "" {
			return tools.Result{Content: refusal, IsError: true}, nil
		}
	}
	return tools.Result{Content: a.Summary, Done: true}, nil
}

const taskDoneDoc = `Call this when the task is complete, and only then: it ends your work. Check your change first (run the relevant tests). If the task cannot be finished, say why in the summary.`
