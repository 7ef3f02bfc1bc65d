package judge

import (
	"context"
	"fmt"
	"strings"

	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/tools"
)

// Bounds of a summary and of a view_patch result.
const (
	summaryFiles  = 20  // files listed per patch
	summaryHunks  = 6   // hunk headings listed per file
	headingLength = 100 // characters of a hunk heading
	viewLines     = 300 // lines view_patch shows by default
	viewChars     = 20000
)

// fileChange is what a summary says of one file of a patch.
type fileChange struct {
	path            string
	status          string // "modified", "added", "deleted" or "renamed from X"
	added, removed  int
	headings        []string // the hunks' headings (the function or class around them), once each
	binary          bool
	headingsDropped int
}

// summarize describes a unified diff in a few lines per file: the file, its
// status, the lines added and removed, and the headings git gave its hunks
// (the definition each change sits in).
func summarize(patch string) string {
	files := changes(patch)
	if len(files) == 0 {
		return "(the patch changes no file)\n"
	}
	var b strings.Builder
	lines := strings.Count(patch, "\n")
	add, del := 0, 0
	for _, f := range files {
		add, del = add+f.added, del+f.removed
	}
	fmt.Fprintf(&b, "%d files, +%d -%d lines; the patch is %d lines long.\n", len(files), add, del, lines)
	for i, f := range files {
		if i == summaryFiles {
			fmt.Fprintf(&b, "- … and %d more files\n", len(files)-i)
			break
		}
		fmt.Fprintf(&b, "- %s (%s, +%d -%d", clip(f.path, headingLength), clip(f.status, headingLength), f.added, f.removed)
		if f.binary {
			b.WriteString(", binary")
		}
		b.WriteString(")")
		if len(f.headings) > 0 {
			fmt.Fprintf(&b, ", in: %s", strings.Join(f.headings, "; "))
			if f.headingsDropped > 0 {
				fmt.Fprintf(&b, "; and %d more", f.headingsDropped)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// changes reads the files of a unified git diff. It reads headers only
// where git writes them, so a changed line that looks like a header is
// counted as the change it is.
func changes(patch string) []fileChange {
	var files []fileChange
	var cur *fileChange
	inHunk := false
	for line := range strings.Lines(patch) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, "diff --git "):
			files = append(files, fileChange{status: "modified", path: gitPath(line)})
			cur, inHunk = &files[len(files)-1], false
		case cur == nil:
		case strings.HasPrefix(line, "@@"):
			inHunk = true
			_, heading, _ := strings.Cut(strings.TrimPrefix(line, "@@"), "@@")
			heading = clip(strings.TrimSpace(heading), headingLength)
			if heading == "" || contains(cur.headings, heading) {
				break
			}
			if len(cur.headings) < summaryHunks {
				cur.headings = append(cur.headings, heading)
			} else {
				cur.headingsDropped++
			}
		case inHunk && strings.HasPrefix(line, "+"):
			cur.added++
		case inHunk && strings.HasPrefix(line, "-"):
			cur.removed++
		case inHunk:
		case strings.HasPrefix(line, "new file mode"):
			cur.status = "added"
		case strings.HasPrefix(line, "deleted file mode"):
			cur.status = "deleted"
		case strings.HasPrefix(line, "rename from "):
			cur.status = "renamed from " + strings.TrimPrefix(line, "rename from ")
		case strings.HasPrefix(line, "+++ b/"):
			cur.path = strings.TrimPrefix(line, "+++ b/")
		case strings.HasPrefix(line, "Binary files"), strings.HasPrefix(line, "GIT binary patch"):
			cur.binary = true
		}
	}
	return files
}

// gitPath is the new path of a "diff --git a/x b/x" line: the text after
// its last " b/".
func gitPath(line string) string {
	if i := strings.LastIndex(line, " b/"); i >= 0 {
		return line[i+3:]
	}
	return strings.TrimPrefix(line, "diff --git ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// clip cuts s to n runes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

type patchArgs struct {
	Candidate string `json:"candidate" jsonschema:"the candidate's ID"`
	StartLine int    `json:"start_line,omitempty" jsonschema:"the first line to show, from 1; 1 by default"`
	EndLine   int    `json:"end_line,omitempty" jsonschema:"the last line to show; 300 lines from start_line by default"`
}

// patchView returns the view_patch tool: the text of a candidate's patch,
// numbered, by lines, for questions whose patches are summarised.
func patchView(candidates []selector.Candidate) tools.Tool {
	return tools.NewFunc("view_patch", "Shows a candidate's patch, numbered, by lines: 300 lines from start_line unless end_line says otherwise.",
		func(_ context.Context, a patchArgs) (tools.Result, error) { return viewPatch(candidates, a), nil })
}

func viewPatch(candidates []selector.Candidate, a patchArgs) tools.Result {
	var patch string
	found := false
	for _, c := range candidates {
		if c.ID == a.Candidate {
			patch, found = c.Patch, true
		}
	}
	if !found {
		return tools.Errorf("there is no candidate %q; the candidates are %s", a.Candidate, ids(candidates))
	}
	lines := strings.Split(strings.TrimRight(patch, "\n"), "\n")
	start := max(a.StartLine, 1)
	if start > len(lines) {
		return tools.Errorf("the patch of %s has %d lines; start_line %d is past its end", a.Candidate, len(lines), start)
	}
	end := a.EndLine
	if end <= 0 {
		end = start + viewLines - 1
	}
	end = min(end, len(lines))
	if end < start {
		return tools.Errorf("end_line %d is before start_line %d", end, start)
	}
	var b strings.Builder
	for n := start; n <= end; n++ {
		if b.Len() > viewChars {
			end = n - 1
			break
		}
		fmt.Fprintf(&b, "%6d\t%s\n", n, clip(lines[n-1], 2000))
	}
	if end < len(lines) {
		fmt.Fprintf(&b, "… lines %d to %d of %d follow; ask with start_line %d.\n", end+1, len(lines), len(lines), end+1)
	}
	return tools.Result{Content: b.String()}
}
