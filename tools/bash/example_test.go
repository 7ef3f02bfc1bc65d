//go:build unix

package bash_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/bash"
)

func Example() {
	dir, err := os.MkdirTemp("", "bash-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ws, err := tools.NewLocal(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	sh, err := bash.New(ws, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer sh.Close() // kills the shell and its background jobs

	ctx := context.Background()
	for _, args := range []string{
		`{"command": "mkdir -p src && cd src && export GREETING=hello"}`,
		`{"command": "echo $GREETING from $(basename $PWD)"}`,
		`{"command": "echo oops >&2; exit_code=3; (exit $exit_code)"}`,
	} {
		res, err := sh.Run(ctx, json.RawMessage(args))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s (error: %v)\n", res.Content, res.IsError)
	}
	// Output:
	// [exit code 0] (error: false)
	// hello from src
	// [exit code 0] (error: false)
	// [stderr]
	// oops
	// [exit code 3] (error: true)
}

// A call may set its own timeout, in seconds; the command and everything it
// started are then killed, and the shell restarts on the next call.
func Example_timeout() {
	dir, err := os.MkdirTemp("", "bash-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ws, err := tools.NewLocal(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	sh, err := bash.New(ws, &bash.Options{MaxOutput: 10_000})
	if err != nil {
		log.Fatal(err)
	}
	defer sh.Close()

	ctx := context.Background()
	res, err := sh.Run(ctx, json.RawMessage(`{"command": "echo started; sleep 60", "timeout": 1}`))
	if err != nil {
		log.Fatal(err)
	}
	first, _, _ := strings.Cut(res.Content, ":")
	fmt.Println(first, res.IsError)
	res, err = sh.Run(ctx, json.RawMessage(`{"command": "echo usable again"}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Content)
	// Output:
	// started
	// [timed out after 1 s true
	// usable again
	// [exit code 0]
}
