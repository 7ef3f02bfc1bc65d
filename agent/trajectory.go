package agent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxRecord bounds one trajectory line when reading a trajectory back.
const maxRecord = 64 << 20

// ReadTrajectory reads a JSONL trajectory written through
// [Agent.Trajectory] back into events, in order. A last line cut short by
// a crash is left out; any other line that is not an event is an error
// naming it.
func ReadTrajectory(r io.Reader) ([]Event, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxRecord)
	var (
		evs     []Event
		pending error // a bad line, an error unless it was the last
	)
	for n := 1; sc.Scan(); n++ {
		if pending != nil {
			return nil, pending
		}
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var ev Event
		if err := json.Unmarshal(line, &ev); err != nil {
			pending = fmt.Errorf("agent: trajectory line %d is not an event: %w", n, err)
			continue
		}
		evs = append(evs, ev)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("agent: a trajectory line is longer than %d bytes: %w", maxRecord, err)
		}
		return nil, fmt.Errorf("agent: reading the trajectory: %w", err)
	}
	return evs, nil
}
