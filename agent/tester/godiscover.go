package tester

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"
)

// goListTimeout bounds "go list", which may download modules.
const goListTimeout = 5 * time.Minute

// goListed is what discovery reads of a package from "go list -json".
type goListed struct {
	ImportPath   string
	Dir          string
	Imports      []string
	TestImports  []string
	XTestImports []string
	TestGoFiles  []string
	XTestGoFiles []string
}

// discoverGo returns a GoTest suite per Go module that holds a changed
// file; see [Deterministic].
func discoverGo(ctx context.Context, req Request) ([]Suite, error) {
	modules := map[string][]string{} // module dir -> its changed files, relative to it
	for _, f := range req.Changed {
		mod, ok := goModuleOf(req.Dir, f)
		if !ok {
			continue
		}
		rel := f
		if mod != "" {
			rel = f[len(mod)+1:]
		}
		modules[mod] = append(modules[mod], rel)
	}
	var suites []Suite
	var errs []error
	for _, mod := range slices.Sorted(maps.Keys(modules)) {
		targets, err := goTargets(ctx, filepath.Join(req.Dir, filepath.FromSlash(mod)), modules[mod])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(targets) > 0 {
			suites = append(suites, Suite{Kind: GoTest, Dir: mod, Targets: targets})
		}
	}
	return suites, errors.Join(errs...)
}

// goModuleOf returns the directory (relative, "" for the root) of the Go
// module holding the file f, found by the nearest go.mod above it.
func goModuleOf(root, f string) (string, bool) {
	for d := path.Dir(f); ; d = path.Dir(d) {
		if d == "." {
			d = ""
		}
		if info, err := os.Stat(filepath.Join(root, filepath.FromSlash(d), "go.mod")); err == nil && info.Mode().IsRegular() {
			return d, true
		}
		if d == "" {
			return "", false
		}
	}
}

// goTargets lists the packages of the module at dir to test for the
// changed files (relative to dir): their packages and the packages that
// import them, those with tests, by import path.
func goTargets(ctx context.Context, dir string, changed []string) ([]string, error) {
	out, err := command(ctx, dir, goListTimeout, "go", "list", "-e",
		"-json=ImportPath,Dir,Imports,TestImports,XTestImports,TestGoFiles,XTestGoFiles", "./...")
	if err != nil && len(out) == 0 {
		return nil, err
	}
	var pkgs []goListed
	d := json.NewDecoder(bytes.NewReader(out))
	for {
		var p goListed
		if err := d.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("tester: reading go list output: %w", err)
		}
		pkgs = append(pkgs, p)
	}
	byDir := map[string]string{} // package dir relative to the module -> import path
	for _, p := range pkgs {
		if rel, err := filepath.Rel(dir, p.Dir); err == nil {
			byDir[filepath.ToSlash(rel)] = p.ImportPath
		}
	}
	changedPkgs := map[string]bool{}
	whole := false
	for _, f := range changed {
		if f == "go.mod" || f == "go.sum" {
			whole = true
		}
		for d := path.Dir(f); ; d = path.Dir(d) {
			if ip, ok := byDir[d]; ok {
				changedPkgs[ip] = true
				break
			}
			if d == "." || d == "/" {
				break
			}
		}
	}
	var targets []string
	for _, p := range pkgs {
		if len(p.TestGoFiles)+len(p.XTestGoFiles) == 0 {
			continue
		}
		if whole || changedPkgs[p.ImportPath] || importsAny(changedPkgs, p.Imports, p.TestImports, p.XTestImports) {
			targets = append(targets, p.ImportPath)
		}
	}
	slices.Sort(targets)
	return slices.Compact(targets), nil
}

func importsAny(set map[string]bool, lists ...[]string) bool {
	for _, l := range lists {
		for _, ip := range l {
			if set[ip] {
				return true
			}
		}
	}
	return false
}
