package tools

import "encoding/json"

// Exclusive is the order key of a call that must run alone: after every
// earlier call of its turn has ended and before any later one starts.
const Exclusive = "*"

// Ordered is implemented by tools whose calls may not run in any order
// alongside the other calls of the same turn. An agent loop runs the tool
// calls of one model turn concurrently, and OrderKey says what a call must
// wait for:
//
//   - calls whose keys are equal and not empty run one after another, in
//     the order the model wrote them (the editor keys a call by the file it
//     touches, so two edits of one file apply in order);
//   - a call keyed [Exclusive] waits for every earlier call of the turn, and
//     every later call waits for it (a shell command can read or write any
//     file; task_done must see the turn's edits);
//   - a call keyed "" runs alongside any call but an Exclusive one.
//
// A tool that does not implement Ordered has the key "": its calls run
// concurrently with the others, which the [Tool] contract allows since tools
// are safe for concurrent use. OrderKey must be cheap, must not fail, and
// must not panic on any args; malformed args may get any key, since the call
// will fail anyway.
type Ordered interface {
	Tool
	OrderKey(args json.RawMessage) string
}

// OrderKey returns the order key of a call of t with args: t's own when t is
// [Ordered], else "".
func OrderKey(t Tool, args json.RawMessage) string {
	if o, ok := t.(Ordered); ok {
		return o.OrderKey(args)
	}
	return ""
}
