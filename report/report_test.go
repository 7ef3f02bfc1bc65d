package report_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/report"
	"github.com/conclave-dev/conclave/selector"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files and the screenshot under testdata")

// golden compares got with testdata/name, or writes it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(p, got, 0o644))
		return
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test ./report -update to make the golden file")
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the page written; run go test ./report -update and review the diff", p)
	}
}

func render(t *testing.T, runs ...*report.Run) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, report.Write(&b, runs...))
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	dir := t.TempDir()
	fixture(t, dir, 5, 4)
	r, err := report.Load(dir)
	require.NoError(t, err)
	require.Empty(t, r.Problems)
	page := render(t, r)
	golden(t, "run.html", page)

	// Loading again gives the same page, byte for byte.
	r2, err := report.Load(dir)
	require.NoError(t, err)
	assert.Equal(t, string(page), string(render(t, r2)))
	assert.NotContains(t, string(page), dir, "the page names no temporary path")
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	fixture(t, dir, 5, 4)
	r, err := report.Load(dir)
	require.NoError(t, err)
	assert.Equal(t, "demo-1", r.Task.ID)
	require.Len(t, r.Rounds, 1)
	rd := r.Rounds[0]
	assert.Len(t, rd.Attempts, 5)
	assert.Equal(t, "claude", rd.Decision.Winner)
	assert.Equal(t, "panel", rd.Decision.DecidedBy)
	require.NotNil(t, r.Result)
	// Five Coders, and three judges in each of three rounds of the vote.
	require.Len(t, r.Trajectories, 14)
	for _, tr := range r.Trajectories {
		assert.Empty(t, tr.Problem, tr.Agent)
	}
	c := r.Trajectories[0]
	assert.Equal(t, "coder claude, round 1", c.Agent)
	assert.Equal(t, "claude", c.Candidate)
	require.Len(t, c.Steps, 4)
	assert.Equal(t, 4400, c.Tokens)
	assert.Equal(t, 1, c.Errors, "step 3's tool failed")
	assert.True(t, c.Steps[2].HasError())
	assert.Equal(t, "task_done", c.Steps[3].Calls[0].Name)
	assert.True(t, c.Steps[3].Calls[0].Done)
	assert.Equal(t, "gemini, panel (vote round 1)", r.Trajectories[5].Agent)
}

func TestEscaping(t *testing.T) {
	dir := t.TempDir()
	fixture(t, dir, 5, 4)
	r, err := report.Load(dir)
	require.NoError(t, err)
	page := string(render(t, r))
	// The only script is the page's own, and no comment is opened by the
	// hostile text: it shows as text.
	assert.Equal(t, 1, strings.Count(page, "<script"), "one script element")
	assert.Equal(t, 1, strings.Count(page, "</script>"))
	assert.NotContains(t, page, "<!--")
	assert.NotContains(t, page, "<img")
	assert.NotContains(t, page, "<b>bold</b>")
	assert.Contains(t, page, "&lt;/script&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;!--")
	// Nothing is loaded from anywhere.
	assert.NotRegexp(t, regexp.MustCompile(`(?i)(src|href)="(https?:)?//`), page)
	assert.Contains(t, page, `http-equiv="Content-Security-Policy" content="default-src 'none';`)
}

func TestFromDecision(t *testing.T) {
	cands := candidates()
	d := decide(t, "half() should return an int", cands)
	r := report.FromDecision("inst-1", "half() should return an int", cands, d)
	page := string(render(t, r, report.FromDecision("inst-2", "issue two", cands, d)))
	assert.Contains(t, page, `<a href="#run-1">inst-1</a>`)
	assert.Contains(t, page, `<a href="#run-2">inst-2</a>`)
	assert.Contains(t, page, "Funnel")
	assert.Contains(t, page, "round 1: judge")
	// The judges' traces are counted per stage and model.
	assert.Contains(t, page, "<td>panel</td>")
}

func TestIndex(t *testing.T) {
	runs := t.TempDir()
	fixture(t, filepath.Join(runs, "b-2"), 5, 2)
	fixture(t, filepath.Join(runs, "a-1"), 3, 2)
	require.NoError(t, os.MkdirAll(filepath.Join(runs, "not-a-run"), 0o755))
	all, errs, err := report.LoadAll(runs)
	require.NoError(t, err)
	require.Empty(t, errs)
	require.Len(t, all, 2)
	all[1].Task.ID = "<b>b-2</b>"
	var b bytes.Buffer
	require.NoError(t, report.WriteIndex(&b, "predictions.jsonl", []report.Entry{{Run: all[0], Href: "a-1/report.html"}, {Run: all[1], Href: "b-2/report.html"}}))
	page := b.String()
	golden(t, "index.html", b.Bytes())
	assert.Contains(t, page, `<a href="a-1/report.html">demo-1</a>`)
	assert.Contains(t, page, "&lt;b&gt;b-2&lt;/b&gt;")
	assert.Contains(t, page, "panel: 2")
	assert.NotContains(t, page, "<script")

	_, _, err = report.LoadAll(t.TempDir())
	assert.ErrorContains(t, err, "holds no run directory")
	_, err = report.Load(t.TempDir())
	assert.ErrorContains(t, err, "holds no task.json")
}

// TestBounds: a huge tool output, patch or a broken trajectory line are
// cut, and say so, instead of growing the page without bound.
func TestBounds(t *testing.T) {
	dir := t.TempDir()
	fixture(t, dir, 3, 2)
	big := strings.Repeat("é", 200_000)
	traj := filepath.Join(dir, "round-1/trajectories/claude.jsonl")
	b, err := os.ReadFile(traj)
	require.NoError(t, err)
	b = bytes.Replace(b, []byte("output line"), []byte(big), 1)
	b = append(b, []byte(`{"kind":"step","ag`)...) // cut short by a crash
	require.NoError(t, os.WriteFile(traj, b, 0o644))
	r, err := report.Load(dir)
	require.NoError(t, err)
	out := r.Trajectories[0].Steps[0].Calls[0].Output
	assert.Less(t, len(out), 20<<10)
	assert.Contains(t, out, "bytes left out")
	assert.True(t, utf8Valid(out))
	assert.Empty(t, r.Trajectories[0].Problem, "a last line cut short is left out")

	// Past the text a trajectory may keep, texts are left out whole.
	defer report.SetMaxKept(2000)()
	fixture(t, dir, 3, 20)
	r, err = report.Load(dir)
	require.NoError(t, err)
	steps := r.Trajectories[0].Steps
	assert.Contains(t, steps[0].Calls[0].Output, "step1.py")
	assert.Contains(t, steps[19].Calls[0].Output, "bytes left out: this trajectory's text is past 0 MiB")

	require.NoError(t, os.WriteFile(traj, []byte("not json\n{}\n"), 0o644))
	r, err = report.Load(dir)
	require.NoError(t, err)
	assert.Contains(t, r.Trajectories[0].Problem, "line 1 is not an event")
}

// TestSubagent: a subagent's steps come between its parent's tool call
// and result, and the result still reaches the parent's step.
func TestSubagent(t *testing.T) {
	dir := t.TempDir()
	fixture(t, dir, 3, 2)
	lines := []string{
		`{"kind":"start","agent":"claude","start":{"task":"fix","limits":{}}}`,
		`{"kind":"step","agent":"claude","step":1}`,
		`{"kind":"tool_call","agent":"claude","step":1,"call":{"id":"c1","name":"explore","args":{"q":"where"}}}`,
		`{"kind":"step","agent":"claude/explorer","parent":"c1","step":1}`,
		`{"kind":"tool_call","agent":"claude/explorer","parent":"c1","step":1,"call":{"id":"s1","name":"bash","args":{"command":"ls"}}}`,
		`{"kind":"tool_result","agent":"claude/explorer","parent":"c1","step":1,"tool":{"call":{"id":"s1","name":"bash","args":{}},"content":"half.py"}}`,
		`{"kind":"tool_result","agent":"claude","step":1,"tool":{"call":{"id":"c1","name":"explore","args":{}},"content":"in half.py"}}`,
		`{"kind":"stop","agent":"claude","stop":{"reason":"task_done","steps":1,"usage":{"calls":0,"usage":{"input_tokens":0,"output_tokens":0},"cost":0}}}`,
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "round-1/trajectories/claude.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	r, err := report.Load(dir)
	require.NoError(t, err)
	tr := r.Trajectories[0]
	require.Empty(t, tr.Problem)
	require.Len(t, tr.Steps, 2)
	assert.False(t, tr.Steps[0].Sub)
	assert.Equal(t, "in half.py", tr.Steps[0].Calls[0].Output)
	assert.True(t, tr.Steps[1].Sub)
	assert.Equal(t, "claude/explorer", tr.Steps[1].Agent)
	assert.Equal(t, "half.py", tr.Steps[1].Calls[0].Output)
	assert.Equal(t, agent.StopDone, tr.Stop.Reason)
	page := string(render(t, r))
	assert.Contains(t, page, `<details class="step sub">`)
}

// TestRefined: a second round shows with the critiques its Coders were
// given, and its judges' trajectories are named by round.
func TestRefined(t *testing.T) {
	dir := t.TempDir()
	fixture(t, dir, 3, 2)
	require.NoError(t, os.CopyFS(filepath.Join(dir, "round-2"), os.DirFS(filepath.Join(dir, "round-1"))))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "round-2", "critiques"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "round-2", "critiques", "gpt.md"), []byte("The judges said: <i>drop the comment</i>"), 0o644))
	for _, c := range coders[:3] {
		name := filepath.Join(dir, "round-2", "candidates", c.id+".json")
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(name, bytes.ReplaceAll(b, []byte("round-1/trajectories"), []byte("round-2/trajectories")), 0o644))
	}
	r, err := report.Load(dir)
	require.NoError(t, err)
	require.Len(t, r.Rounds, 2)
	assert.Equal(t, "The judges said: <i>drop the comment</i>", r.Rounds[1].Critiques["gpt"])
	assert.Equal(t, "coder claude, round 2", r.Trajectories[3].Agent)
	assert.Empty(t, r.Trajectories[3].Problem)
	page := string(render(t, r))
	assert.Contains(t, page, `<h2 id="run-1-round-2">Round 2</h2>`)
	assert.Contains(t, page, "The judges said: &lt;i&gt;drop the comment&lt;/i&gt;")
	assert.Contains(t, page, "gemini, panel (vote round 1), round 1")
}

// TestPolicyHashes: the policy's hashes are those of the style and script
// as written on the page (html/template would change them if they held a
// comment), so the browser runs them and nothing else.
func TestPolicyHashes(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, report.Write(&b, report.FromDecision("x", "issue", candidates(), nil)))
	page := b.String()
	policy := regexp.MustCompile(`content="(default-src[^"]*)"`).FindStringSubmatch(page)
	require.NotNil(t, policy)
	for _, tag := range []string{"style", "script"} {
		body := regexp.MustCompile(`(?s)<` + tag + `>(.*?)</` + tag + `>`).FindStringSubmatch(page)
		require.NotNil(t, body, tag)
		sum := sha256.Sum256([]byte(body[1]))
		assert.Contains(t, policy[1], tag+"-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'", tag)
	}
}

// TestChoicesAndMatches: a choice vote shows each judge's pick, and a
// tournament each match with its judgements.
func TestChoicesAndMatches(t *testing.T) {
	cands := candidates()[:3]
	pick := selector.JudgeFunc(func(_ context.Context, q selector.Question) (selector.Answer, error) {
		for _, c := range q.Candidates {
			if strings.Contains(c.Patch, "int(") {
				return selector.Answer{Choice: c.ID, Reason: "<em>explicit</em>"}, nil
			}
		}
		return selector.Answer{Choice: q.Candidates[0].ID}, nil
	})
	judges := map[string]selector.Judge{"j1": pick, "j2": pick}
	for _, tc := range []struct {
		stage selector.Stage
		want  []string
	}{
		{selector.MultiSelect{Judges: judges}, []string{`<span class="pick">pick</span>`, "Vote: multi_select", "&lt;em&gt;explicit&lt;/em&gt;"}},
		{selector.Tournament{Judges: judges}, []string{"Vote: tournament", `<span class="pick">gemini</span> &lt;em&gt;explicit&lt;/em&gt;`, "agreed"}},
	} {
		pool, err := selector.NewPool("issue", nil, cands)
		require.NoError(t, err)
		d, err := selector.Selector{Stages: []selector.Stage{tc.stage}}.Run(context.Background(), pool)
		require.NoError(t, err)
		require.Equal(t, "gemini", d.Winner)
		page := string(render(t, report.FromDecision("x", "issue", cands, d)))
		for _, w := range tc.want {
			assert.Contains(t, page, w)
		}
	}
}

// A run without its result yet sums its usage from the records, the
// Coder runs that were cut short included, as the Result would.
func TestUnfinishedUsage(t *testing.T) {
	dir := t.TempDir()
	fixture(t, dir, 2, 2)
	require.NoError(t, os.Remove(filepath.Join(dir, "result.json")))
	lost := conclave.Attempt{Coder: "claude", Round: 1, Error: "conclave: Coder claude: killed",
		Usage: map[string]llm.Totals{"claude-x": {Calls: 3, Usage: llm.Usage{InputTokens: 900, OutputTokens: 100}, Cost: 0.25}}}
	b, err := json.Marshal(lost)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "round-1", "lost"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "round-1", "lost", "claude-1.json"), b, 0o644))

	r, err := report.Load(dir)
	require.NoError(t, err)
	assert.Nil(t, r.Result)
	require.Len(t, r.Rounds[0].Lost, 1)
	assert.Contains(t, r.Usage, conclave.Usage{Stage: "interrupted", Model: "claude-x", Calls: 3, Tokens: 1000, Cost: 0.25})
}
