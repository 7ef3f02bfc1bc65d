package ckg_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/ckg"
)

// exampleRepo writes a tiny repository and returns its directory.
func exampleRepo() string {
	dir, err := os.MkdirTemp("", "ckg-example")
	if err != nil {
		log.Fatal(err)
	}
	files := map[string]string{
		"geo/shape.go": `package geo

// Shape is anything with an area.
type Shape interface{ Area() float64 }

// Square is a Shape.
type Square struct{ Side float64 }

// Area returns the side squared.
func (s *Square) Area() float64 { return s.Side * s.Side }
`,
		"main.go": `package main

import "example.com/m/geo"

func main() { println((&geo.Square{Side: 2}).Area()) }
`,
	}
	for p, src := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(src), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	return dir
}

func Example() {
	dir := exampleRepo()
	defer os.RemoveAll(dir)
	ix, err := ckg.Open(context.Background(), dir, &ckg.Options{NoCache: true})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range ix.Search(ckg.Query{Name: "area", Match: ckg.IgnoreCase}) {
		fmt.Printf("%s %s %s:%d-%d %q\n", s.Kind, s.QualifiedName(), s.Path, s.StartLine, s.EndLine, s.Doc)
	}
	for _, r := range ix.References("Square.Area") {
		fmt.Printf("used at %s:%d:%d in %s\n", r.Path, r.Line, r.Column, r.Scope)
	}
	// Output:
	// method Shape.Area geo/shape.go:4-4 ""
	// method Square.Area geo/shape.go:10-10 "Area returns the side squared."
	// used at main.go:5:46 in main
}

func ExampleIndex_DefinitionAt() {
	dir := exampleRepo()
	defer os.RemoveAll(dir)
	ix, err := ckg.Open(context.Background(), dir, &ckg.Options{NoCache: true})
	if err != nil {
		log.Fatal(err)
	}
	defs, at, err := ix.DefinitionAt("main.go", 5, 29) // Square in geo.Square
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(at.Qualifier + "." + at.Name)
	for _, d := range defs {
		fmt.Println(d.Kind, d.Location(), d.Signature)
	}
	// Output:
	// geo.Square
	// struct geo/shape.go:7 Square struct{ Side float64 }
}

func ExampleIndex_Refresh() {
	dir := exampleRepo()
	defer os.RemoveAll(dir)
	ctx := context.Background()
	ix, err := ckg.Open(ctx, dir, &ckg.Options{NoCache: true})
	if err != nil {
		log.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "geo", "circle.go"), []byte("package geo\n\ntype Circle struct{ R float64 }\n"), 0o644)
	st, err := ix.Refresh(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("parsed", st.Parsed, "of", st.Files, "files")
	fmt.Println(len(ix.Definitions("Circle")), "Circle")
	// Output:
	// parsed 1 of 3 files
	// 1 Circle
}

func ExampleNewTool() {
	dir := exampleRepo()
	defer os.RemoveAll(dir)
	ws, err := tools.NewLocal(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	tool := ckg.NewTool(ws, &ckg.Options{NoCache: true})
	res, err := tool.Run(context.Background(), json.RawMessage(`{"command":"outline","path":"geo/shape.go"}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(res.Content)
	// Output:
	// 4-4 interface Shape interface{ Area() float64 }
	//   4-4 method Area() float64
	// 7-7 struct Square struct{ Side float64 }
	//   10-10 method func (s *Square) Area() float64
}
