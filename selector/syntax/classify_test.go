package syntax_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conclave-dev/conclave/selector/syntax"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		path  string
		isNew bool
		want  syntax.FileKind
	}{
		// Python
		{"src/pkg/models.py", false, syntax.FileSource},
		{"tests/test_models.py", false, syntax.FileTest},
		{"pkg/test_models.py", false, syntax.FileTest},
		{"pkg/models_test.py", false, syntax.FileTest},
		{"conftest.py", false, syntax.FileTest},
		{"django/contrib/auth/tests.py", false, syntax.FileTest},
		{"testing/python/approx.py", false, syntax.FileTest},
		{"reproduce_issue.py", true, syntax.FileScratch},
		{"scripts/reproduce.py", true, syntax.FileScratch},
		{"debug_parser.py", true, syntax.FileScratch},
		{"check_fix.py", true, syntax.FileScratch},
		{"test_fix.py", true, syntax.FileScratch},
		{"setup.py", true, syntax.FileSource},
		{"setup.py", false, syntax.FileSource},
		{"reproduce_issue.py", false, syntax.FileSource},
		{"pkg/new_module.py", true, syntax.FileSource},
		// Go
		{"internal/calc/calc.go", false, syntax.FileSource},
		{"internal/calc/calc_test.go", true, syntax.FileTest},
		{"internal/calc/testdata/in.go", false, syntax.FileTest},
		{"calc_test.go", true, syntax.FileTest},
		{"main.go", true, syntax.FileSource},
		// JavaScript and TypeScript
		{"src/app.ts", false, syntax.FileSource},
		{"src/app.spec.ts", false, syntax.FileTest},
		{"src/app.test.jsx", true, syntax.FileTest},
		{"src/__tests__/app.js", false, syntax.FileTest},
		{"repro.js", true, syntax.FileScratch},
		{"jest.config.js", true, syntax.FileSource},
		// Java
		{"src/main/java/a/Parser.java", false, syntax.FileSource},
		{"src/test/java/a/ParserTest.java", false, syntax.FileTest},
		{"core/a/ParserTests.java", false, syntax.FileTest},
		{"core/a/TestParser.java", false, syntax.FileTest},
		{"core/a/Testimony.java", false, syntax.FileSource},
		// Rust
		{"src/lib.rs", false, syntax.FileSource},
		{"tests/parse.rs", false, syntax.FileTest},
		{"src/tests.rs", false, syntax.FileTest},
		// C and C++
		{"lib/parse.c", false, syntax.FileSource},
		{"lib/parse.h", false, syntax.FileSource},
		{"lib/parse_test.cc", false, syntax.FileTest},
		{"lib/parse_unittest.cc", false, syntax.FileTest},
		{"test/parse.cpp", false, syntax.FileTest},
		// Docs and the rest
		{"README.md", false, syntax.FileDocs},
		{"docs/usage.txt", false, syntax.FileDocs},
		{"doc/conf.py", false, syntax.FileDocs},
		{"CHANGELOG", false, syntax.FileDocs},
		{"LICENSE.txt", false, syntax.FileDocs},
		{"docs/changes/12.feature.rst", true, syntax.FileDocs},
		{"setup.cfg", false, syntax.FileOther},
		{"requirements.txt", false, syntax.FileOther},
		{"data/table.csv", false, syntax.FileOther},
		{"sklearn/_loss/loss.pyx", false, syntax.FileSource},
		{"./pkg/models.py", false, syntax.FileSource},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, syntax.Classify(c.path, c.isNew), "%s (new: %t)", c.path, c.isNew)
	}
}

func TestFileKindString(t *testing.T) {
	for k, want := range map[syntax.FileKind]string{
		syntax.FileOther: "other", syntax.FileSource: "source", syntax.FileTest: "test", syntax.FileScratch: "scratch", syntax.FileDocs: "docs",
	} {
		assert.Equal(t, want, k.String())
	}
}
