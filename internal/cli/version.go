package cli

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

const versionUsage = `

Prints Conclave's version: the module version it was built at ("(devel)"
for a build from a checkout), the commit and whether the tree had changes,
and the Go version.`

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", versionUsage, stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	_, err := fmt.Fprintln(stdout, version())
	return err
}

// version describes this build.
func version() string {
	v, rev, dirty := "(unknown)", "", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		v = bi.Main.Version
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision":
				rev = s.Value
			case s.Key == "vcs.modified" && s.Value == "true":
				dirty = ", with changes"
			}
		}
	}
	s := "conclave " + v
	if rev != "" {
		s += fmt.Sprintf(" (commit %.12s%s)", rev, dirty)
	}
	return s + " " + runtime.Version()
}
