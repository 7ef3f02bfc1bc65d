// Command custom-agent builds an agent of its own on Conclave's loop: a
// release-notes writer that reads a repository's history through a git_log
// tool, writes RELEASE_NOTES.md through a write_notes tool, and ends with
// task_done. Tools are typed Go functions (tools.NewFunc): their JSON
// Schema comes from the argument struct, and bad arguments become error
// results the model reads.
//
//	go run ./examples/custom-agent            # replays testdata/run.jsonl, offline
//	ANTHROPIC_API_KEY=... go run ./examples/custom-agent -record run.jsonl
//
// With ANTHROPIC_API_KEY set the agent runs on Claude, and -record keeps
// its model traffic, which llm/replay serves back offline: the test replays
// testdata/run.jsonl and fails at the first request that leaves the
// recorded path.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/anthropic"
	"github.com/conclave-dev/conclave/llm/replay"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/think"
)

const system = `You write release notes. Read the commits since the last release with git_log, group them under "Fixes" and "Features" in Markdown, one line each in plain words for users, write them with write_notes, then call task_done.`

// LogArgs are git_log's arguments.
type LogArgs struct {
	Since string `json:"since" jsonschema:"the revision of the last release; the log lists the commits after it"`
}

// NotesArgs are write_notes' arguments.
type NotesArgs struct {
	Markdown string `json:"markdown" jsonschema:"the release notes, in Markdown"`
}

// NotesAgent returns the release-notes agent working in repo, on model.
func NotesAgent(repo string, model llm.Model, modelName string) (*agent.Agent, error) {
	gitLog := tools.NewFunc("git_log", "Lists the commits after a revision, oldest first, one a line: short hash and subject.",
		func(ctx context.Context, a LogArgs) (tools.Result, error) {
			if strings.HasPrefix(a.Since, "-") {
				return tools.Errorf("since %q is not a revision", a.Since), nil
			}
			out, err := exec.CommandContext(ctx, "git", "-C", repo, "log", "--reverse", "--format=%h %s", a.Since+"..HEAD").CombinedOutput()
			if err != nil {
				return tools.Errorf("git log: %s", strings.TrimSpace(string(out))), nil
			}
			return tools.Result{Content: string(out)}, nil
		})
	writeNotes := tools.NewFunc("write_notes", "Writes the release notes to RELEASE_NOTES.md at the repository's root, replacing it.",
		func(_ context.Context, a NotesArgs) (tools.Result, error) {
			if strings.TrimSpace(a.Markdown) == "" {
				return tools.Errorf("the notes are empty"), nil
			}
			if err := os.WriteFile(filepath.Join(repo, "RELEASE_NOTES.md"), []byte(a.Markdown), 0o644); err != nil {
				return tools.Result{}, err // the run cannot go on
			}
			return tools.Result{Content: "written"}, nil
		})
	set, err := tools.NewSet(gitLog, writeNotes, think.NewTaskDone(nil))
	if err != nil {
		return nil, err
	}
	return &agent.Agent{Name: "release-notes", Model: model, ModelName: modelName, Tools: set, System: system,
		Limits: agent.Limits{Steps: 10, Dollars: 0.5}}, nil
}

func main() {
	repo := flag.String("repo", "", "the repository (default: a small one made for the demo)")
	since := flag.String("since", "v1.0.0", "the revision of the last release")
	record := flag.String("record", "", "record the model's traffic to this `file`")
	flag.Parse()
	if err := releaseNotes(*repo, *since, *record); err != nil {
		fmt.Fprintln(os.Stderr, "custom-agent:", err)
		os.Exit(1)
	}
}

func releaseNotes(repo, since, record string) error {
	if repo == "" {
		dir, err := os.MkdirTemp("", "release-notes-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if err := demoRepo(dir); err != nil {
			return err
		}
		repo = dir
	}
	if err := run(context.Background(), os.Stdout, repo, since, record); err != nil {
		return err
	}
	notes, err := os.ReadFile(filepath.Join(repo, "RELEASE_NOTES.md"))
	fmt.Printf("\nRELEASE_NOTES.md:\n%s", notes)
	return err
}

// demoRepo makes a repository in dir with a release, v1.0.0, and three
// commits after it.
func demoRepo(dir string) error {
	git := func(args ...string) error {
		out, err := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=Demo", "-c", "user.email=demo@example.com"}, args...)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("git %s: %v: %s", args[0], err, out)
		}
		return nil
	}
	steps := [][]string{{"init", "-q"}}
	for _, subject := range []string{"v1.0.0", "fix: Average of nothing is 0", "feat: Median", "fix: Sum overflows on large inputs"} {
		steps = append(steps, []string{"commit", "-q", "--allow-empty", "-m", subject})
	}
	for _, args := range append(steps, []string{"tag", "v1.0.0", "HEAD~3"}) {
		if err := git(args...); err != nil {
			return err
		}
	}
	return nil
}

// run runs the agent on Claude when ANTHROPIC_API_KEY is set, else on the
// recording in testdata.
func run(ctx context.Context, w io.Writer, repo, since, record string) error {
	var model llm.Model
	name := "claude-sonnet-4-6"
	if os.Getenv("ANTHROPIC_API_KEY") != "" {
		c, err := anthropic.New(anthropic.WithModel(name))
		if err != nil {
			return err
		}
		model = llm.Chain(c, llm.Retry(nil))
	} else {
		if record != "" {
			return errors.New("-record needs a real model: set ANTHROPIC_API_KEY")
		}
		p, err := replay.Open(filepath.Join("examples", "custom-agent", "testdata", "run.jsonl"))
		if err != nil {
			return fmt.Errorf("no API key, and no recording to replay (run from the repository's root): %w", err)
		}
		model = p
		fmt.Fprintln(w, "(replaying testdata/run.jsonl; set ANTHROPIC_API_KEY to run Claude)")
	}
	if record != "" {
		f, err := os.Create(record)
		if err != nil {
			return err
		}
		defer f.Close()
		model = llm.Chain(model, replay.Record(f))
	}
	a, err := NotesAgent(repo, model, name)
	if err != nil {
		return err
	}
	r, err := a.Run(ctx, "Write the release notes for the commits since "+since+".")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s after %d steps: %s\n", r.Reason, len(r.Steps), r.Final)
	return nil
}
