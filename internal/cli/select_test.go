package cli

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// calcPatch changes calc.py's div, as the selector's testdata does.
func calcPatch(body string) string {
	return "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -5,2 +5,2 @@ def add(a, b):\n def div(a, b):\n-    return a / b\n+" + body + "\n"
}

const calcSource = "def add(a, b):\n    return a + b\n\n\ndef div(a, b):\n    return a / b\n"

// writeLines writes one JSON object per line to a file in dir.
func writeLines(t *testing.T, dir, name string, lines ...map[string]any) string {
	t.Helper()
	var b strings.Builder
	for _, l := range lines {
		data, err := json.Marshal(l)
		require.NoError(t, err)
		b.Write(data)
		b.WriteByte('\n')
	}
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

// batchLines are two instances: "calc", whose original files are given in
// sourceLines, and "text", compared patch-only. In "calc", claude and
// gemini agree up to a comment, gpt differs, qwen's patch is empty.
func batchLines(resolved func(i int) any) []map[string]any {
	lines := []map[string]any{
		{"instance_id": "calc", "candidate_id": "c1", "source": "claude", "patch": calcPatch("    return a / b if b else 0")},
		{"instance_id": "calc", "candidate_id": "c2", "source": "gpt", "patch": calcPatch("    return None if b == 0 else a / b")},
		{"instance_id": "calc", "candidate_id": "c3", "source": "gemini", "patch": calcPatch("    return a / b if b else 0  # guard")},
		{"instance_id": "calc", "candidate_id": "c4", "source": "qwen", "patch": ""},
		{"instance_id": "text", "candidate_id": "t1", "source": "claude", "patch": calcPatch("    return a // b")},
		{"instance_id": "text", "candidate_id": "t2", "source": "gpt", "patch": calcPatch("    return a * b")},
	}
	for i, l := range lines {
		if r := resolved(i); r != nil {
			l["resolved"] = r
		}
		l["model_name_or_path"] = "ignored"
	}
	return lines
}

func sourceLines() []map[string]any {
	return []map[string]any{{"instance_id": "calc", "path": "calc.py", "content": calcSource}}
}

func readSelections(t *testing.T, path string) []selection {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []selection
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var s selection
		require.NoError(t, json.Unmarshal(sc.Bytes(), &s))
		out = append(out, s)
	}
	require.NoError(t, sc.Err())
	return out
}

func TestSelectBatch(t *testing.T) {
	dir := t.TempDir()
	batch := writeLines(t, dir, "batch.jsonl", batchLines(func(int) any { return nil })...)
	sources := writeLines(t, dir, "sources.jsonl", sourceLines()...)
	out := filepath.Join(dir, "out.jsonl")
	code, stdout, stderr := run(t, "select", "--batch", batch, "--sources", sources, "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, noJudge)
	assert.Contains(t, stderr, "2 instances, strategy plurality")

	got := readSelections(t, out)
	require.Len(t, got, 2)
	calc, text := got[0], got[1]
	assert.Equal(t, "calc", calc.InstanceID)
	assert.Equal(t, "c1", calc.CandidateID, "the two equivalent patches win")
	assert.Equal(t, calcPatch("    return a / b if b else 0"), calc.Patch)
	assert.Equal(t, "plurality", calc.Strategy)
	assert.Equal(t, "full-file", calc.Mode)
	assert.Equal(t, []string{noJudge}, calc.Notes)
	var members [][]string
	for _, cl := range calc.Clusters {
		members = append(members, cl.Members)
	}
	assert.Equal(t, [][]string{{"c1", "c3"}, {"c2"}}, members)
	require.NotNil(t, calc.Decision)
	assert.Equal(t, "syntax_vote", calc.Decision.DecidedBy)
	assert.Equal(t, []string{"c1", "c3", "c2", "c4"}, calc.Decision.Ranking)
	var stages []string
	for _, s := range calc.Decision.Steps {
		stages = append(stages, s.Stage)
	}
	assert.Equal(t, []string{"content_filter", "apply_check", "syntax_cluster", "syntax_vote"}, stages)

	assert.Equal(t, "text", text.InstanceID)
	assert.Equal(t, "patch-only", text.Mode)
	assert.Contains(t, []string{"t1", "t2"}, text.CandidateID)
	assert.Equal(t, []string{"t1", "t2"}, text.Decision.Steps[3].Vote.Tied, "a tie, broken by the seed")
}

func TestSelectNeverReadsResolved(t *testing.T) {
	dir := t.TempDir()
	sources := writeLines(t, dir, "sources.jsonl", sourceLines()...)
	history := writeLines(t, dir, "history.jsonl",
		map[string]any{"source": "gpt", "resolved": true}, map[string]any{"source": "claude", "resolved": false})
	outputs := map[string]string{}
	for name, resolved := range map[string]func(int) any{
		"absent":    func(int) any { return nil },
		"all true":  func(int) any { return true },
		"all false": func(int) any { return false },
		"alternate": func(i int) any { return i%2 == 0 },
		"nonsense":  func(int) any { return map[string]any{"x": []int{1}} },
	} {
		batch := writeLines(t, dir, "batch.jsonl", batchLines(resolved)...)
		out := filepath.Join(dir, "out.jsonl")
		code, _, stderr := run(t, "select", "--batch", batch, "--sources", sources, "--history", history, "--out", out, "--seed", "3")
		require.Equal(t, 0, code, stderr)
		data, err := os.ReadFile(out)
		require.NoError(t, err)
		outputs[name] = string(data)
	}
	for name, o := range outputs {
		assert.Equal(t, outputs["absent"], o, "resolved %s changes the output", name)
	}
}

func TestSelectDeterministic(t *testing.T) {
	dir := t.TempDir()
	batch := writeLines(t, dir, "batch.jsonl", batchLines(func(int) any { return nil })...)
	tiedWinners := map[string]bool{}
	for _, seed := range []string{"1", "1", "2", "3", "4", "5", "6"} {
		out := filepath.Join(dir, "out-"+seed+".jsonl")
		first, _ := os.ReadFile(out)
		code, _, stderr := run(t, "select", "--batch", batch, "--out", out, "--seed", seed)
		require.Equal(t, 0, code, stderr)
		data, err := os.ReadFile(out)
		require.NoError(t, err)
		if first != nil {
			assert.Equal(t, string(first), string(data), "the same input and seed give the same output")
		}
		tiedWinners[readSelections(t, out)[1].CandidateID] = true
	}
	assert.Len(t, tiedWinners, 2, "seeds break ties differently")
}

func TestSelectStrategies(t *testing.T) {
	dir := t.TempDir()
	batch := writeLines(t, dir, "batch.jsonl", batchLines(func(int) any { return nil })...)
	var history []map[string]any
	for range 9 {
		history = append(history, map[string]any{"source": "gpt", "resolved": true}, map[string]any{"source": "claude", "resolved": false},
			map[string]any{"source": "gemini", "resolved": false})
	}
	hist := writeLines(t, dir, "history.jsonl", history...)
	tests := []struct {
		name     string
		args     []string
		strategy string
		winners  []string
	}{
		{"plurality by default", nil, "plurality", []string{"c1"}},
		{"reliability by default with a history", []string{"--history", hist}, "reliability", []string{"c2", "t2"}},
		{"agreement", []string{"--strategy", "agreement"}, "agreement", []string{"c1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.jsonl")
			code, _, stderr := run(t, append([]string{"select", "--batch", batch, "--out", out}, tt.args...)...)
			require.Equal(t, 0, code, stderr)
			got := readSelections(t, out)
			for i, want := range tt.winners {
				assert.Equal(t, tt.strategy, got[i].Strategy)
				assert.Equal(t, want, got[i].CandidateID)
			}
			if tt.strategy != "plurality" {
				assert.NotEmpty(t, got[0].Weights)
			}
		})
	}
}

func TestSelectErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeLines(t, dir, "good.jsonl", batchLines(func(int) any { return nil })...)
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		return path
	}
	out := filepath.Join(dir, "out.jsonl")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no batch", []string{"--out", out}, 2, "--batch is required"},
		{"no out", []string{"--batch", good}, 2, "--out is required"},
		{"unknown strategy", []string{"--batch", good, "--out", out, "--strategy", "vibes"}, 2, `unknown --strategy "vibes"`},
		{"reliability without history", []string{"--batch", good, "--out", out, "--strategy", "reliability"}, 2, "needs --history"},
		{"extra argument", []string{"--batch", good, "--out", out, "extra"}, 2, "unexpected arguments: extra"},
		{"missing batch file", []string{"--batch", filepath.Join(dir, "nope.jsonl"), "--out", out}, 1, "no such file"},
		{"not JSON", []string{"--batch", write("a.jsonl", `{"instance_id":"i","candidate_id":"a","patch":""}`+"\n\nnot json\n"), "--out", out}, 1,
			"a.jsonl:3: not a JSON object"},
		{"broken JSON", []string{"--batch", write("b.jsonl", `{"instance_id":"i","candidate_id":"a","patch":""`+"\n"), "--out", out}, 1,
			"b.jsonl:1: not a valid JSON object"},
		{"no patch", []string{"--batch", write("c.jsonl", `{"instance_id":"i","candidate_id":"a"}`+"\n"), "--out", out}, 1,
			`c.jsonl:1: "patch" is missing`},
		{"no instance", []string{"--batch", write("d.jsonl", `{"candidate_id":"a","patch":""}`+"\n"), "--out", out}, 1,
			`d.jsonl:1: "instance_id" is missing or empty`},
		{"no candidate", []string{"--batch", write("e.jsonl", `{"instance_id":"i","patch":""}`+"\n"), "--out", out}, 1,
			`e.jsonl:1: "candidate_id" is missing or empty`},
		{"wrong type", []string{"--batch", write("f.jsonl", `{"instance_id":"i","candidate_id":7,"patch":""}`+"\n"), "--out", out}, 1,
			"f.jsonl:1: not a valid JSON object"},
		{"duplicate", []string{"--batch", write("g.jsonl", `{"instance_id":"i","candidate_id":"a","patch":""}`+"\n"+`{"instance_id":"i","candidate_id":"a","patch":"x"}`+"\n"), "--out", out}, 1,
			`g.jsonl:2: candidate "a" of instance "i" appears again (first on line 1)`},
		{"empty batch", []string{"--batch", write("h.jsonl", "\n"), "--out", out}, 1, "h.jsonl: no candidates"},
		{"bad source path", []string{"--batch", good, "--out", out, "--sources", write("s.jsonl", `{"instance_id":"calc","path":"../etc/passwd","content":""}`+"\n")}, 1,
			`s.jsonl:1: "path" "../etc/passwd" is not a slash-separated path`},
		{"source without content", []string{"--batch", good, "--out", out, "--sources", write("s2.jsonl", `{"instance_id":"calc","path":"a.py"}`+"\n")}, 1,
			`s2.jsonl:1: "content" is missing`},
		{"history without outcome", []string{"--batch", good, "--out", out, "--history", write("h2.jsonl", `{"source":"gpt"}`+"\n")}, 1,
			`h2.jsonl:1: "resolved" is missing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, append([]string{"select"}, tt.args...)...)
			assert.Equal(t, tt.code, code)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

func FuzzDecodeBatchLine(f *testing.F) {
	f.Add([]byte(`{"instance_id":"i","candidate_id":"a","patch":"diff --git a/x b/x\n"}`))
	f.Add([]byte(`{"instance_id":"i","candidate_id":"a","patch":"","source":"gpt","resolved":true}`))
	f.Add([]byte(`{"instance_id":"","candidate_id":"a","patch":""}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte(`{"instance_id":"i\ud800","candidate_id":"\u00e9","patch":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := decodeBatchLine(data)
		if err != nil {
			return
		}
		if l.InstanceID == "" || l.CandidateID == "" || l.Patch == nil {
			t.Fatalf("accepted a line without instance, candidate or patch: %q", data)
		}
		again, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodeBatchLine(again)
		if err != nil || back.InstanceID != l.InstanceID || back.CandidateID != l.CandidateID || *back.Patch != *l.Patch || back.Source != l.Source {
			t.Fatalf("line %q does not survive a round trip: %+v, %v", data, back, err)
		}
	})
}
