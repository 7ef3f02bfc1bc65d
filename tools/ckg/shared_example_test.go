package ckg_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/ckg"
)

// Two agents work in two checkouts of one commit: the commit is parsed
// once, and each agent's ckg tool sees its own edits only.
func ExampleShared() {
	first := exampleRepo()
	defer os.RemoveAll(first)
	second, err := os.MkdirTemp("", "ckg-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(second)
	if err := exec.Command("cp", "-R", first+"/.", second).Run(); err != nil {
		log.Fatal(err)
	}

	var shared ckg.Shared
	ctx := context.Background()
	var views []*ckg.Tool
	for i, dir := range []string{first, second} {
		ix, err := shared.Fork(ctx, "tree-of-the-commit", dir)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("checkout %d: %d files indexed, %d parsed for it\n", i+1, ix.Stats().Files, ix.Stats().Parsed)
		ws, err := tools.NewLocal(dir, nil)
		if err != nil {
			log.Fatal(err)
		}
		views = append(views, ckg.NewToolIndex(ws, ix))
	}
	edited := filepath.Join(first, "geo", "shape.go")
	src, _ := os.ReadFile(edited)
	os.WriteFile(edited, append(src, "\nfunc Perimeter() float64 { return 0 }\n"...), 0o644)
	for i, view := range views {
		res, err := view.Run(ctx, json.RawMessage(`{"command":"search_function","identifier":"Perimeter"}`))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("agent %d finds Perimeter: %v\n", i+1, strings.Contains(res.Content, "geo/shape.go"))
	}
	// Output:
	// checkout 1: 2 files indexed, 0 parsed for it
	// checkout 2: 2 files indexed, 0 parsed for it
	// agent 1 finds Perimeter: true
	// agent 2 finds Perimeter: false
}
