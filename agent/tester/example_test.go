package tester_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/selector"
)

// exampleRepo makes a repository holding value.txt and returns it.
func exampleRepo() string {
	dir, err := os.MkdirTemp("", "tester-example")
	if err != nil {
		log.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "value.txt"), []byte("1\n"), 0o644)
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"},
		{"-c", "user.name=x", "-c", "user.email=x@example.com", "commit", "-q", "-m", "base"}} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			log.Fatalf("git %v: %v: %s", args, err, out)
		}
	}
	return dir
}

// The tester with a user's test command: a candidate that breaks the
// check is dropped, one that does not apply says why.
func ExampleTester_Check() {
	repo := exampleRepo()
	defer os.RemoveAll(repo)
	worktrees, _ := os.MkdirTemp("", "tester-example-worktrees")
	defer os.RemoveAll(worktrees)

	patch := func(from, to string) string {
		return fmt.Sprintf("diff --git a/value.txt b/value.txt\n--- a/value.txt\n+++ b/value.txt\n@@ -1 +1 @@\n-%s\n+%s\n", from, to)
	}
	candidates := []selector.Candidate{
		{ID: "keeps-one", Patch: "diff --git a/notes.txt b/notes.txt\nnew file mode 100644\n--- /dev/null\n+++ b/notes.txt\n@@ -0,0 +1 @@\n+hello\n"},
		{ID: "makes-two", Patch: patch("1", "2")},
		{ID: "stale", Patch: patch("7", "8")},
	}
	t := &tester.Tester{Repo: repo, WorktreeDir: worktrees, Command: `test "$(cat value.txt)" = 1`}
	report, err := t.Check(context.Background(), "value.txt must stay 1", candidates)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("baseline: %d run, %d passed\n", report.Baseline.Run, report.Baseline.Passed)
	for _, c := range report.Candidates {
		line := fmt.Sprintf("%s: kept %v, %d regressions", c.ID, c.Kept, len(c.Regressions))
		if why, _, _ := strings.Cut(c.Error, ":"); why != "" {
			line += "; " + why
		}
		fmt.Println(line)
	}
	// Output:
	// baseline: 1 run, 1 passed
	// keeps-one: kept true, 0 regressions
	// makes-two: kept false, 1 regressions
	// stale: kept false, 0 regressions; the patch does not apply
}

func ExampleParseGoTest() {
	out := `{"Action":"run","Package":"example.com/m","Test":"TestA"}
{"Action":"output","Package":"example.com/m","Test":"TestA","Output":"    a_test.go:9: got 2, want 3\n"}
{"Action":"fail","Package":"example.com/m","Test":"TestA"}
{"Action":"run","Package":"example.com/m","Test":"TestB"}
{"Action":"pass","Package":"example.com/m","Test":"TestB"}
{"Action":"fail","Package":"example.com/m"}
`
	tests, err := tester.ParseGoTest(strings.NewReader(out))
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tests {
		fmt.Printf("%s %s %q\n", t.Name, t.Outcome, t.Log)
	}
	// Output:
	// example.com/m fail ""
	// example.com/m.TestA fail "a_test.go:9: got 2, want 3"
	// example.com/m.TestB pass ""
}
