package think

import (
	"encoding/json"

	"github.com/conclave-dev/conclave/tools"
)

var (
	_ tools.Ordered = (*TaskDone)(nil)
	_ tools.Ordered = (*Sequential)(nil)
)

// OrderKey returns [tools.Exclusive]: task_done runs after every other call
// of its turn, so that its Guard sees the turn's edits, and a call the model
// wrote after it runs only once it has answered.
func (d *TaskDone) OrderKey(json.RawMessage) string { return tools.Exclusive }

// OrderKey returns the tool's name: thoughts of one turn are recorded in the
// order the model wrote them.
func (s *Sequential) OrderKey(json.RawMessage) string { return "sequential_thinking" }
