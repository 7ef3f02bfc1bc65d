package bash

import (
	"encoding/json"

	"github.com/conclave-dev/conclave/tools"
)

var _ tools.Ordered = (*Shell)(nil)

// OrderKey returns [tools.Exclusive]: a command may read or write any file
// of the workspace and depends on the shell's state, so it runs after the
// calls the model wrote before it and before those it wrote after it.
func (sh *Shell) OrderKey(json.RawMessage) string { return tools.Exclusive }
