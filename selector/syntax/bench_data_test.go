package syntax

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/internal/lang"
)

// The benchmark data lives beside the project (../shared/bench from the
// module root), not in it; these tests skip when it is absent. A git
// worktree one level deeper looks one level further up.
var benchCandidates = func() string {
	p := filepath.Join("shared", "bench", "nocode-verified", "candidates.jsonl")
	for _, up := range []string{"../../..", "../../../.."} {
		if _, err := os.Stat(filepath.Join(up, p)); err == nil {
			return filepath.Join(up, p)
		}
	}
	return filepath.Join("../../..", p)
}()

type benchRow struct {
	Instance  string `json:"instance_id"`
	Candidate string `json:"candidate_id"`
	Patch     string `json:"patch"`
	Resolved  bool   `json:"resolved"` // ground truth: read only to score clusterings below
}

type benchInstance struct {
	id   string
	rows []benchRow
}

func loadBench(t testing.TB) []benchInstance {
	t.Helper()
	f, err := os.Open(benchCandidates)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("benchmark data not found at %s", benchCandidates)
	}
	require.NoError(t, err)
	defer f.Close()
	var out []benchInstance
	at := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r benchRow
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		i, ok := at[r.Instance]
		if !ok {
			i = len(out)
			at[r.Instance] = i
			out = append(out, benchInstance{id: r.Instance})
		}
		out[i].rows = append(out[i].rows, r)
	}
	require.NoError(t, sc.Err())
	return out
}

// exactKey and spaceKey are the baselines: the patch text, and the patch
// text with the white space of every line collapsed and the index lines
// dropped.
func exactKey(p string) Key { return Key(p) }

func spaceKey(p string) Key {
	var b strings.Builder
	for _, line := range strings.Split(p, "\n") {
		if strings.HasPrefix(line, "index ") {
			continue
		}
		b.WriteString(strings.Join(strings.Fields(line), " ") + "\n")
	}
	return Key(b.String())
}

// clusterScore describes how a clustering of the candidates of every
// instance separates resolved from unresolved patches.
type clusterScore struct {
	instances int // instances with a cluster of two or more
	clusters  int // clusters of two or more
	members   int // candidates in them
	majority  int // candidates agreeing with their cluster's majority on resolved
	mixed     int // clusters holding both resolved and unresolved candidates
	resolved  int // clusters of resolved candidates only
	failed    int // candidates with no key
}

func (s clusterScore) purity() float64 {
	if s.members == 0 {
		return 1
	}
	return float64(s.majority) / float64(s.members)
}

// keysOf computes a key for every non-empty candidate of every instance;
// a candidate whose key fails gets the zero key and is counted.
func keysOf(insts []benchInstance, key func(string) (Key, error)) (keys [][]Key, failed int) {
	keys = make([][]Key, len(insts))
	for i, in := range insts {
		for _, r := range in.rows {
			if r.Patch == "" {
				continue
			}
			k, err := key(r.Patch)
			if err != nil {
				failed++
				k = ""
			}
			keys[i] = append(keys[i], k)
		}
	}
	return keys, failed
}

// scoreClusters scores the clusters of keys (as keysOf made them) against
// the resolved field: this is the only place it is read.
func scoreClusters(insts []benchInstance, keys [][]Key, mixed func(string, []benchRow)) clusterScore {
	var s clusterScore
	for i, in := range insts {
		var rows []benchRow
		for _, r := range in.rows {
			if r.Patch != "" {
				rows = append(rows, r)
			}
		}
		found := false
		for _, g := range Cluster(keys[i]) {
			if len(g) < 2 {
				continue
			}
			found = true
			s.clusters++
			s.members += len(g)
			yes := 0
			var members []benchRow
			for _, j := range g {
				members = append(members, rows[j])
				if rows[j].Resolved {
					yes++
				}
			}
			s.majority += max(yes, len(g)-yes)
			if yes == len(g) {
				s.resolved++
			}
			if yes > 0 && yes < len(g) {
				s.mixed++
				if mixed != nil {
					mixed(in.id, members)
				}
			}
		}
		if found {
			s.instances++
		}
	}
	return s
}

// TestBenchClusters compares the patch-only key with the text baselines on
// real candidate patches, and logs how pure the clusters are with respect
// to the benchmark's verdicts. The key must merge everything exact text
// merges (it is a function of the text), find agreement in at least as
// many instances as white space normalisation, and never fail on a
// candidate. The key's variants (one tokeniser alone, docstrings kept)
// only add figures to the log, so they run when the log is shown, with -v.
func TestBenchClusters(t *testing.T) {
	insts := loadBench(t)
	ctx := context.Background()
	keyWith := func(opts *Options) func(string) (Key, error) {
		return func(p string) (Key, error) {
			n, err := Normalize(ctx, nil, p, opts)
			if err != nil {
				return "", err
			}
			return n.Key, nil
		}
	}
	strategies := []struct {
		name string
		key  func(string) (Key, error)
	}{
		{"exact text", func(p string) (Key, error) { return exactKey(p), nil }},
		{"white space collapsed", func(p string) (Key, error) { return spaceKey(p), nil }},
		{"key", keyWith(nil)},
	}
	if testing.Verbose() {
		strategies = append(strategies, []struct {
			name string
			key  func(string) (Key, error)
		}{
			{"key, tree-sitter leaves only", keyWith(&Options{tokenizer: tokenizeTree})},
			{"key, plain lexer only", keyWith(&Options{tokenizer: tokenizePlain})},
			{"key, docstrings kept", keyWith(&Options{KeepDocstrings: true})},
		}...)
	}
	scores := map[string]clusterScore{}
	keys := map[string][][]Key{}
	t.Logf("%-30s %9s %8s %7s %6s %5s %8s %6s", "strategy", "instances", "clusters", "members", "purity", "mixed", "resolved", "failed")
	for _, st := range strategies {
		var report func(string, []benchRow)
		if st.name == "key" && testing.Verbose() {
			report = func(id string, rows []benchRow) {
				var who []string
				for _, r := range rows {
					who = append(who, fmt.Sprintf("%s=%t", r.Candidate, r.Resolved))
				}
				t.Logf("mixed cluster in %s: %s", id, strings.Join(who, " "))
			}
		}
		k, failed := keysOf(insts, st.key)
		s := scoreClusters(insts, k, report)
		s.failed = failed
		scores[st.name], keys[st.name] = s, k
		t.Logf("%-30s %9d %8d %7d %6.3f %5d %8d %6d", st.name, s.instances, s.clusters, s.members, s.purity(), s.mixed, s.resolved, s.failed)
	}
	for _, name := range []string{"key, tree-sitter leaves only", "key, plain lexer only"} {
		if other, ok := keys[name]; ok {
			same := 0
			for i := range insts {
				if fmt.Sprint(Cluster(other[i])) == fmt.Sprint(Cluster(keys["key"][i])) {
					same++
				}
			}
			t.Logf("%s: the same clusters as the key in %d of %d instances", name, same, len(insts))
		}
	}
	key, space, exact := scores["key"], scores["white space collapsed"], scores["exact text"]
	assert.Zero(t, key.failed, "every candidate patch normalises")
	assert.GreaterOrEqual(t, key.instances, space.instances)
	assert.GreaterOrEqual(t, key.members, exact.members)
	for i := range insts {
		ex, ky := keys["exact text"][i], keys["key"][i]
		for a := range ex {
			for b := range ex {
				if ex[a] == ex[b] {
					assert.Equal(t, ky[a], ky[b], "%s: equal texts, different keys", insts[i].id)
				}
			}
		}
	}
}

// TestBenchFragments measures, on the hunks of real patches, how often a
// hunk's text parses cleanly with tree-sitter (which decides the tokeniser
// in patch-only mode), how often a hunk is taken to start inside a string
// or comment, and how often the two tokenisers agree.
func TestBenchFragments(t *testing.T) {
	insts := loadBench(t)
	ctx := context.Background()
	var hunks, clean, reread, agree int
	for _, in := range insts {
		for _, r := range in.rows {
			files, err := parsePatch(r.Patch)
			if err != nil {
				continue
			}
			for _, f := range files {
				rl := rulesFor(f.NewName)
				if rl == nil {
					continue
				}
				for _, frag := range f.TextFragments {
					var before, after strings.Builder
					for _, l := range frag.Lines {
						if l.Old() {
							before.WriteString(l.Line)
						}
						if l.New() {
							after.WriteString(l.Line)
						}
					}
					hunks++
					both := true
					for _, text := range []string{before.String(), after.String()} {
						tree, err := parse(ctx, rl.lang, []byte(text))
						require.NoError(t, err)
						both = both && !tree.RootNode().HasError()
						tree.Close()
					}
					if o, err := rl.startsInside(ctx, [2]string{before.String(), after.String()}); err == nil && o != "" {
						reread++
					}
					if both {
						clean++
					}
					ta, tb, err := rl.hunk(ctx, before.String(), after.String(), false, tokenizeTree)
					require.NoError(t, err)
					pa, pb, err := rl.hunk(ctx, before.String(), after.String(), false, tokenizePlain)
					require.NoError(t, err)
					if fmt.Sprint(edits(ta, tb, 1, 0)) == fmt.Sprint(edits(pa, pb, 1, 0)) {
						agree++
					}
				}
			}
		}
	}
	require.NotZero(t, hunks)
	pct := func(n int) float64 { return 100 * float64(n) / float64(hunks) }
	t.Logf("hunks: %d; both sides parse cleanly: %d (%.1f%%); starting inside a string or comment: %d; tree-sitter and plain lexer give the same edits: %d (%.1f%%)",
		hunks, clean, pct(clean), reread, agree, pct(agree))
	assert.Greater(t, pct(agree), 90.0)
}

// TestReadingWindows measures how well startsInside tells whether a hunk
// starts inside a string, on seven-line windows of the Python files of
// the standard library installed on the machine (the test skips when
// there is none). The truth comes from lexing each whole file.
func TestReadingWindows(t *testing.T) {
	paths, _ := filepath.Glob("/usr/lib/python3*/*.py")
	if len(paths) < 20 {
		t.Skip("no Python standard library under /usr/lib/python3*")
	}
	ctx := context.Background()
	r := byLang[lang.Python]
	rng := rand.New(rand.NewPCG(1, 2))
	var windows, rule, weight, asIs int
	for _, p := range paths {
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		text := string(src)
		lines := strings.SplitAfter(text, "\n")
		inside := make([]bool, len(lines)+1) // line i starts inside a triple-quoted string
		toks, _ := lex(text, r.lex)
		for _, tk := range toks {
			if q, _, _ := firstTriple(tk.text); tk.kind == tkLiteral && q != "" && strings.Index(tk.text, q) <= 3 {
				for l := tk.line + 1; l <= tk.endLine && l < len(inside); l++ {
					inside[l] = true
				}
			}
		}
		for range 30 {
			if len(lines) < 10 {
				break
			}
			s := rng.IntN(len(lines) - 8)
			w := strings.Join(lines[s:s+7], "")
			if !strings.Contains(w, `"""`) && !strings.Contains(w, "'''") {
				continue
			}
			windows++
			o, err := r.startsInside(ctx, [2]string{w, w})
			require.NoError(t, err)
			if (o != "") == inside[s] {
				rule++
			}
			best, err := r.weigh(ctx, [2]string{w, w})
			require.NoError(t, err)
			byWeight := false
			for _, q := range []string{`"""`, "'''"} {
				if wq, err := r.weigh(ctx, [2]string{q + w, q + w}); err == nil && wq < best {
					best, byWeight = wq, true
				}
			}
			if byWeight == inside[s] {
				weight++
			}
			if !inside[s] {
				asIs++
			}
		}
	}
	require.NotZero(t, windows)
	pct := func(n int) float64 { return 100 * float64(n) / float64(windows) }
	t.Logf("windows holding a triple quote: %d; read right by startsInside %.1f%%, by error weight %.1f%%, by never starting inside %.1f%%",
		windows, pct(rule), pct(weight), pct(asIs))
	assert.Greater(t, rule, weight)
	assert.Greater(t, pct(rule), 95.0)
}
