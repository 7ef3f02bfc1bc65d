package tester_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/internal/gitx"
	"github.com/conclave-dev/conclave/selector"
)

// benchModule is a Go module of 20 packages with a test each: p00 and
// nineteen packages importing it.
func benchModule() map[string]string {
	files := map[string]string{
		"go.mod":        "module example.com/bench\n\ngo 1.22\n",
		"p00/p00.go":    "package p00\n\n// Base is used by every other package.\nfunc Base(x int) int { return x + 1 }\n",
		"p00/p_test.go": "package p00\n\nimport \"testing\"\n\nfunc TestBase(t *testing.T) {\n\tif Base(1) != 2 {\n\t\tt.Fatal(\"bad\")\n\t}\n}\n",
	}
	for i := 1; i < 20; i++ {
		p := fmt.Sprintf("p%02d", i)
		files[p+"/"+p+".go"] = fmt.Sprintf("package %s\n\nimport \"example.com/bench/p00\"\n\nfunc F() int { return p00.Base(%d) }\n", p, i)
		files[p+"/p_test.go"] = fmt.Sprintf("package %s\n\nimport \"testing\"\n\nfunc TestF(t *testing.T) {\n\tif F() != %d {\n\t\tt.Fatal(\"bad\")\n\t}\n}\n", p, i+1)
	}
	return files
}

// BenchmarkTesterOverhead compares the Tester on 5 candidates of a
// 20-package module (discovery with go list, the baseline twice, each
// candidate in its own worktree, parsing) with the same seven "go test
// -json -count=1" runs done directly, each in a plain "git worktree add"
// checkout with "git apply" for the candidates, one at a time in both.
// The ratio of the two ns/op is the Tester's overhead.
func BenchmarkTesterOverhead(b *testing.B) {
	files := benchModule()
	repo, _ := gittest.Repo(b, files)
	var candidates []selector.Candidate
	for i := range 5 {
		candidates = append(candidates, selector.Candidate{ID: fmt.Sprint("c", i), Patch: patchOf(b, repo, map[string]string{
			"p00/p00.go": strings.Replace(files["p00/p00.go"], "used by every other package", fmt.Sprintf("used by every package (%d)", i), 1),
		})})
	}
	var pkgs []string
	for i := range 20 {
		pkgs = append(pkgs, fmt.Sprintf("example.com/bench/p%02d", i))
	}
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		dir := b.TempDir()
		n := 0
		for b.Loop() {
			for _, patch := range append([]string{"", ""}, patches(candidates)...) {
				n++
				tree := filepath.Join(dir, fmt.Sprint(n))
				_, err := gitx.Git(b.Context(), repo, "worktree", "add", "--quiet", "--detach", tree, "HEAD")
				require.NoError(b, err)
				if patch != "" {
					cmd := exec.Command("git", "apply", "-")
					cmd.Dir, cmd.Stdin = tree, strings.NewReader(patch)
					require.NoError(b, cmd.Run())
				}
				cmd := exec.Command("go", append([]string{"test", "-json", "-count=1"}, pkgs...)...)
				cmd.Dir = tree
				out, err := cmd.Output()
				require.NoError(b, err)
				require.Contains(b, string(out), `"Action":"pass","Package":"example.com/bench/p19","Elapsed"`)
				_, err = gitx.Git(b.Context(), repo, "worktree", "remove", "--force", tree)
				require.NoError(b, err)
			}
		}
	})
	b.Run("tester", func(b *testing.B) {
		b.ReportAllocs()
		tst := &tester.Tester{Repo: repo, WorktreeDir: b.TempDir(), Parallel: 1}
		for b.Loop() {
			report, err := tst.Check(b.Context(), "", candidates)
			require.NoError(b, err)
			require.Equal(b, 40, report.Baseline.Passed)
			for _, c := range report.Candidates {
				require.True(b, c.Kept, c.Error)
			}
		}
	})
}

func patches(cs []selector.Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Patch)
	}
	return out
}
