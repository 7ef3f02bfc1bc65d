package edit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// bigFile writes a file of about 50 MB of numbered lines with "marker A"
// on one line near the end, and returns its line count.
func bigFile(b *testing.B, path string) int {
	b.Helper()
	var buf bytes.Buffer
	n := 0
	for buf.Len() < 50<<20 {
		n++
		fmt.Fprintf(&buf, "%08d the quick brown fox jumps over the lazy dog\n", n)
		if n == 950_000 {
			buf.WriteString("marker A\n")
			n++
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkStrReplace50MB edits one line near the end of a 50 MB file;
// Baseline is the least any edit costs: read the file, find the text,
// write the file. Compare Editor with Baseline from the same run.
func BenchmarkStrReplace50MB(b *testing.B) {
	ed, root := newEditor(b, nil)
	path := filepath.Join(root, "big.txt")
	bigFile(b, path)
	swap := [2][]byte{[]byte("marker A"), []byte("marker B")}

	b.Run("Editor", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(50 << 20)
		ctx := context.Background()
		i := 0
		for b.Loop() {
			raw, _ := json.Marshal(obj{"command": "str_replace", "path": "big.txt", "old_str": string(swap[i%2]), "new_str": string(swap[(i+1)%2])})
			res, err := ed.Run(ctx, raw)
			if err != nil || res.IsError {
				b.Fatal(err, res.Content)
			}
			i++
		}
		if i%2 == 1 { // leave marker A for the next sub-benchmark
			ed.Run(ctx, json.RawMessage(`{"command":"undo_edit","path":"big.txt"}`))
		}
	})
	b.Run("Baseline", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(50 << 20)
		i := 0
		for b.Loop() {
			data, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			old, new := swap[i%2], swap[(i+1)%2]
			at := bytes.Index(data, old)
			if at < 0 {
				b.Fatal("no match")
			}
			if err := os.WriteFile(path, slices.Concat(data[:at], new, data[at+len(old):]), 0o644); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkViewRange50MB shows 50 lines from the middle of a 50 MB file;
// Baseline scans lines with bufio.Scanner up to the range and keeps its
// lines. Editor also counts the file's lines to the end, for the header.
func BenchmarkViewRange50MB(b *testing.B) {
	ed, root := newEditor(b, nil)
	path := filepath.Join(root, "big.txt")
	n := bigFile(b, path)
	start := n / 2
	raw, _ := json.Marshal(obj{"command": "view", "path": "big.txt", "view_range": []int{start, start + 49}})

	b.Run("Editor", func(b *testing.B) {
		b.ReportAllocs()
		ctx := context.Background()
		for b.Loop() {
			res, err := ed.Run(ctx, raw)
			if err != nil || res.IsError || strings.Count(res.Content, "\n") != 51 {
				b.Fatal(err, res.Content)
			}
		}
	})
	b.Run("Baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			sc := bufio.NewScanner(f)
			var lines []string
			for i := 1; i < start+50 && sc.Scan(); i++ {
				if i >= start {
					lines = append(lines, fmt.Sprintf("%6d\t%s", i, sc.Text()))
				}
			}
			f.Close()
			if len(lines) != 50 {
				b.Fatal(len(lines))
			}
		}
	})
}
