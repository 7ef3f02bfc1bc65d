// Package cli implements the conclave command. cmd/conclave only calls
// [Main], so every subcommand can be tested in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one subcommand. run returns a *usageError for bad arguments.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands lists the subcommands in the order help shows them.
var commands = []command{
	{name: "run", summary: "run the whole pipeline on one issue: Coders, Tester, selection, refinement", run: runRun},
	{name: "swebench", summary: "run the pipeline on SWE-bench instances and write a predictions file", run: runSWEBench},
	{name: "worker", summary: "run a Temporal worker: the pipeline's workflows and activities, for swebench --temporal", run: runWorker},
	{name: "ckg", summary: "index a repository and query its code knowledge graph", run: runCKG},
	{name: "select", summary: "select one patch per instance from a batch of candidates; bench strategies", run: runSelect},
	{name: "report", summary: "write a run, or a swebench run's instances, as one self-contained HTML page", run: runReport},
	{name: "tester", summary: "run the project's relevant tests on patches and drop those that break one", run: runTester},
	{name: "version", summary: "print Conclave's version", run: runVersion},
}

// usageError reports bad command-line arguments; it exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// Main runs conclave with args (without the program name) and returns the
// process exit status: 0 on success, 1 on failure, 2 on a usage error,
// and a command's own status (conclave run: 3 when no Coder produced a
// candidate).
// "conclave help COMMAND" prints a command's help on stdout.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 2 && args[0] == "help" {
		for _, c := range commands {
			if c.name == args[1] {
				if err := c.run(ctx, []string{"-h"}, stdout, stdout); err != nil && !errors.Is(err, flag.ErrHelp) {
					fmt.Fprintf(stderr, "conclave help %s: %v\n", c.name, err)
					return 1
				}
				return 0
			}
		}
		fmt.Fprintf(stderr, "conclave help: unknown command %q; run 'conclave help' for the list\n", args[1])
		return 2
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		help(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		var ue *usageError
		var ee *exitError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "conclave %s: %v\n", c.name, err)
			return 2
		case errors.As(err, &ee):
			fmt.Fprintf(stderr, "conclave %s: %v\n", c.name, err)
			return ee.code
		default:
			fmt.Fprintf(stderr, "conclave %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "conclave: unknown command %q; run 'conclave help' for the list\n", args[0])
	return 2
}

func help(w io.Writer) {
	fmt.Fprintln(w, "Conclave selects one patch among many by syntax voting and judges.")
	fmt.Fprintln(w, "\nUsage: conclave <command> [arguments]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'conclave help <command>' or 'conclave <command> -h' for a command's flags.")
}

// newFlags returns a flag set for a subcommand that reports errors instead
// of exiting, and prints its usage to stderr.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("conclave "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: conclave %s %s\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return nil
}
