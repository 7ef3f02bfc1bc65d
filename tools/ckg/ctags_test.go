package ckg

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ctagsPackages are the standard library packages the cross-check reads.
var ctagsPackages = []string{"bufio", "strings", "sort", "encoding/json", "go/ast", "net/http", "text/template"}

// TestAgreesWithCtags checks, on real code, that the functions, methods
// and types Universal Ctags reports are found by the index at the same
// line, of a matching kind and (for methods) with the same parent.
func TestAgreesWithCtags(t *testing.T) {
	ctags, err := exec.LookPath("ctags")
	if err != nil {
		t.Skip("ctags is not installed")
	}
	if out, err := exec.Command(ctags, "--version").Output(); err != nil || !bytes.Contains(out, []byte("Universal Ctags")) {
		t.Skip("ctags is not Universal Ctags")
	}
	total, found, scoped, parents := 0, 0, 0, 0
	var parentDiffs []string
	for _, pkg := range ctagsPackages {
		dir := filepath.Join(runtime.GOROOT(), "src", filepath.FromSlash(pkg))
		out, err := exec.Command(ctags, "-R", "-f", "-", "--languages=Go", "--kinds-Go=fstian", "--fields=+nKs", "--extras=-F", dir).Output()
		require.NoError(t, err, pkg)
		ix := openTest(t, dir, &Options{NoCache: true})
		have := map[string]Symbol{} // path:line:name
		ix.mu.RLock()
		for _, fd := range ix.files {
			for _, s := range fd.symbols {
				have[fmt.Sprintf("%s:%d:%s", s.Path, s.Line, s.Name)] = s
			}
		}
		ix.mu.RUnlock()
		var missing []string
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			tag, ok := parseTag(sc.Text(), dir)
			if !ok {
				continue
			}
			total++
			s, ok := have[fmt.Sprintf("%s:%d:%s", tag.path, tag.line, tag.name)]
			if !ok || !kindAgrees(tag.kind, s.Kind) {
				missing = append(missing, fmt.Sprintf("%s:%d %s %s (have %v)", tag.path, tag.line, tag.kind, tag.name, s.Kind))
				continue
			}
			found++
			if tag.parent == "" { // ctags knows only the parents of struct methods
				continue
			}
			scoped++
			if tag.parent == s.Parent {
				parents++
			} else if len(parentDiffs) < 8 {
				parentDiffs = append(parentDiffs, fmt.Sprintf("%s:%d %s: ctags %q, ckg %q", tag.path, tag.line, tag.name, tag.parent, s.Parent))
			}
		}
		if len(missing) > 0 {
			t.Logf("%s: %d ctags tags not matched, e.g. %s", pkg, len(missing), strings.Join(missing[:min(len(missing), 5)], "; "))
		}
	}
	require.Positive(t, total)
	if len(parentDiffs) > 0 {
		t.Logf("parents differ, e.g.: %s", strings.Join(parentDiffs, "; "))
	}
	rate, parentRate := float64(found)/float64(total), float64(parents)/float64(scoped)
	t.Logf("agreement with ctags: %d of %d tags (%.2f%%) at the same line and kind; the parent agrees for %d of the %d methods ctags gives one (%.2f%%)",
		found, total, 100*rate, parents, scoped, 100*parentRate)
	assert.GreaterOrEqual(t, rate, 0.99)
	assert.GreaterOrEqual(t, parentRate, 0.99)
}

type tag struct {
	name, path, kind, parent string
	line                     int
}

// parseTag reads one line of ctags' default output with the fields
// kind, line and scope (struct:pkg.Type for a method).
func parseTag(line, dir string) (tag, bool) {
	f := strings.Split(line, "\t")
	if len(f) < 4 || strings.HasPrefix(line, "!_") {
		return tag{}, false
	}
	rel, err := filepath.Rel(dir, f[1])
	if err != nil {
		return tag{}, false
	}
	tg := tag{name: f[0], path: filepath.ToSlash(rel)}
	for _, field := range f[3:] {
		key, val, ok := strings.Cut(field, ":")
		switch {
		case !ok:
			tg.kind = field
		case key == "line":
			tg.line, _ = strconv.Atoi(val)
		case key == "kind":
			tg.kind = val
		case key == "struct" || key == "interface" || key == "type" || key == "talias":
			tg.parent = val[strings.LastIndexByte(val, '.')+1:] // struct:pkg.Type
		}
	}
	return tg, tg.line > 0 && tg.kind != ""
}

func kindAgrees(ctagsKind string, k Kind) bool {
	switch ctagsKind {
	case "func":
		return k.IsFunc()
	case "methodSpec":
		return k == Method
	case "struct":
		return k == Struct
	case "interface":
		return k == Interface
	case "type", "talias":
		// ctags calls generic structs "type", and struct types in a
		// type ( … ) group "talias".
		return k.IsType()
	}
	return false
}
