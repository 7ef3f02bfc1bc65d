package judge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/judge"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/selector"
)

const calcPy = `def add(a, b):
    return a - b


def sub(a, b):
    return a - b
`

const testPy = `import unittest

from calc import add


class TestAdd(unittest.TestCase):
    def test_add(self):
        self.assertEqual(add(2, 3), 5)


if __name__ == "__main__":
    unittest.main()
`

// project is a real git repository of a small Python project with a bug
// (add subtracts), and candidate patches for it.
type project struct {
	dir, base string
	// worktrees is where the judges make their worktrees.
	worktrees string
}

func newProject(t *testing.T) *project {
	t.Helper()
	dir, base := gittest.Repo(t, map[string]string{"calc.py": calcPy, "test_calc.py": testPy})
	p := &project{dir: dir, base: base, worktrees: t.TempDir()}
	t.Cleanup(func() { p.assertClean(t) })
	return p
}

// children returns the live processes this process started and has not
// reaped, from /proc; nil where there is no /proc.
func children(t *testing.T) []string {
	t.Helper()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []string
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // it ended meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after ")".
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(os.Getpid()) && fields[0] != "Z" {
			out = append(out, s[:strings.LastIndexByte(s, ')')+1])
		}
	}
	return out
}

// assertClean checks that nothing is left: no worktree in the directory or
// known to the repository, no process of ours.
func (p *project) assertClean(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir(p.worktrees)
	require.NoError(t, err)
	assert.Empty(t, entries, "worktrees left behind")
	assert.Empty(t, children(t), "processes left behind")
	list := gittest.Git(t, p.dir, "worktree", "list", "--porcelain")
	assert.Equal(t, 1, strings.Count(list, "worktree "), "the repository still lists worktrees:\n%s", list)
}

// patch returns the diff that changes calc.py to src.
func (p *project) patch(t *testing.T, src string) string {
	t.Helper()
	gittest.Write(t, p.dir, "calc.py", src)
	d := gittest.Git(t, p.dir, "diff")
	gittest.Git(t, p.dir, "checkout", "--", ".")
	return d
}

// candidates returns three candidates: good fixes add, twin is good with a
// comment, bad breaks sub instead.
func (p *project) candidates(t *testing.T) []selector.Candidate {
	t.Helper()
	return []selector.Candidate{
		{ID: "good", Source: "model-a", Patch: p.patch(t, strings.Replace(calcPy, "return a - b", "return a + b", 1))},
		{ID: "twin", Source: "model-b", Patch: p.patch(t, strings.Replace(calcPy, "return a - b", "return a + b  # fixed", 1))},
		{ID: "bad", Source: "model-c", Patch: p.patch(t, strings.Replace(calcPy, "    return a - b\n\n\ndef sub", "    return a - b\n\n\ndef sub_", 1))},
	}
}

// judge returns a judge of the project driven by model.
func (p *project) judge(name string, model llm.Model) *judge.Judge {
	return &judge.Judge{
		Agent:     agent.Agent{Name: name, Model: model, ModelName: "judge-model", Limits: agent.Limits{Steps: 8}},
		Repo:      p.dir,
		Base:      p.base,
		Worktrees: p.worktrees,
	}
}

// approve is the arguments of an approval submit: a vote per candidate
// (1 or 0), each with a reason and findings naming the judge.
func approve(judge string, votes map[string]int) string {
	var vs []map[string]any
	for _, id := range slices.Sorted(maps.Keys(votes)) {
		vs = append(vs, map[string]any{
			"candidate": id,
			"vote":      votes[id],
			"reason":    fmt.Sprintf("%s on %s", judge, id),
			"criteria": map[string]string{
				"correctness": fmt.Sprintf("%s: %s correctness", judge, id),
				"safety":      fmt.Sprintf("%s: %s safety", judge, id),
				"simplicity":  fmt.Sprintf("%s: %s simplicity", judge, id),
			},
		})
	}
	return mustJSON(map[string]any{"votes": vs, "reason": judge + " overall"})
}

func choose(id, reason string) string {
	return mustJSON(map[string]string{"choice": id, "reason": reason})
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// shown returns the candidate IDs in the order a judge's task lists them.
func shown(req *llm.Request) []string {
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^## Candidate (\S+)`).FindAllStringSubmatch(req.Messages[0].Text(), -1) {
		out = append(out, m[1])
	}
	return out
}

// toolResult returns the content of the result answering the last call of
// the request's conversation.
func toolResult(t *testing.T, req *llm.Request) *llm.ToolResult {
	t.Helper()
	last := req.Messages[len(req.Messages)-1]
	for _, p := range slices.Backward(last.Parts) {
		if p.ToolResult != nil {
			return p.ToolResult
		}
	}
	t.Fatalf("the last message holds no tool result: %+v", last)
	return nil
}

// panics is a reply that panics, as a broken model client might.
func panics(context.Context, *llm.Request) (*llm.Response, error) { panic("model client bug") }

var _ llmtest.Reply = panics

func toolNames(req *llm.Request) []string {
	var names []string
	for _, s := range req.Tools {
		names = append(names, s.Name)
	}
	return names
}
