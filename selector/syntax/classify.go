package syntax

import (
	"fmt"
	"path"
	"strings"

	"github.com/conclave-dev/conclave/internal/lang"
)

// FileKind is what a file is for, as judged from its path. It encodes as
// text, such as "test".
type FileKind uint8

const (
	FileOther   FileKind = iota // configuration, data, build files, anything else
	FileSource                  // program source
	FileTest                    // tests and their data
	FileScratch                 // a throwaway script an agent added (reproduce_issue.py)
	FileDocs                    // documentation and change notes
)

var kindNames = []string{FileOther: "other", FileSource: "source", FileTest: "test", FileScratch: "scratch", FileDocs: "docs"}

func (k FileKind) String() string { return nameOf(kindNames, k) }

// MarshalText encodes k as its name.
func (k FileKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText decodes a name written by MarshalText.
func (k *FileKind) UnmarshalText(text []byte) error { return parseName(kindNames, "FileKind", text, k) }

// nameOf returns the name of an enumerated value, or the first name for
// one out of range.
func nameOf[T ~uint8](names []string, v T) string {
	if int(v) < len(names) {
		return names[v]
	}
	return names[0]
}

// parseName sets *v to the value named text.
func parseName[T ~uint8](names []string, typ string, text []byte, v *T) error {
	for i, n := range names {
		if n == string(text) {
			*v = T(i)
			return nil
		}
	}
	return fmt.Errorf("syntax: %q is not a %s: use one of %s", text, typ, strings.Join(names, ", "))
}

// Classify says what a file is for from its slash-separated path
// relative to the project root; isNew says the patch creates it. The
// rules, first match wins:
//
//   - FileScratch: a new file named like an ad-hoc script anywhere
//     (reproduce*, repro_*, debug_*, scratch*, sandbox*, tmp_*, temp_*), or any new
//     script (.py, .js, .mjs, .cjs, .ts, .sh, .rb, .pl) at the top level
//     other than the usual project files (setup.py, conftest.py,
//     noxfile.py, manage.py, *.config.js and the like).
//   - FileTest: a file under a directory named test, tests, testing, __tests__,
//     testdata, spec or specs; or named as a test by its language's
//     convention: test_*.py, *_test.py, conftest.py, tests.py, *_test.go,
//     *.test.js and *.spec.ts (all JavaScript and TypeScript extensions),
//     *Test.java, *Tests.java, *IT.java, Test*.java, and *_test.c,
//     *_unittest.cc, test_*.cpp and the like for C and C++.
//   - FileDocs: a file under doc, docs or documentation, Markdown,
//     reStructuredText and AsciiDoc files, and README, CHANGELOG, CHANGES,
//     NEWS, HISTORY, AUTHORS, CONTRIBUTING, LICENSE, COPYING and NOTICE
//     with any extension.
//   - FileSource: a language [lang.ForPath] knows, and .pyx, .pxd, .kt,
//     .scala, .rb, .php, .cs, .swift, .m, .mm and .sh.
//   - FileOther: the rest.
func Classify(p string, isNew bool) FileKind {
	p = path.Clean(strings.TrimPrefix(p, "./"))
	dir, base := path.Split(p)
	lower := strings.ToLower(base)
	ext := path.Ext(lower)
	stem := strings.TrimSuffix(lower, ext)
	if isNew && isScratch(dir, stem, ext) {
		return FileScratch
	}
	for _, d := range strings.Split(strings.ToLower(strings.TrimSuffix(dir, "/")), "/") {
		switch d {
		case "test", "tests", "testing", "__tests__", "testdata", "spec", "specs":
			return FileTest
		}
	}
	if isTestName(base, stem, ext) {
		return FileTest
	}
	for _, d := range strings.Split(strings.ToLower(dir), "/") {
		switch d {
		case "doc", "docs", "documentation":
			return FileDocs
		}
	}
	switch ext {
	case ".md", ".markdown", ".rst", ".adoc", ".asciidoc":
		return FileDocs
	}
	switch strings.ToUpper(stem) {
	case "README", "CHANGELOG", "CHANGES", "NEWS", "HISTORY", "AUTHORS", "CONTRIBUTING", "LICENSE", "COPYING", "NOTICE":
		return FileDocs
	}
	if _, ok := lang.ForPath(p); ok {
		return FileSource
	}
	switch ext {
	case ".pyx", ".pxd", ".kt", ".scala", ".rb", ".php", ".cs", ".swift", ".m", ".mm", ".sh":
		return FileSource
	}
	return FileOther
}

var scratchPrefixes = []string{"reproduce", "repro_", "repro-", "debug_", "debug-", "scratch", "sandbox", "tmp_", "temp_"}

var projectScripts = set("setup", "conftest", "noxfile", "tasks", "manage", "fabfile", "__init__", "__main__",
	"index", "gulpfile", "gruntfile", "jest.setup", "vite-env.d")

func isScratch(dir, stem, ext string) bool {
	switch ext {
	case ".py", ".js", ".mjs", ".cjs", ".ts", ".sh", ".rb", ".pl":
	default:
		return false
	}
	for _, p := range scratchPrefixes {
		if strings.HasPrefix(stem, p) {
			return true
		}
	}
	return dir == "" && !projectScripts[stem] && !strings.HasSuffix(stem, ".config") && !strings.HasPrefix(stem, ".")
}

func isTestName(base, stem, ext string) bool {
	switch ext {
	case ".py":
		return strings.HasPrefix(stem, "test_") || strings.HasSuffix(stem, "_test") || stem == "conftest" || stem == "tests"
	case ".go":
		return strings.HasSuffix(stem, "_test")
	case ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts":
		return strings.HasSuffix(stem, ".test") || strings.HasSuffix(stem, ".spec") || strings.HasSuffix(stem, "-test")
	case ".java", ".kt":
		name := strings.TrimSuffix(base, path.Ext(base))
		return strings.HasSuffix(name, "Test") || strings.HasSuffix(name, "Tests") || strings.HasSuffix(name, "IT") ||
			strings.HasPrefix(name, "Test") && len(name) > 4 && name[4] >= 'A' && name[4] <= 'Z'
	case ".rs":
		return stem == "tests"
	case ".c", ".cc", ".cpp", ".cxx", ".h", ".hpp":
		return strings.HasPrefix(stem, "test_") || strings.HasSuffix(stem, "_test") || strings.HasSuffix(stem, "_unittest") || strings.HasSuffix(stem, "_tests")
	}
	return false
}
