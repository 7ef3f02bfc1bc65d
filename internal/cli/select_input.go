package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
	switch {
	case l.InstanceID == "":
		return l, errors.New(`instance_id is missing or empty: name the instance the candidate is for`)
	case l.CandidateID == "":
		return l, errors.New(`candidate_id is missing or empty: give every candidate an ID`)
	case l.Patch == nil:
		return l, errors.New(`patch is missing: give the diff, or "" for an empty patch`)
	}
	return l, nil
}

// sourceLine is one original file of an instance.
type sourceLine struct {
	InstanceID string  `json:"instance_id"`
	Path       string  `json:"path"`
	Content    *string `json:"content"`
}

// historyLine is one past outcome of a source.
type historyLine struct {
	Source   string `json:"source"`
	Resolved *bool  `json:"resolved"`
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
	var insts []*instance
	byID := map[string]*instance{}
	firstLine := map[[2]string]int{}
	err := eachLine(path, func(n int, data []byte) error {
		l, err := decodeBatchLine(data)
		if err != nil {
			return err
		}
		key := [2]string{l.InstanceID, l.CandidateID}
		if first, dup := firstLine[key]; dup {
			return fmt.Errorf("candidate %q of instance %q appears again (first on line %d): give each candidate its own ID", l.CandidateID, l.InstanceID, first)
		}
		firstLine[key] = n
		in, ok := byID[l.InstanceID]
		if !ok {
			in = &instance{id: l.InstanceID}
			byID[l.InstanceID] = in
			insts = append(insts, in)
		}
		in.candidates = append(in.candidates, selector.Candidate{ID: l.CandidateID, Source: l.Source, Patch: *l.Patch})
		return nil
	})
	if err == nil && len(insts) == 0 {
		err = fmt.Errorf("%s: no candidates: write one JSON object per line", path)
	}
	return insts, err
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

// readHistory reads past outcomes into a track record per source.
func readHistory(path string) (map[string]vote.Record, error) {
	records := map[string]vote.Record{}
	err := eachLine(path, func(_ int, data []byte) error {
		var l historyLine
		if err := decodeObject(data, &l); err != nil {
			return err
		}
		switch {
		case l.Source == "":
			return errors.New(`source is missing or empty: name the model or agent`)
		case l.Resolved == nil:
			return errors.New(`resolved is missing: say whether the source's patch resolved the instance (true or false)`)
		}
		r := records[l.Source]
		if *l.Resolved {
			r.Right++
		} else {
			r.Wrong++
		}
		records[l.Source] = r
		return nil
	})
	if err == nil && len(records) == 0 {
		err = fmt.Errorf("%s: no outcomes: write one JSON object per line", path)
	}
	return records, err
}
