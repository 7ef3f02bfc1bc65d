package rank_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/conclave-dev/conclave/selector/rank"
)

// A ranker learns, from past pools, that here the patches agreeing with
// the others resolve the issue, and ranks a new pool by it.
func Example() {
	agree := gitDiff("pkg/m.py", hunk10)
	other := gitDiff("pkg/other.py", hunk40)
	var history []rank.Instance
	for range 20 {
		history = append(history, rank.Instance{
			Candidates: []rank.Candidate{{Source: "a", Patch: agree}, {Source: "b", Patch: agree}, {Source: "c", Patch: other}},
			Resolved:   []bool{true, true, false},
		}, rank.Instance{
			Candidates: []rank.Candidate{{Source: "c", Patch: agree}, {Source: "a", Patch: other}, {Source: "b", Patch: agree}},
			Resolved:   []bool{true, false, true},
		})
	}
	m, err := rank.Train(history, nil, &rank.Options{Features: rank.Without(rank.GroupTrackRecord)})
	if err != nil {
		panic(err)
	}
	pool := []rank.Candidate{{Source: "x", Patch: other}, {Source: "y", Patch: agree}, {Source: "z", Patch: agree}}
	for i, v := range rank.Extract(pool, m.Records) {
		fmt.Printf("%s: same_files %.1f, score above 0: %v\n", pool[i].Source, v[rank.SameFiles], m.Score(v) > 0)
	}
	// Output:
	// x: same_files 0.0, score above 0: false
	// y: same_files 0.5, score above 0: true
	// z: same_files 0.5, score above 0: true
}

// Extract computes each candidate's features from its pool. Counts are
// log(1+n): math.Expm1 reads them back. The scratch script does not count
// in the comparisons, so claude and gpt change the same files.
func ExampleExtract() {
	pool := []rank.Candidate{
		{Source: "claude", Patch: gitDiff("pkg/m.py", hunk10)},
		{Source: "gpt", Patch: gitDiff("pkg/m.py", hunk10) + newFile("reproduce.py", "import m")},
		{Source: "qwen", Patch: ""},
	}
	for i, v := range rank.Extract(pool, nil) {
		fmt.Printf("%s: files %.0f, same_files %.1f, line_jaccard %.1f, adds_scratch %.0f, empty %.0f\n", pool[i].Source,
			math.Expm1(v[rank.Files]), v[rank.SameFiles], v[rank.LineJaccard], v[rank.AddsScratch], v[rank.Empty])
	}
	// Output:
	// claude: files 1, same_files 0.5, line_jaccard 0.5, adds_scratch 0, empty 0
	// gpt: files 2, same_files 0.5, line_jaccard 0.5, adds_scratch 1, empty 0
	// qwen: files 0, same_files 0.0, line_jaccard 0.0, adds_scratch 0, empty 1
}

// A model is written as JSON and read back; a file of another version
// is refused.
func ExampleRead() {
	history := []rank.Instance{{
		Candidates: []rank.Candidate{{Source: "a", Patch: addLines(3)}, {Source: "b", Patch: addLines(30)}},
		Resolved:   []bool{true, false},
	}}
	m, err := rank.Train(history, nil, nil)
	if err != nil {
		panic(err)
	}
	var file bytes.Buffer
	if err := m.Write(&file); err != nil {
		panic(err)
	}
	back, err := rank.Read(&file)
	fmt.Println(back.Version, err)
	_, err = rank.Read(strings.NewReader(`{"version": 0}`))
	fmt.Println(errors.Is(err, rank.ErrVersion))
	// Output:
	// 1 <nil>
	// true
}

// Cross-validation trains on parts of one History, whose features are
// computed once.
func ExampleHistory() {
	var instances []rank.Instance
	for i := range 10 {
		instances = append(instances, rank.Instance{
			Candidates: []rank.Candidate{{Source: "a", Patch: addLines(2 + i%3)}, {Source: "b", Patch: addLines(20)}},
			Resolved:   []bool{true, false},
		})
	}
	h, err := rank.NewHistory(instances, nil)
	if err != nil {
		panic(err)
	}
	m, err := h.Subset([]int{0, 1, 2, 3, 4, 5, 6, 7}).Train(nil)
	if err != nil {
		panic(err)
	}
	for _, i := range []int{8, 9} {
		v := h.Vectors(i, m.Records)
		fmt.Println("instance", i, "ranks the resolved first:", m.Score(v[0]) > m.Score(v[1]))
	}
	// Output:
	// instance 8 ranks the resolved first: true
	// instance 9 ranks the resolved first: true
}
