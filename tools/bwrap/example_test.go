//go:build linux

package bwrap_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"

	"github.com/conclave-dev/conclave/tools/bash"
	"github.com/conclave-dev/conclave/tools/bwrap"
)

// A sandboxed workspace for one worktree, and the bash tool in it. A
// pipeline configured with "sandbox: bwrap" checks Available once and
// stops with its error (which names the fix) rather than running
// unsandboxed. The example needs bubblewrap, so it has no checked output.
func Example() {
	if err := bwrap.Available(); err != nil {
		log.Fatal(err) // e.g. "bwrap: bubblewrap is not installed …: install it with apt-get install bubblewrap …"
	}
	opts := &bwrap.Options{GoCaches: bwrap.ReadOnly} // shared by every worktree's workspace
	dir, err := os.MkdirTemp("", "worktree")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ws, err := bwrap.New(dir, opts)
	if err != nil {
		log.Fatal(err)
	}
	defer ws.Close()

	sh, err := bash.New(ws, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer sh.Close() // ends the sandbox and every process in it
	for _, cmd := range []string{
		`echo hello > greeting && cat greeting`,
		`ls ~ | wc -l; cat ~/.ssh/id_ed25519 2>&1 | head -c 40`,
		`curl -sS https://example.com 2>&1 | head -c 60`,
	} {
		res, err := sh.Run(context.Background(), json.RawMessage(fmt.Sprintf(`{"command": %q}`, cmd)))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(res.Content)
	}
}
