package edit

import (
	"encoding/json"

	"github.com/conclave-dev/conclave/tools"
)

var _ tools.Ordered = (*Editor)(nil)

// OrderKey returns the path, relative to the root with symbolic links
// evaluated, of the file or directory a call names, so that the calls of one turn touching the same
// file run in the order the model wrote them (a view after an edit sees the
// edit) and calls on different files run concurrently. A call whose path is
// missing or refused gets "".
func (ed *Editor) OrderKey(raw json.RawMessage) string {
	var a struct {
		Path string `json:"path"`
	}
	if json.Unmarshal(raw, &a) != nil || a.Path == "" {
		return ""
	}
	rel, err := ed.ws.Resolve(a.Path)
	if err != nil {
		return ""
	}
	return rel
}
