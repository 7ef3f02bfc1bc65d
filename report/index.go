package report

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// Entry is one run of an index page, and where its own page is.
type Entry struct {
	Run *Run
	// Href is the link to the run's page, relative to the index page.
	Href string
}

// LoadAll loads every run directory directly under dir (a conclave
// swebench runs directory: one run per instance), in name order. A run
// that cannot be loaded becomes an error of the list returned with the
// runs that could; it does not stop the others.
func LoadAll(dir string) ([]*Run, []error, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("report: %w", err)
	}
	var runs []*Run
	var errs []error
	for _, e := range ents {
		sub := filepath.Join(dir, e.Name())
		if !e.IsDir() || !IsRunDir(sub) {
			continue
		}
		r, err := Load(sub)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		runs = append(runs, r)
	}
	if len(runs) == 0 && len(errs) == 0 {
		return nil, nil, fmt.Errorf("report: %s holds no run directory (a directory with task.json): give a run directory or the runs directory of conclave swebench (--runs, by default the predictions file with .runs after it)", dir)
	}
	return runs, errs, nil
}

// indexRow is a run as a line of the index.
type indexRow struct {
	ID, Href            string
	Winner, DecidedBy   string
	Confident, Finished bool
	Rounds              int
	Candidates, Dropped int
	Cost                float64
	Tokens              int
	Problems            int
}

type indexView struct {
	Title      string
	Rows       []indexRow
	Runs       int
	Finished   int
	Confident  int
	Cost       float64
	Tokens     int
	DecidedBy  []count
	Candidates int
}

type count struct {
	Name string
	N    int
}

// WriteIndex writes a self-contained HTML page listing runs, such as the
// instances of a conclave swebench run: each instance's winner, the stage
// that chose it, whether it was confident, its candidates and how many
// were dropped, its cost and tokens, linked to its own page; and the totals
// across instances. Like [Write], it escapes every text and loads nothing.
func WriteIndex(w io.Writer, title string, entries []Entry) error {
	v := indexView{Title: title}
	by := map[string]int{}
	for _, e := range entries {
		r := e.Run
		row := indexRow{ID: cmp.Or(r.Task.ID, "task"), Href: e.Href, Finished: r.Result != nil, Rounds: len(r.Rounds), Problems: len(r.Problems)}
		for _, rd := range r.Rounds {
			row.Candidates += len(rd.Candidates)
			if d := rd.Decision; d != nil {
				row.Winner, row.DecidedBy, row.Confident = d.Winner, d.DecidedBy, d.Confident
				for _, s := range d.Steps {
					row.Dropped += len(s.Dropped)
				}
			}
		}
		for _, u := range r.Usage {
			row.Cost += u.Cost
			row.Tokens += u.Tokens
		}
		v.Rows = append(v.Rows, row)
		v.Runs++
		v.Cost += row.Cost
		v.Tokens += row.Tokens
		v.Candidates += row.Candidates
		if row.Finished {
			v.Finished++
		}
		if row.Confident {
			v.Confident++
		}
		if row.DecidedBy != "" {
			by[row.DecidedBy]++
		}
	}
	for _, k := range sortedKeys(by) {
		v.DecidedBy = append(v.DecidedBy, count{Name: k, N: by[k]})
	}
	slices.SortStableFunc(v.DecidedBy, func(a, b count) int { return cmp.Compare(b.N, a.N) })
	return execute(w, "index", v)
}
