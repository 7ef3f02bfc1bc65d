// Command quickstart runs Conclave's whole pipeline on a small buggy Go
// project shipped with it (project/): three Coders fix the bug, each in a
// git worktree of its own with the real tools (editor, shell, code
// knowledge graph); the Tester runs the project's tests and drops the
// Coder whose fix breaks one; the syntax vote finds that the two others
// wrote the same program, differently formatted, and picks it; a judge
// verifies it by running the tests with the patch. It prints each stage's
// evidence, the cost table and the winning patch.
//
//	go run ./examples/quickstart
//
// Offline, the models are scripted: they make the same tool calls a model
// would, and the tools really run. With ANTHROPIC_API_KEY, OPENAI_API_KEY
// or GEMINI_API_KEY set, the same program runs a Coder on each of those
// providers' models instead, and the first as the judge (-offline keeps
// the scripts).
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/agent/judge"
	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/anthropic"
	"github.com/conclave-dev/conclave/llm/gemini"
	"github.com/conclave-dev/conclave/llm/openai"
	"github.com/conclave-dev/conclave/selector"
)

//go:embed project/*.go
var project embed.FS

const issue = `Stock.Remove lets the stock of an item go negative: removing 5 bolts
when 2 are in stock leaves -3. Removing more than is in stock must fail with
an error saying how many are left, and leave the stock unchanged.`

// team is who works on the issue: the Coders, and the judge who verifies.
type team struct {
	coders []*coder.Coder
	judge  *judge.Judge
	// live is set for real models: progress goes to standard error.
	live bool
}

func main() {
	offline := flag.Bool("offline", false, "use the scripted models even when API keys are set")
	out := flag.String("out", "", "keep the run directory here (default: a temporary one, removed)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	t := scripted()
	if !*offline {
		live, err := fromEnvironment()
		if err != nil {
			fmt.Fprintln(os.Stderr, "quickstart:", err)
			os.Exit(1)
		}
		if live != nil {
			t = *live
		}
	}
	if err := run(ctx, os.Stdout, t, *out); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run copies the project into a new git repository, runs the pipeline on
// it and writes what happened to w. The run directory is dir, or a
// temporary one.
func run(ctx context.Context, w io.Writer, t team, dir string) error {
	tmp, err := os.MkdirTemp("", "conclave-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	repo := filepath.Join(tmp, "inventory")
	if err := newRepository(repo); err != nil {
		return err
	}
	if dir == "" {
		dir = filepath.Join(tmp, "run")
	}
	p := &conclave.Pipeline{
		Coders:      t.coders,
		Tester:      &tester.Tester{},
		Judges:      map[string]selector.Judge{"reviewer": t.judge},
		Refine:      &conclave.Refine{Limits: agent.Limits{Steps: 30}},
		WorktreeDir: tmp,
	}
	if t.live {
		p.Observer = progress(os.Stderr)
		fmt.Fprintln(os.Stderr, "run directory:", dir)
	}
	res, err := p.Run(ctx, conclave.Task{ID: "quickstart", Repo: repo, Issue: issue}, dir)
	if err != nil {
		return err
	}
	return report(w, t, res)
}

// newRepository writes the project to dir as a git repository with one
// commit.
func newRepository(dir string) error {
	files, err := fs.Sub(project, "project")
	if err != nil {
		return err
	}
	if err := os.CopyFS(dir, files); err != nil {
		return err
	}
	// The project is a package of Conclave's module here; on its own it
	// is a module of its own.
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/inventory\n\ngo 1.22\n"), 0o644); err != nil {
		return err
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=Quickstart", "-c", "user.email=quickstart@example.com", "commit", "-q", "-m", "inventory"}} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %v: %s", args[0], err, out)
		}
	}
	return nil
}

// report writes the candidates, the decision with each stage's evidence,
// the cost table and the winning patch.
func report(w io.Writer, t team, res *conclave.Result) error {
	models := "scripted (set ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY to run real ones)"
	if t.live {
		models = "real"
	}
	fmt.Fprintf(w, "Conclave quickstart, %s models.\n\nIssue: %s\n\n", models, strings.ReplaceAll(issue, "\n", "\n       "))
	for _, rd := range res.Rounds {
		fmt.Fprintf(w, "Round %d candidates:\n", rd.N)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, a := range rd.Attempts {
			state := string(a.Reason)
			if a.Error != "" {
				state = "failed: " + firstLine(a.Error)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%d steps\t%s\n", a.Candidate.ID, a.Model, state, a.Steps, changes(a.Candidate.Patch))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
		if err := rd.Decision.Explain(w); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	if rf := res.Refinement; rf != nil {
		fmt.Fprintf(w, "Refinement ran because %s; the winner went from %s to %s (changed: %v).\n\n", strings.Join(rf.Why, "; "), rf.Before, rf.After, rf.Changed)
	}
	fmt.Fprintln(w, "Cost:")
	mw := len("model")
	for _, u := range res.Usage {
		mw = max(mw, len(u.Model))
	}
	fmt.Fprintf(w, "  %-14s %-*s %6s %8s %9s\n", "stage", mw, "model", "calls", "tokens", "dollars")
	for _, u := range res.Usage {
		fmt.Fprintf(w, "  %-14s %-*s %6d %8d %9.4f\n", u.Stage, mw, u.Model, u.Calls, u.Tokens, u.Cost)
	}
	fmt.Fprintf(w, "  %-14s %-*s %6s %8s %9.4f\n\n", "total", mw, "", "", "", res.Cost())
	fmt.Fprintf(w, "Winning patch (%s):\n%s", res.Winner, res.Patch)
	return nil
}

// changes summarises a patch: its files with lines added and removed.
func changes(patch string) string {
	if strings.TrimSpace(patch) == "" {
		return "no patch"
	}
	var files []string
	var add, del int
	for _, l := range strings.Split(patch, "\n") {
		switch {
		case strings.HasPrefix(l, "+++ b/"):
			files = append(files, strings.TrimPrefix(l, "+++ b/"))
		case strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++"):
			add++
		case strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---"):
			del++
		}
	}
	return fmt.Sprintf("%s +%d -%d", strings.Join(files, ", "), add, del)
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// progress prints a line when a Coder, a test run or a stage ends.
func progress(w io.Writer) func(conclave.Event) {
	return func(e conclave.Event) {
		if e.State == conclave.StateRunning {
			return
		}
		switch e.Kind {
		case conclave.EventCoder:
			fmt.Fprintf(w, "coder %s: %s after %d steps, $%.4f\n", e.Coder, e.State, e.Steps, e.Cost)
		case conclave.EventStage:
			fmt.Fprintf(w, "stage %s: %s\n", e.Stage, e.Text)
		case conclave.EventTests, conclave.EventJudge:
			fmt.Fprintf(w, "%s: %s\n", e.Kind, e.Text)
		}
	}
}

// Real models, one Coder per provider whose key is set; nil when none is.
func fromEnvironment() (*team, error) {
	limits := agent.Limits{Steps: 80, Dollars: 2, Tokens: 2_000_000}
	var t team
	add := func(id, name string, m llm.Model, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		m = llm.Chain(m, llm.Retry(nil))
		t.coders = append(t.coders, &coder.Coder{ID: id, Agent: agent.Agent{Model: m, ModelName: name, Limits: limits}})
		if t.judge == nil {
			t.judge = &judge.Judge{Agent: agent.Agent{Model: m, ModelName: name, Limits: agent.Limits{Steps: 40, Dollars: 1}}}
		}
		return nil
	}
	if os.Getenv("ANTHROPIC_API_KEY") != "" {
		c, err := anthropic.New(anthropic.WithModel("claude-sonnet-5-5"))
		if err := add("claude", "claude-sonnet-5-5", c, err); err != nil {
			return nil, err
		}
	}
	if os.Getenv("OPENAI_API_KEY") != "" {
		c, err := openai.NewResponses(openai.WithModel("gpt-6-sol"))
		if err := add("gpt", "gpt-6-sol", c, err); err != nil {
			return nil, err
		}
	}
	if os.Getenv("GEMINI_API_KEY") != "" {
		c, err := gemini.New(gemini.WithModel("gemini-3.1-pro-preview"))
		if err := add("gemini", "gemini-3.1-pro-preview", c, err); err != nil {
			return nil, err
		}
	}
	if len(t.coders) == 0 {
		return nil, nil
	}
	t.live = true
	return &t, nil
}
