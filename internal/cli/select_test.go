package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"hash/fnv"
	"io"
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
	assert.NotContains(t, stderr, "judge")
	assert.Contains(t, stderr, "2 instances, strategy plurality, ties by order")
	assert.NotContains(t, stderr, "not confident")

	got := readSelections(t, out)
	require.Len(t, got, 2)
	calc, text := got[0], got[1]
	assert.Equal(t, "calc", calc.InstanceID)
	assert.Equal(t, "c1", calc.CandidateID, "the two equivalent patches win")
	assert.Equal(t, calcPatch("    return a / b if b else 0"), calc.Patch)
	assert.Equal(t, "plurality", calc.Strategy)
	assert.Equal(t, "full-file", calc.Mode)
	assert.True(t, calc.Decision.Confident)
	assert.Equal(t, uint64(1)^fnvHash("calc"), calc.Decision.Seed)
	assert.Equal(t, "list order", calc.Decision.TieRule)
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
	assert.Equal(t, "t1", text.CandidateID, "a tie goes to the first listed")
	assert.Equal(t, []string{"t1", "t2"}, text.Decision.Steps[3].Vote.Tied)
}

func fnvHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
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
		code, _, stderr := run(t, "select", "--batch", batch, "--out", out, "--seed", seed, "--ties", "random")
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
				assert.NotEmpty(t, got[0].SourceWeights)
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
			`c.jsonl:1: patch is missing`},
		{"no instance", []string{"--batch", write("d.jsonl", `{"candidate_id":"a","patch":""}`+"\n"), "--out", out}, 1,
			`d.jsonl:1: instance_id is missing or empty`},
		{"no candidate", []string{"--batch", write("e.jsonl", `{"instance_id":"i","patch":""}`+"\n"), "--out", out}, 1,
			`e.jsonl:1: candidate_id is missing or empty`},
		{"wrong type", []string{"--batch", write("f.jsonl", "\n"+`{"instance_id":"i","candidate_id":"a","patch":""}`+"\n"+`{"instance_id":"i","candidate_id":7,"patch":""}`+"\n"), "--out", out}, 1,
			"f.jsonl:3: candidate_id must be a string, got a number"},
		{"patch not text", []string{"--batch", write("f2.jsonl", `{"instance_id":"i","candidate_id":"a","patch":["x"]}`+"\n"), "--out", out}, 1,
			"f2.jsonl:1: patch must be a string, got an array"},
		{"outcome not a boolean", []string{"--batch", good, "--out", out, "--history", write("h3.jsonl", `{"source":"gpt","resolved":"yes"}`+"\n")}, 1,
			`h3.jsonl:1: resolved must be true or false, got a string`},
		{"unknown ties", []string{"--batch", good, "--out", out, "--ties", "coin"}, 2, `unknown --ties "coin"`},
		{"out in a missing directory, before reading anything", []string{"--batch", write("bad.jsonl", "not json\n"), "--out", filepath.Join(dir, "nope", "out.jsonl")}, 1,
			"--out " + filepath.Join(dir, "nope", "out.jsonl") + " cannot be written"},
		{"duplicate", []string{"--batch", write("g.jsonl", `{"instance_id":"i","candidate_id":"a","patch":""}`+"\n"+`{"instance_id":"i","candidate_id":"a","patch":"x"}`+"\n"), "--out", out}, 1,
			`g.jsonl:2: candidate "a" of instance "i" appears again (first on line 1)`},
		{"empty batch", []string{"--batch", write("h.jsonl", "\n"), "--out", out}, 1, "h.jsonl: no candidates"},
		{"bad source path", []string{"--batch", good, "--out", out, "--sources", write("s.jsonl", `{"instance_id":"calc","path":"../etc/passwd","content":""}`+"\n")}, 1,
			`s.jsonl:1: path "../etc/passwd" is not a slash-separated path`},
		{"source without content", []string{"--batch", good, "--out", out, "--sources", write("s2.jsonl", `{"instance_id":"calc","path":"a.py"}`+"\n")}, 1,
			`s2.jsonl:1: content is missing`},
		{"history without outcome", []string{"--batch", good, "--out", out, "--history", write("h2.jsonl", `{"source":"gpt"}`+"\n")}, 1,
			`h2.jsonl:1: resolved is missing`},
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

// TestSelectNotConfident: when every candidate fails a filter, the
// selection is still written, marked not confident, and stderr says so.
func TestSelectNotConfident(t *testing.T) {
	dir := t.TempDir()
	batch := writeLines(t, dir, "batch.jsonl",
		map[string]any{"instance_id": "i", "candidate_id": "a", "patch": ""},
		map[string]any{"instance_id": "i", "candidate_id": "b", "patch": "not a diff"},
		map[string]any{"instance_id": "j", "candidate_id": "c", "patch": calcPatch("    return a // b")})
	out := filepath.Join(dir, "out.jsonl")
	code, _, stderr := run(t, "select", "--batch", batch, "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, `instance "i": not confident: every candidate failed content_filter (empty); all were kept`)
	assert.NotContains(t, stderr, `instance "j"`)
	assert.Contains(t, stderr, "; 1 not confident")
	got := readSelections(t, out)
	require.Len(t, got, 2)
	assert.False(t, got[0].Decision.Confident)
	assert.NotEmpty(t, got[0].Decision.Doubts)
	assert.True(t, got[1].Decision.Confident)
}

func TestSelectExplain(t *testing.T) {
	dir := t.TempDir()
	batch := writeLines(t, dir, "batch.jsonl", batchLines(func(int) any { return nil })...)
	code, stdout, stderr := run(t, "select", "--batch", batch, "--out", filepath.Join(dir, "out.jsonl"), "--explain")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "== calc\nCandidates: c1, c2, c3, c4\n")
	assert.Contains(t, stdout, "Winner: c1, decided by syntax_vote (tie rule: list order; seed ")
	assert.Contains(t, stdout, "== text\n")
}

// TestSelectKeepsOutOnFailure: a selection that fails leaves an existing
// --out as it was.
func TestSelectKeepsOutOnFailure(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	require.NoError(t, os.WriteFile(out, []byte("earlier results\n"), 0o644))
	bad := filepath.Join(dir, "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte("not json\n"), 0o644))
	code, _, _ := run(t, "select", "--batch", bad, "--out", out)
	assert.Equal(t, 1, code)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "earlier results\n", string(data))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "no temporary file is left behind")
}

func TestReadLinesBound(t *testing.T) {
	var got []string
	collect := func(_ int, line []byte) error { got = append(got, string(line)); return nil }
	err := readLines(strings.NewReader("{\"a\":1}\n\n"+strings.Repeat("x", 40)+"\n{}\n"), "in.jsonl", 32, collect)
	require.Error(t, err)
	assert.Equal(t, "in.jsonl:3: the line is too large: it is longer than the limit of 32 bytes; give each candidate or file on a line of its own, smaller than that", err.Error())
	assert.Equal(t, []string{"{\"a\":1}\n"}, got, "nothing after the long line is read")

	// An endless line without a break stops at the limit.
	err = readLines(io.LimitReader(zeros{}, 1<<30), "/dev/zero", 1<<16, collect)
	assert.ErrorContains(t, err, "/dev/zero:1: the line is too large: it is longer than the limit of 64 KiB")

	got = nil
	require.NoError(t, readLines(strings.NewReader(strings.Repeat("y", 31)+"\nlast"), "in.jsonl", 32, collect))
	assert.Equal(t, []string{strings.Repeat("y", 31) + "\n", "last"}, got, "a line within the limit, and one without a final break")
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// FuzzReadLines: no line handed on is longer than the limit, line numbers
// count from 1 and rise, and an error names a line.
func FuzzReadLines(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n\n{\"b\":2}\n"), uint8(16))
	f.Add([]byte(strings.Repeat("z", 100)), uint8(8))
	f.Add([]byte("\n\n\r\n"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, limit uint8) {
		bound := int(limit) + 1
		last := 0
		err := readLines(bytes.NewReader(data), "f", bound, func(n int, line []byte) error {
			if len(line) > bound {
				t.Fatalf("line %d of %d bytes passed a limit of %d", n, len(line), bound)
			}
			if n <= last {
				t.Fatalf("line %d after line %d", n, last)
			}
			last = n
			return nil
		})
		if err != nil && !strings.HasPrefix(err.Error(), "f:") {
			t.Fatalf("an error naming no line: %v", err)
		}
	})
}
