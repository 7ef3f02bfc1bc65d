package tools_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/conclave-dev/conclave/tools"
)

// What a model-driven process gets of an environment: credentials are
// dropped unless passed by name.
func ExampleScrubEnv() {
	env := []string{
		"PATH=/usr/bin", "HOME=/home/dev", "GOFLAGS=-mod=mod",
		"ANTHROPIC_API_KEY=sk-ant-…", "GITHUB_TOKEN=ghp_…",
		"HTTPS_PROXY=http://dev:hunter2@proxy:3128", "NPM_TOKEN=npm_…",
	}
	for _, kv := range tools.ScrubEnv(env, []string{"NPM_TOKEN"}) {
		fmt.Println(kv)
	}
	// Output:
	// PATH=/usr/bin
	// HOME=/home/dev
	// GOFLAGS=-mod=mod
	// NPM_TOKEN=npm_…
}

func ExampleIsSecret() {
	fmt.Println(tools.IsSecret("OPENAI_API_KEY", ""))
	fmt.Println(tools.IsSecret("DATABASE_URL", "postgres://app:pw@db/app"))
	fmt.Println(tools.IsSecret("GOPATH", "/home/dev/go"))
	// Output:
	// true
	// true
	// false
}

// A local workspace: paths are resolved against the root and used through
// its os.Root; commands run in the root with a scrubbed environment.
func ExampleNewLocal() {
	dir, err := os.MkdirTemp("", "workspace")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ws, err := tools.NewLocal(dir, &tools.LocalOptions{Env: []string{"GREETING=hello"}})
	if err != nil {
		log.Fatal(err)
	}
	defer ws.Close()

	rel, err := ws.Resolve(filepath.Join(ws.Root(), "notes", "todo.txt"))
	if err != nil {
		log.Fatal(err)
	}
	unlock := ws.Lock(rel) // against the other tools of the workspace
	if err := ws.FS().MkdirAll("notes", 0o755); err != nil {
		log.Fatal(err)
	}
	if err := ws.FS().WriteFile(rel, []byte("write docs\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	unlock()
	_, err = ws.Resolve("../elsewhere")
	fmt.Println(rel, err != nil)

	out, err := ws.Command(context.Background(), nil, "sh", "-c", "cat notes/todo.txt; echo $GREETING").Output()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// notes/todo.txt true
	// write docs
	// hello
}
