package conclave_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/conclave-dev/conclave"

// allowed lists, for each package of the module (by path relative to the
// module root), the packages of the module its non-test files may import.
// Nothing else of ours is allowed. This is the dependency direction of
// docs/architecture.md:
//
//	llm  <-  tools  <-  agent  ->  selector  ->  vote
//
// vote imports only the standard library; selector never imports llm,
// tools or agent; llm imports nothing of ours but internal plumbing.
// Every package must appear here, so a new package is placed on purpose.
var allowed = map[string][]string{
	".":                           {"llm", "tools", "agent", "selector", "vote", "internal/*", "tools/*", "agent/*", "selector/*"},
	"llm":                         {},
	"llm/llmtest":                 {"llm"},
	"llm/replay":                  {"llm"},
	"llm/anthropic":               {"llm", "internal/sse", "internal/httpx", "internal/vertex"},
	"llm/openai":                  {"llm", "internal/sse", "internal/httpx"},
	"llm/gemini":                  {"llm", "internal/sse", "internal/httpx", "internal/vertex"},
	"tools":                       {"llm"},
	"tools/toolstest":             {"tools", "llm"},
	"tools/edit":                  {"tools", "llm"},
	"tools/bash":                  {"tools", "llm", "internal/proc"},
	"tools/think":                 {"tools", "llm"},
	"tools/mcp":                   {"tools", "llm", "internal/proc"},
	"tools/ckg":                   {"tools", "llm", "internal/lang"},
	"agent":                       {"llm", "tools"},
	"agent/mustpatch":             {"tools/think", "selector/syntax", "internal/gitx"},
	"agent/discovery":             {"agent", "agent/internal/browse", "llm", "tools", "tools/ckg"},
	"agent/coder":                 {"agent", "agent/mustpatch", "llm", "tools", "tools/bash", "tools/ckg", "tools/edit", "tools/think", "selector", "selector/syntax", "internal/gitx"},
	"agent/tester":                {"agent", "llm", "tools", "tools/bash", "tools/ckg", "tools/edit", "tools/think", "selector", "selector/syntax", "internal/gitx", "internal/proc"},
	"agent/judge":                 {"agent", "agent/internal/browse", "llm", "tools", "tools/bash", "tools/ckg", "selector", "vote", "internal/gitx"},
	"agent/internal/browse":       {"tools", "tools/edit"},
	"vote":                        {},
	"vote/votetest":               {"vote"},
	"selector":                    {"vote", "selector/syntax", "selector/rank", "internal/lang"},
	"selector/rank":               {"vote", "selector/syntax"},
	"selector/syntax":             {"internal/lang"},
	"internal/sse":                {},
	"internal/httpx":              {"llm", "internal/sse"},
	"internal/lang":               {},
	"internal/proc":               {},
	"internal/gitx":               {},
	"internal/atomicfile":         {},
	"internal/gittest":            {"internal/gitx"},
	"internal/cli":                {"*"},
	"cmd/conclave":                {"internal/cli"},
	"examples/*":                  {"*"},
	"internal/httpx/httpxtest":    {},
	"internal/vertex":             {"llm"},
	"tools/bwrap":                 {"tools"},
	"config":                      {".", "agent", "agent/*", "llm", "llm/*", "tools", "tools/*", "selector", "vote"},
	"temporal":                    {".", "agent", "agent/*", "llm", "llm/*", "tools", "tools/*", "selector", "selector/*", "vote", "internal/gitx", "internal/atomicfile"},
	"examples/quickstart/project": {},
	"report":                      {".", "agent", "llm", "selector", "vote"},
}

// forbidden are modules no package may import: the vendor LLM SDKs. Conclave
// speaks the wire formats over net/http.
var forbidden = []string{
	"github.com/anthropics/anthropic-sdk-go",
	"github.com/openai/openai-go",
	"github.com/sashabaranov/go-openai",
	"google.golang.org/genai",
	"github.com/google/generative-ai-go",
}

// stdlibOnly lists packages that may import nothing outside the standard
// library, not even third-party modules.
var stdlibOnly = []string{"vote", "internal/sse", "internal/proc"}

func TestImportDirection(t *testing.T) {
	pkgs := scan(t)
	if len(pkgs) == 0 {
		t.Fatal("found no packages; run the test from the module root")
	}
	for dir, imports := range pkgs {
		rule, ok := ruleFor(dir)
		if !ok {
			t.Errorf("package %q has no rule in deps_test.go: add one that places it in the dependency direction", dir)
			continue
		}
		for _, imp := range imports {
			for _, f := range forbidden {
				if imp == f || strings.HasPrefix(imp, f+"/") {
					t.Errorf("%s imports %s, a vendor LLM SDK: speak the wire format over net/http instead", dir, imp)
				}
			}
			if slices.Contains(stdlibOnly, dir) && !isStdlib(imp) {
				t.Errorf("%s imports %s; it may import only the standard library", dir, imp)
			}
			own, ok := strings.CutPrefix(imp, module+"/")
			if !ok {
				continue
			}
			if !matches(rule, own) {
				t.Errorf("%s imports %s, against the dependency direction (allowed: %v)", dir, own, rule)
			}
		}
	}
}

// TestRulesMatchPackages keeps the table honest: a rule for a package that
// does not exist is a stale or misspelt entry.
func TestRulesMatchPackages(t *testing.T) {
	pkgs := scan(t)
	for pattern := range allowed {
		found := false
		for dir := range pkgs {
			if ok, _ := path.Match(pattern, dir); ok {
				found = true
			}
		}
		if !found {
			t.Errorf("deps_test.go has a rule for %q but there is no such package", pattern)
		}
	}
}

func ruleFor(dir string) ([]string, bool) {
	if r, ok := allowed[dir]; ok {
		return r, true
	}
	for pattern, r := range allowed {
		if ok, _ := path.Match(pattern, dir); ok {
			return r, true
		}
	}
	return nil, false
}

func matches(rule []string, own string) bool {
	for _, r := range rule {
		if r == "*" || r == own {
			return true
		}
		if prefix, ok := strings.CutSuffix(r, "/*"); ok && strings.HasPrefix(own, prefix+"/") {
			return true
		}
	}
	return false
}

func isStdlib(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return !strings.Contains(first, ".")
}

// scan returns the imports of the non-test Go files of every package under
// the module root, keyed by directory relative to the root.
func scan(t *testing.T) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(p))
		if _, ok := pkgs[dir]; !ok {
			pkgs[dir] = nil
		}
		for _, spec := range f.Imports {
			imp, _ := strconv.Unquote(spec.Path.Value)
			pkgs[dir] = append(pkgs[dir], imp)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("go.mod"); err != nil {
		t.Fatalf("not at the module root: %v", err)
	}
	return pkgs
}
