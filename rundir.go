package conclave

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/conclave-dev/conclave/internal/atomicfile"
)

// The run directory's layout, relative to its root (docs/pipeline.md has
// the whole of it). Every record is JSON, written whole to a temporary file
// and renamed into place, so a record is either absent or complete;
// trajectories are JSON lines appended as the agents work.
const (
	taskFile     = "task.json"   // the Task, its base resolved to a commit id
	resultFile   = "result.json" // the Result, when the run has ended
	patchFile    = "patch.diff"  // the winning patch
	answersDir   = "answers"     // answers/<judge>/<key>.json: one judge's answer to one question
	judgesTrajes = "trajectories"
)

// roundDir is the directory of round n: round-1 is the first generation,
// round-2 a refinement.
func roundDir(n int) string { return "round-" + strconv.Itoa(n) }

func attemptFile(round int, coder string) string {
	return filepath.Join(roundDir(round), "candidates", coder+".json")
}

// lostDir holds the Attempts of a round's Coder runs that ended without a
// record (interrupted, or failed in a way to be tried again), so that what
// they cost is not lost with them.
func lostDir(round int) string {
	return filepath.Join(roundDir(round), "lost")
}

func trajectoryFile(round int, agent string) string {
	return filepath.Join(roundDir(round), "trajectories", agent+".jsonl")
}

func critiqueFile(round int, coder string) string {
	return filepath.Join(roundDir(round), "critiques", coder+".md")
}

func planFile(round int) string { return filepath.Join(roundDir(round), "tests", "plan.json") }

func testFile(round int, candidate string) string {
	return filepath.Join(roundDir(round), "tests", candidate+".json")
}

func decisionFile(round int) string { return filepath.Join(roundDir(round), "decision.json") }

func answerFile(judge, key string) string { return filepath.Join(answersDir, judge, key+".json") }

// runDir reads and writes the records of one run.
type runDir string

func (d runDir) path(rel string) string { return filepath.Join(string(d), rel) }

// read decodes the record at rel into v; false when there is none.
func (d runDir) read(rel string, v any) (bool, error) {
	b, err := os.ReadFile(d.path(rel))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("conclave: run directory: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("conclave: run directory: %s is not a record of this version of conclave (%v): remove it to make it again", d.path(rel), err)
	}
	return true, nil
}

// write stores v at rel as indented JSON, atomically.
func (d runDir) write(rel string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("conclave: run directory: encoding %s: %w", rel, err)
	}
	return d.writeFile(rel, append(b, '\n'))
}

// writeFile stores b at rel, atomically: a crash leaves the old file or
// none, never half of one.
func (d runDir) writeFile(rel string, b []byte) error {
	p := d.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("conclave: run directory: %w", err)
	}
	if err := atomicfile.Write(p, b); err != nil {
		return fmt.Errorf("conclave: run directory: %w", err)
	}
	return nil
}

// create opens the file at rel for an agent's trajectory, empty: what an
// interrupted run of the same agent left there is replaced.
func (d runDir) create(rel string) (*os.File, error) {
	p := d.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, fmt.Errorf("conclave: run directory: %w", err)
	}
	f, err := os.Create(p)
	if err != nil {
		return nil, fmt.Errorf("conclave: run directory: %w", err)
	}
	return f, nil
}

// rel returns p relative to the run directory when it lies inside it.
func (d runDir) rel(p string) string {
	if r, err := filepath.Rel(string(d), p); err == nil && filepath.IsLocal(r) {
		return filepath.ToSlash(r)
	}
	return p
}

// validName reports whether s can name a file of the run directory: a
// Coder's ID or a judge's name.
func validName(s string) bool {
	if s == "" || s[0] == '.' || len(s) > 100 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// writeLost records a, an Attempt without a record of its own, in dir as
// the next of its Coder's lost runs.
func (d runDir) writeLost(dir, coder string, a Attempt) error {
	n := 1
	for {
		rel := filepath.Join(dir, coder+"-"+strconv.Itoa(n)+".json")
		_, err := os.Stat(d.path(rel))
		if errors.Is(err, fs.ErrNotExist) {
			return d.write(rel, a)
		}
		if err != nil {
			return fmt.Errorf("conclave: run directory: %w", err)
		}
		n++
	}
}

// lost returns the lost runs recorded in dir, by file name.
func (d runDir) lost(dir string) ([]*Attempt, error) {
	entries, err := os.ReadDir(d.path(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("conclave: run directory: %w", err)
	}
	var out []*Attempt
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".json" {
			continue
		}
		var a Attempt
		if _, err := d.read(filepath.Join(dir, e.Name()), &a); err != nil {
			return nil, err
		}
		out = append(out, &a)
	}
	return out, nil
}
