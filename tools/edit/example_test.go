package edit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"

	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/edit"
)

// An editor in a temporary workspace: create a Makefile, change a line
// (its tab is kept), view the result, then undo the change. Arguments are
// the JSON a model sends.
func Example() {
	dir, err := os.MkdirTemp("", "edit-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ws, err := tools.NewLocal(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	ed := edit.New(ws, nil)

	for _, args := range []string{
		`{"command": "create", "path": "build/Makefile", "file_text": "build:\n\tgo build ./...\ntest:\n\tgo test ./...\n"}`,
		`{"command": "str_replace", "path": "build/Makefile", "old_str": "go test ./...", "new_str": "go test -race ./..."}`,
		`{"command": "view", "path": "build/Makefile", "view_range": [3, -1]}`,
		`{"command": "undo_edit", "path": "build/Makefile"}`,
	} {
		res, err := ed.Run(context.Background(), json.RawMessage(args))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("--- error=%v\n%s", res.IsError, res.Content)
	}
	// Output:
	// --- error=false
	// Created build/Makefile (4 lines).
	// --- error=false
	// Edited build/Makefile: old_str replaced. The lines around the edit now read:
	//      1	build:
	//      2		go build ./...
	//      3	test:
	//      4		go test -race ./...
	// Check the change: fix it with another edit, or revert it with undo_edit.
	// --- error=false
	// build/Makefile, lines 3-4 of 4:
	//      3	test:
	//      4		go test -race ./...
	// --- error=false
	// Undid the last edit of build/Makefile (1 earlier edit can still be undone). The lines around it now read:
	//      1	build:
	//      2		go build ./...
	//      3	test:
	//      4		go test ./...
}

// When old_str differs from the file only in whitespace, here spaces where
// the file has a tab, the error says so and quotes the file's text.
func Example_whitespaceHint() {
	dir, err := os.MkdirTemp("", "edit-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(dir+"/main.go", []byte("package main\n\nfunc main() {\n\tprintln(\"hi\")\n}\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	ws, err := tools.NewLocal(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	res, err := edit.New(ws, nil).Run(context.Background(), json.RawMessage(
		`{"command": "str_replace", "path": "main.go", "old_str": "    println(\"hi\")", "new_str": "    println(\"hello\")"}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.IsError)
	fmt.Println(res.Content)
	// Output:
	// true
	// no match for old_str in main.go, but it matches apart from whitespace at line 4 (the file indents with tabs where old_str has spaces). The file's text at line 4, quoted so that tabs (\t), carriage returns (\r) and trailing spaces show:
	//      4	"\tprintln(\"hi\")"
	// Copy that text exactly, whitespace included, into old_str and try again.
}
