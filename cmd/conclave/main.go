// Command conclave selects one patch among many candidates, indexes code
// for agents, and runs the Conclave pipeline. Run "conclave help".
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/conclave-dev/conclave/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
