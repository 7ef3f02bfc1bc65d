package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"reflect"
	"testing/fstest"

	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

// batchLine is one line of a batch: a candidate patch for an instance.
// It has no field for "resolved" or anything else: a selection never
// reads the truth, and unknown fields are ignored.
type batchLine struct {
	InstanceID  string  `json:"instance_id"`
	CandidateID string  `json:"candidate_id"`
	Patch       *string `json:"patch"`
	Source      string  `json:"source"`
}

// decodeBatchLine decodes and checks one batch line.
func decodeBatchLine(data []byte) (batchLine, error) {
	var l batchLine
	if err := decodeObject(data, &l); err != nil {
		return l, err
	}
	return l, l.check()
}

// check reports what a candidate line lacks.
func (l batchLine) check() error {
	switch {
	case l.InstanceID == "":
		return errors.New(`instance_id is missing or empty: name the instance the candidate is for`)
	case l.CandidateID == "":
		return errors.New(`candidate_id is missing or empty: give every candidate an ID`)
	case l.Patch == nil:
		return errors.New(`patch is missing: give the diff, or "" for an empty patch`)
	}
	return nil
}

// sourceLine is one original file of an instance.
type sourceLine struct {
	InstanceID string  `json:"instance_id"`
	Path       string  `json:"path"`
	Content    *string `json:"content"`
}

// historyLine is one past outcome: of a source, {"source", "resolved"},
// or of a candidate with its patch, {"instance_id", "candidate_id",
// "source", "patch", "resolved"} as in a batch, optionally with the
// candidate's "regressions" (regression tests it broke) and "approval"
// (the share of judges that approved it, 0 to 1).
type historyLine struct {
	InstanceID  string   `json:"instance_id"`
	CandidateID string   `json:"candidate_id"`
	Source      string   `json:"source"`
	Patch       *string  `json:"patch"`
	Resolved    *bool    `json:"resolved"`
	Regressions *int     `json:"regressions"`
	Approval    *float64 `json:"approval"`
}

// decodeObject decodes one JSON object into v, naming the problem in the
// words of the input: a field and the JSON type it holds.
func decodeObject(data []byte, v any) error {
	if data = bytes.TrimSpace(data); len(data) == 0 || data[0] != '{' {
		return errors.New("not a JSON object: write one object per line")
	}
	err := json.Unmarshal(data, v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te) && te.Field != "":
		return fmt.Errorf("%s must be %s, got %s", te.Field, jsonType(te.Type), article(te.Value))
	}
	return fmt.Errorf("not a valid JSON object: %w", err)
}

// jsonType names the JSON type that decodes into t.
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "an array"
	}
	return "an object"
}

// article puts "a" or "an" before the JSON type json reports.
func article(value string) string {
	switch value {
	case "array", "object":
		return "an " + value
	case "bool":
		return "true or false"
	}
	return "a " + value
}

// maxLine bounds the length of an input line, so that a file without line
// breaks (or /dev/zero) cannot grow memory without bound. A line holds one
// patch or one original file.
var maxLine = 64 << 20

// eachLine calls f with each non-blank line of the file at path and its
// number, and turns f's error into one naming the file and line. A line
// longer than maxLine is an error, found before the rest of it is read.
func eachLine(path string, f func(n int, line []byte) error) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	return readLines(file, path, maxLine, f)
}

func readLines(in io.Reader, path string, limit int, f func(n int, line []byte) error) error {
	r := bufio.NewReaderSize(in, min(limit, 1<<16))
	var line []byte
	for n := 1; ; n++ {
		line = line[:0]
		var err error
		for {
			var chunk []byte
			chunk, err = r.ReadSlice('\n')
			if len(line)+len(chunk) > limit {
				return fmt.Errorf("%s:%d: the line is too large: it is longer than the limit of %s; give each candidate or file on a line of its own, smaller than that", path, n, size(limit))
			}
			line = append(line, chunk...)
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if len(bytes.TrimSpace(line)) > 0 {
			if ferr := f(n, line); ferr != nil {
				return fmt.Errorf("%s:%d: %w", path, n, ferr)
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
}

// size writes a number of bytes for a reader.
func size(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// instance is the candidates for one instance, in input order, and its
// original files when known.
type instance struct {
	id         string
	candidates []selector.Candidate
	base       fs.FS
}

// readBatch reads a batch file into instances, in order of first
// appearance.
func readBatch(path string) ([]*instance, error) {
	var g grouping
	err := eachLine(path, func(n int, data []byte) error {
		l, err := decodeBatchLine(data)
		if err != nil {
			return err
		}
		_, err = g.add(n, l)
		return err
	})
	if err == nil && len(g.insts) == 0 {
		err = fmt.Errorf("%s: no candidates: write one JSON object per line", path)
	}
	return g.insts, err
}

// grouping gathers candidate lines into instances, in order of first
// appearance.
type grouping struct {
	insts     []*instance
	byID      map[string]*instance
	firstLine map[[2]string]int
}

// add adds the candidate of line n to its instance and returns the
// instance.
func (g *grouping) add(n int, l batchLine) (*instance, error) {
	if g.byID == nil {
		g.byID, g.firstLine = map[string]*instance{}, map[[2]string]int{}
	}
	key := [2]string{l.InstanceID, l.CandidateID}
	if first, dup := g.firstLine[key]; dup {
		return nil, fmt.Errorf("candidate %q of instance %q appears again (first on line %d): give each candidate its own ID", l.CandidateID, l.InstanceID, first)
	}
	g.firstLine[key] = n
	in, ok := g.byID[l.InstanceID]
	if !ok {
		in = &instance{id: l.InstanceID}
		g.byID[l.InstanceID] = in
		g.insts = append(g.insts, in)
	}
	in.candidates = append(in.candidates, selector.Candidate{ID: l.CandidateID, Source: l.Source, Patch: *l.Patch})
	return in, nil
}

// readSources reads original files and gives each instance of insts its
// own. Files of instances not in the batch are ignored.
func readSources(path string, insts []*instance) error {
	files := map[string]fstest.MapFS{}
	err := eachLine(path, func(_ int, data []byte) error {
		var l sourceLine
		if err := decodeObject(data, &l); err != nil {
			return err
		}
		switch {
		case l.InstanceID == "":
			return errors.New(`instance_id is missing or empty: name the instance the file belongs to`)
		case !fs.ValidPath(l.Path) || l.Path == ".":
			return fmt.Errorf(`path %q is not a slash-separated path relative to the project root (such as "pkg/file.py")`, l.Path)
		case l.Content == nil:
			return errors.New(`content is missing: give the file's text`)
		}
		if files[l.InstanceID] == nil {
			files[l.InstanceID] = fstest.MapFS{}
		}
		if _, dup := files[l.InstanceID][l.Path]; dup {
			return fmt.Errorf("file %q of instance %q is given twice", l.Path, l.InstanceID)
		}
		files[l.InstanceID][l.Path] = &fstest.MapFile{Data: []byte(*l.Content), Mode: 0o644}
		return nil
	})
	if err != nil {
		return err
	}
	for _, in := range insts {
		if f, ok := files[in.id]; ok {
			in.base = f
		}
	}
	return nil
}

// pastOutcomes is past outcomes: track records, and the pools of the candidate
// lines with each candidate's outcome and signals.
type pastOutcomes struct {
	records map[string]vote.Record // of the lines without a patch
	pools   []*instance
	// outcome, regressions and approval by instance and candidate ID.
	outcome     map[[2]string]bool
	regressions map[[2]string]int
	approval    map[[2]string]float64
}

// allRecords returns each source's track record over every line.
func (h *pastOutcomes) allRecords() map[string]vote.Record {
	out := maps.Clone(h.records)
	for _, in := range h.pools {
		for _, c := range in.candidates {
			r := out[c.From()]
			if h.outcome[[2]string{in.id, c.ID}] {
				r.Right++
			} else {
				r.Wrong++
			}
			out[c.From()] = r
		}
	}
	return out
}

// readHistory reads past outcomes, lines of either kind.
func readHistory(path string) (*pastOutcomes, error) {
	h := &pastOutcomes{records: map[string]vote.Record{}, outcome: map[[2]string]bool{},
		regressions: map[[2]string]int{}, approval: map[[2]string]float64{}}
	var g grouping
	err := eachLine(path, func(n int, data []byte) error {
		var l historyLine
		if err := decodeObject(data, &l); err != nil {
			return err
		}
		if l.Resolved == nil {
			return errors.New(`resolved is missing: say whether the patch resolved the instance (true or false)`)
		}
		switch {
		case l.InstanceID == "" && l.CandidateID == "" && l.Patch == nil:
			if l.Source == "" {
				return errors.New(`source is missing or empty: name the model or agent, or give a candidate line {"instance_id", "candidate_id", "patch", "resolved"}`)
			}
			if l.Regressions != nil || l.Approval != nil {
				return errors.New(`regressions and approval belong to a candidate line: give its instance_id, candidate_id and patch too`)
			}
			r := h.records[l.Source]
			if *l.Resolved {
				r.Right++
			} else {
				r.Wrong++
			}
			h.records[l.Source] = r
			return nil
		case l.Regressions != nil && *l.Regressions < 0:
			return fmt.Errorf("regressions is %d: count the regression tests the candidate broke, 0 or more", *l.Regressions)
		case l.Approval != nil && !(*l.Approval >= 0 && *l.Approval <= 1):
			return fmt.Errorf("approval is %v: give the share of the judges that approved the candidate, from 0 to 1", *l.Approval)
		}
		bl := batchLine{InstanceID: l.InstanceID, CandidateID: l.CandidateID, Source: l.Source, Patch: l.Patch}
		if err := bl.check(); err != nil {
			return err
		}
		if _, err := g.add(n, bl); err != nil {
			return err
		}
		key := [2]string{l.InstanceID, l.CandidateID}
		h.outcome[key] = *l.Resolved
		if l.Regressions != nil {
			h.regressions[key] = *l.Regressions
		}
		if l.Approval != nil {
			h.approval[key] = *l.Approval
		}
		return nil
	})
	h.pools = g.insts
	if err == nil && len(h.records) == 0 && len(h.pools) == 0 {
		err = fmt.Errorf("%s: no outcomes: write one JSON object per line", path)
	}
	return h, err
}
