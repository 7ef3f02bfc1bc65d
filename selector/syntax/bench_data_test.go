package syntax

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	failed    int // candidates with no key
}

func (s clusterScore) purity() float64 {
	if s.members == 0 {
		return 1
	}
	return float64(s.majority) / float64(s.members)
}

func scoreClusters(insts []benchInstance, key func(benchRow) (Key, error), mixed func(string, []benchRow)) clusterScore {
	var s clusterScore
	for _, in := range insts {
		var keys []Key
		var rows []benchRow
		for _, r := range in.rows {
			if r.Patch == "" {
				continue
			}
			k, err := key(r)
			if err != nil {
				s.failed++
				k = ""
			}
			keys = append(keys, k)
			rows = append(rows, r)
		}
		found := false
		for _, g := range Cluster(keys) {
			if len(g) < 2 {
				continue
			}
			found = true
			s.clusters++
			s.members += len(g)
			yes := 0
			var members []benchRow
			for _, i := range g {
				members = append(members, rows[i])
				if rows[i].Resolved {
					yes++
				}
			}
			s.majority += max(yes, len(g)-yes)
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
// real candidate patches. The key must merge everything exact text merges
// (it is a function of the text), find more agreement than white space
// normalisation, and keep resolved and unresolved patches apart as well
// as the baselines do.
func TestBenchClusters(t *testing.T) {
	insts := loadBench(t)
	ctx := context.Background()
	keyWith := func(opts *Options) func(benchRow) (Key, error) {
		return func(r benchRow) (Key, error) {
			n, err := Normalize(ctx, nil, []byte(r.Patch), opts)
			if err != nil {
				return "", err
			}
			return n.Key, nil
		}
	}
	strategies := []struct {
		name string
		key  func(benchRow) (Key, error)
	}{
		{"exact text", func(r benchRow) (Key, error) { return exactKey(r.Patch), nil }},
		{"white space collapsed", func(r benchRow) (Key, error) { return spaceKey(r.Patch), nil }},
		{"key", keyWith(nil)},
		{"key, tree-sitter leaves only", keyWith(&Options{tokenizer: tokenizeTree})},
		{"key, plain lexer only", keyWith(&Options{tokenizer: tokenizePlain})},
		{"key, docstrings kept", keyWith(&Options{KeepDocstrings: true})},
	}
	scores := map[string]clusterScore{}
	t.Logf("%-30s %9s %8s %7s %6s %5s %6s", "strategy", "instances", "clusters", "members", "purity", "mixed", "failed")
	for _, st := range strategies {
		var report func(string, []benchRow)
		if st.name == "key" && testing.Verbose() {
			report = func(id string, rows []benchRow) {
				var who []string
				for _, r := range rows {
					who = append(who, fmt.Sprintf("%s=%t", strings.TrimPrefix(r.Candidate, "20250722_agentless_"), r.Resolved))
				}
				t.Logf("mixed cluster in %s: %s", id, strings.Join(who, " "))
			}
		}
		s := scoreClusters(insts, st.key, report)
		scores[st.name] = s
		t.Logf("%-30s %9d %8d %7d %6.3f %5d %6d", st.name, s.instances, s.clusters, s.members, s.purity(), s.mixed, s.failed)
	}
	key, space, exact := scores["key"], scores["white space collapsed"], scores["exact text"]
	assert.Zero(t, key.failed, "every candidate patch normalises")
	assert.GreaterOrEqual(t, key.instances, space.instances)
	assert.GreaterOrEqual(t, key.members, exact.members)
	// Exact text equality implies key equality.
	for _, in := range insts {
		byText := map[string]Key{}
		for _, r := range in.rows {
			if r.Patch == "" {
				continue
			}
			k, err := keyWith(nil)(r)
			require.NoError(t, err)
			if prev, ok := byText[r.Patch]; ok {
				assert.Equal(t, prev, k, in.id)
			}
			byText[r.Patch] = k
		}
	}
}

// TestBenchFragments measures how often a hunk's old and new text parses
// cleanly with tree-sitter, which decides the tokeniser in patch-only
// mode.
func TestBenchFragments(t *testing.T) {
	insts := loadBench(t)
	var sides, clean, repaired int
	for _, in := range insts {
		for _, r := range in.rows {
			files, err := parsePatch([]byte(r.Patch))
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
					for _, text := range []string{before.String(), after.String()} {
						sides++
						tree, err := parse(rl.lang, []byte(text))
						require.NoError(t, err)
						if !tree.RootNode().HasError() {
							clean++
						}
						tree.Close()
						if _, open, stray := lex(text, rl.lex); open != "" || stray {
							repaired++
						}
					}
				}
			}
		}
	}
	require.NotZero(t, sides)
	t.Logf("hunk sides: %d; parse cleanly: %d (%.1f%%); open string or comment, read twice: %d (%.1f%%)",
		sides, clean, 100*float64(clean)/float64(sides), repaired, 100*float64(repaired)/float64(sides))
}
