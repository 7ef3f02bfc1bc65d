package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/conclave-dev/conclave/report"
)

const reportUsage = `DIR [--out FILE]

Writes one self-contained HTML page of a run: the issue, the winner and the
stage that chose it, the candidates through the stages (who was dropped
where, and why), the clusters, every judge's ballot per candidate and
criterion, the tests, the cost and tokens per model and stage, each patch
(side by side with the winner's on request) and every agent's trajectory,
step by step. The page loads nothing from the network; open it in any
browser.

DIR is either
  - a run directory (conclave run's, holding task.json): the page goes to
    --out, by default DIR/report.html; or
  - a conclave swebench runs directory (predictions.jsonl.runs by default,
    one run directory per instance): each instance's page goes to its run
    directory as report.html, and an index of the instances, linking them,
    to --out, by default DIR/index.html. The predictions file stands for
    its runs directory when that is FILE.runs.

A run need not have finished: the page shows what is recorded so far.

Exit status: 0 written, 1 on an error, 2 on bad usage.`

func runReport(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", reportUsage, stderr)
	out := fs.String("out", "", "the HTML `file` to write (default: report.html or index.html in DIR)")
	var dir string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		dir, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	rest := fs.Args()
	if dir == "" && len(rest) > 0 {
		dir, rest = rest[0], rest[1:]
	}
	switch {
	case dir == "":
		return usagef("give the run directory: conclave report DIR [--out FILE]")
	case len(rest) > 0:
		return usagef("unexpected arguments: %s", strings.Join(rest, " "))
	}
	st, err := os.Stat(dir)
	if err != nil {
		return usagef("%v", err)
	}
	if runs, err := os.Stat(dir + ".runs"); !st.IsDir() && err == nil && runs.IsDir() {
		dir, st = dir+".runs", runs // the predictions file of conclave swebench
	}
	if !st.IsDir() {
		return usagef("%s is not a directory: give a run directory or a conclave swebench runs directory", dir)
	}
	if report.IsRunDir(dir) {
		r, err := report.Load(dir)
		if err != nil {
			return err
		}
		name := *out
		if name == "" {
			name = filepath.Join(dir, "report.html")
		}
		if err := writePage(name, func(w io.Writer) error { return report.Write(w, r) }); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", name)
		for _, p := range r.Problems {
			fmt.Fprintf(stderr, "conclave report: warning: %s\n", p)
		}
		return nil
	}
	return reportIndex(dir, *out, stdout, stderr)
}

// reportIndex writes each run's page under dir and an index of them.
func reportIndex(dir, out string, stdout, stderr io.Writer) error {
	runs, errs, err := report.LoadAll(dir)
	if err != nil {
		return err
	}
	for _, err := range errs {
		fmt.Fprintf(stderr, "conclave report: skipped: %v\n", err)
	}
	if out == "" {
		out = filepath.Join(dir, "index.html")
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	var entries []report.Entry
	for _, r := range runs {
		sub := filepath.Join(r.Dir, "report.html")
		if err := writePage(sub, func(w io.Writer) error { return report.Write(w, r) }); err != nil {
			return err
		}
		abs, err := filepath.Abs(sub)
		if err != nil {
			return err
		}
		href := ""
		if rel, err := filepath.Rel(filepath.Dir(absOut), abs); err == nil {
			href = (&url.URL{Path: filepath.ToSlash(rel)}).String()
		}
		entries = append(entries, report.Entry{Run: r, Href: href})
	}
	if err := writePage(out, func(w io.Writer) error { return report.WriteIndex(w, filepath.Base(filepath.Clean(dir)), entries) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s (%d runs)\n", out, len(runs))
	return nil
}

// writePage writes a page to name whole: a failure leaves the old file.
func writePage(name string, write func(io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
