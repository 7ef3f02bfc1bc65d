package browse

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/conclave-dev/conclave/tools"
)

// GrepName is the name of the grep tool.
const GrepName = "grep"

// Bounds of one grep: what it reads and what it returns. A pattern is an
// RE2 expression, matched in time linear in the text.
const (
	grepMaxMatches  = 100
	grepMaxFiles    = 20000
	grepMaxFileSize = 1 << 20
	grepMaxLine     = 200
	grepMaxPattern  = 1000
)

type grepArgs struct {
	Pattern    string `json:"pattern" jsonschema:"a regular expression (RE2 syntax, as in Go) matched against each line"`
	Path       string `json:"path,omitempty" jsonschema:"the directory or file to search, relative to the repository root; the root by default"`
	Include    string `json:"include,omitempty" jsonschema:"only files whose name matches this glob, such as *.py"`
	IgnoreCase bool   `json:"ignore_case,omitempty" jsonschema:"match letters of either case"`
}

// Grep returns the grep tool over ws: the lines matching a regular
// expression in the files under a path, as path:line: text, in path order.
// It reads at most 20,000 files of at most 1 MiB each, skipping binary
// files, hidden and vendored directories, and returns at most 100 matches,
// each line cut to 200 characters, saying when it stopped early.
func Grep(ws tools.Workspace) tools.Tool {
	return tools.NewFunc(GrepName, "Searches the repository's files for lines matching a regular expression (RE2 syntax). Returns path:line: text for at most 100 matches; narrow with path and include when there are more.",
		func(ctx context.Context, a grepArgs) (tools.Result, error) { return grep(ctx, ws, a) })
}

func grep(ctx context.Context, ws tools.Workspace, a grepArgs) (tools.Result, error) {
	if a.Pattern == "" {
		return tools.Errorf("grep needs pattern, the regular expression to look for"), nil
	}
	if len(a.Pattern) > grepMaxPattern {
		return tools.Errorf("the pattern is %d bytes long; keep it under %d", len(a.Pattern), grepMaxPattern), nil
	}
	expr := a.Pattern
	if a.IgnoreCase {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return tools.Errorf("the pattern is not a regular expression: %v", err), nil
	}
	if a.Include != "" {
		if _, err := path.Match(a.Include, ""); err != nil {
			return tools.Errorf("include %q is not a glob: %v", a.Include, err), nil
		}
	}
	start := "."
	if a.Path != "" {
		rel, err := ws.Resolve(a.Path)
		if err != nil {
			return tools.Errorf("%v", err), nil
		}
		start = filepath.ToSlash(rel)
		if _, err := ws.FS().Stat(rel); err != nil {
			return tools.Errorf("%s does not exist; give a directory or file inside the repository", a.Path), nil
		}
	}
	var (
		b       strings.Builder
		matches int
		files   int
		full    bool // stopped at a bound
	)
	fsys := ws.FS().FS()
	err = Walk(ctx, fsys, start, func(p string, d fs.DirEntry) bool {
		if a.Include != "" {
			if ok, _ := path.Match(a.Include, d.Name()); !ok {
				return true
			}
		}
		if files++; files > grepMaxFiles {
			full = true
			return false
		}
		matches += grepFile(fsys, p, re, grepMaxMatches-matches, &b)
		if matches >= grepMaxMatches {
			full = true
			return false
		}
		return true
	})
	if err != nil {
		if ctx.Err() != nil {
			return tools.Result{}, context.Cause(ctx)
		}
		return tools.Errorf("grep stopped: %v", err), nil
	}
	switch {
	case matches == 0 && !full:
		return tools.Result{Content: fmt.Sprintf("No line matches %q.", a.Pattern)}, nil
	case full:
		fmt.Fprintf(&b, "… stopped after %d matches in %d files; narrow the pattern, path or include to see the rest.\n", matches, min(files, grepMaxFiles))
	}
	return tools.Result{Content: b.String()}, nil
}

// grepFile writes up to limit matching lines of the file at p in fsys to
// b and returns how many it wrote. Large, binary and unreadable files are
// passed over.
func grepFile(fsys fs.FS, p string, re *regexp.Regexp, limit int, b *strings.Builder) int {
	f, err := fsys.Open(p)
	if err != nil {
		return 0
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() || fi.Size() > grepMaxFileSize {
		return 0
	}
	data, err := io.ReadAll(io.LimitReader(f, grepMaxFileSize+1))
	if err != nil || len(data) > grepMaxFileSize || bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0 {
		return 0
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, grepMaxFileSize+1)
	for line := 1; sc.Scan() && n < limit; line++ {
		text := sc.Bytes()
		if !re.Match(text) {
			continue
		}
		fmt.Fprintf(b, "%s:%d: %s\n", p, line, clipLine(string(bytes.TrimRight(text, "\r"))))
		n++
	}
	return n
}

// clipLine cuts s to grepMaxLine characters, valid UTF-8.
func clipLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= grepMaxLine {
		return s
	}
	r := []rune(s)
	return string(r[:grepMaxLine]) + " …"
}
