package tester

import (
	"bufio"
	"context"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/conclave-dev/conclave/selector/syntax"
)

const (
	// maxPythonFiles bounds the test files a discovery reads.
	maxPythonFiles = 50000
	// maxImportScan is how much of a test file is read for its imports.
	maxImportScan = 1 << 20
)

// pySkipDirs are directories that hold no project tests.
var pySkipDirs = map[string]bool{
	"node_modules": true, "site-packages": true, "venv": true, "__pycache__": true,
	"build": true, "dist": true, "vendor": true,
}

var (
	pyImport = regexp.MustCompile(`^\s*import\s+(.+)$`)
	pyFrom   = regexp.MustCompile(`^\s*from\s+(\.*[\w.]*)\s+import\s+(.+)$`)
)

// discoverPython returns a suite of the test modules that import a
// changed Python module; see [Deterministic].
func discoverPython(ctx context.Context, req Request) ([]Suite, error) {
	changed := map[string]bool{} // dotted names of the changed modules
	stems := map[string]bool{}   // their last components
	var roots []string           // import roots of the changed modules
	for _, f := range req.Changed {
		if path.Ext(f) != ".py" || isPythonTest(f) {
			continue
		}
		root, mod := pyModule(req.Dir, f)
		changed[mod] = true
		if root != "" {
			changed[dotted(strings.TrimSuffix(f, ".py"))] = true // also as seen from the repository root
			roots = append(roots, root)
		}
		stems[mod[strings.LastIndexByte(mod, '.')+1:]] = true
	}
	changedTests := map[string]bool{}
	for _, f := range req.Changed {
		if path.Ext(f) == ".py" && isPythonTest(f) {
			changedTests[f] = true
		}
	}
	if len(changed) == 0 && len(changedTests) == 0 {
		return nil, nil
	}

	var files []string // the selected test files, slash paths
	count := 0
	err := filepath.WalkDir(req.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable: skip
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != req.Dir && (strings.HasPrefix(name, ".") || pySkipDirs[name]) {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(req.Dir, p)
		rel = filepath.ToSlash(rel)
		if !d.Type().IsRegular() || path.Ext(name) != ".py" || !isPythonTest(rel) || name == "conftest.py" || name == "__init__.py" {
			return nil
		}
		if count++; count > maxPythonFiles {
			return filepath.SkipAll
		}
		if changedTests[rel] || namedFor(name, stems) || importsChanged(req.Dir, rel, changed) {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, nil
	}
	slices.Sort(files)
	if hasPytest(ctx, req) {
		return []Suite{{Kind: Pytest, Targets: files, PythonPath: compact(roots)}}, nil
	}
	var mods []string
	for _, f := range files {
		root, mod := pyModule(req.Dir, f)
		mods = append(mods, mod)
		if root != "" {
			roots = append(roots, root)
		}
	}
	return []Suite{{Kind: Unittest, Targets: mods, PythonPath: compact(roots)}}, nil
}

// isPythonTest reports whether the file at the slash path f is a test.
func isPythonTest(f string) bool { return syntax.Classify(f, false) == syntax.FileTest }

// hasPytest reports whether the tests' interpreter can import pytest.
func hasPytest(ctx context.Context, req Request) bool {
	_, err := command(ctx, req.Dir, 30*time.Second, req.Python, "-c", "import pytest")
	return err == nil
}

// pyModule returns the import root of the Python file f (a slash path)
// and its dotted module name from there: the root is the nearest
// directory above f without an __init__.py, as pytest's default import
// mode sees it.
func pyModule(dir, f string) (root, mod string) {
	d := path.Dir(f)
	for d != "." {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(d), "__init__.py")); err != nil {
			break
		}
		d = path.Dir(d)
	}
	if d == "." {
		d = ""
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(f, d), "/")
	rel = strings.TrimSuffix(strings.TrimSuffix(rel, ".py"), "/__init__")
	return d, dotted(rel)
}

func dotted(p string) string { return strings.ReplaceAll(p, "/", ".") }

// namedFor reports whether a test file's name follows the convention for
// one of the module names stems: test_<stem>.py or <stem>_test.py.
func namedFor(name string, stems map[string]bool) bool {
	base := strings.TrimSuffix(name, ".py")
	if s, ok := strings.CutPrefix(base, "test_"); ok && stems[s] {
		return true
	}
	s, ok := strings.CutSuffix(base, "_test")
	return ok && stems[s]
}

// importsChanged reports whether the Python file rel imports a module of
// changed, or the package right above one of them.
func importsChanged(dir, rel string, changed map[string]bool) bool {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return false
	}
	defer f.Close()
	_, self := pyModule(dir, rel)
	for _, imp := range pyImports(io.LimitReader(f, maxImportScan), self) {
		for mod := range changed {
			if imp == mod || strings.HasPrefix(imp, mod+".") || strings.HasPrefix(mod, imp+".") && !strings.Contains(mod[len(imp)+1:], ".") {
				return true
			}
		}
	}
	return false
}

// pyImports returns the modules a Python file imports, as dotted names:
// "import a.b" gives a.b, "from a import b, c" gives a, a.b and a.c.
// Relative imports are resolved against self, the file's own module.
func pyImports(r io.Reader, self string) []string {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for sc.Scan() {
		line := stripComment(sc.Text())
		if m := pyImport.FindStringSubmatch(line); m != nil {
			for part := range strings.SplitSeq(m[1], ",") {
				if name := firstWord(part); name != "" {
					out = append(out, name)
				}
			}
			continue
		}
		m := pyFrom.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		base := resolveRelative(m[1], self)
		names := m[2]
		if strings.HasPrefix(strings.TrimSpace(names), "(") {
			for !strings.Contains(names, ")") && sc.Scan() {
				names += " " + stripComment(sc.Text())
			}
		}
		names = strings.Trim(strings.TrimSpace(names), "()\\")
		if base != "" {
			out = append(out, base)
		}
		for part := range strings.SplitSeq(names, ",") {
			name := firstWord(strings.Trim(part, "() \\"))
			if name == "" || name == "*" {
				continue
			}
			if base == "" {
				out = append(out, name)
			} else {
				out = append(out, base+"."+name)
			}
		}
	}
	return out
}

// resolveRelative turns a from-import's module ("..pkg.mod", "x.y") into
// an absolute dotted name, given the importing module self.
func resolveRelative(mod, self string) string {
	dots := len(mod) - len(strings.TrimLeft(mod, "."))
	if dots == 0 {
		return mod
	}
	parts := strings.Split(self, ".")
	if dots > len(parts) {
		return strings.TrimLeft(mod, ".")
	}
	base := strings.Join(parts[:len(parts)-dots], ".")
	rest := mod[dots:]
	switch {
	case base == "":
		return rest
	case rest == "":
		return base
	}
	return base + "." + rest
}

func stripComment(line string) string {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		return line[:i]
	}
	return line
}

// firstWord returns the dotted name at the start of "a.b as c".
func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	for _, c := range f[0] {
		if !(c == '.' || c == '_' || c == '*' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return ""
		}
	}
	return f[0]
}

// compact sorts dirs and drops repeats and the root (on the path anyway).
func compact(dirs []string) []string {
	dirs = slices.DeleteFunc(slices.Clone(dirs), func(d string) bool { return d == "" })
	slices.Sort(dirs)
	return slices.Compact(dirs)
}
