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
		{"src/pkg/models.py", false, syntax.Source},
		{"tests/test_models.py", false, syntax.Test},
		{"pkg/test_models.py", false, syntax.Test},
		{"pkg/models_test.py", false, syntax.Test},
		{"conftest.py", false, syntax.Test},
		{"django/contrib/auth/tests.py", false, syntax.Test},
		{"testing/python/approx.py", false, syntax.Test},
		{"reproduce_issue.py", true, syntax.Scratch},
		{"scripts/reproduce.py", true, syntax.Scratch},
		{"debug_parser.py", true, syntax.Scratch},
		{"check_fix.py", true, syntax.Scratch},
		{"test_fix.py", true, syntax.Scratch},
		{"setup.py", true, syntax.Source},
		{"setup.py", false, syntax.Source},
		{"reproduce_issue.py", false, syntax.Source},
		{"pkg/new_module.py", true, syntax.Source},
		// Go
		{"internal/calc/calc.go", false, syntax.Source},
		{"internal/calc/calc_test.go", true, syntax.Test},
		{"internal/calc/testdata/in.go", false, syntax.Test},
		{"calc_test.go", true, syntax.Test},
		{"main.go", true, syntax.Source},
		// JavaScript and TypeScript
		{"src/app.ts", false, syntax.Source},
		{"src/app.spec.ts", false, syntax.Test},
		{"src/app.test.jsx", true, syntax.Test},
		{"src/__tests__/app.js", false, syntax.Test},
		{"repro.js", true, syntax.Scratch},
		{"jest.config.js", true, syntax.Source},
		// Java
		{"src/main/java/a/Parser.java", false, syntax.Source},
		{"src/test/java/a/ParserTest.java", false, syntax.Test},
		{"core/a/ParserTests.java", false, syntax.Test},
		{"core/a/TestParser.java", false, syntax.Test},
		{"core/a/Testimony.java", false, syntax.Source},
		// Rust
		{"src/lib.rs", false, syntax.Source},
		{"tests/parse.rs", false, syntax.Test},
		{"src/tests.rs", false, syntax.Test},
		// C and C++
		{"lib/parse.c", false, syntax.Source},
		{"lib/parse.h", false, syntax.Source},
		{"lib/parse_test.cc", false, syntax.Test},
		{"lib/parse_unittest.cc", false, syntax.Test},
		{"test/parse.cpp", false, syntax.Test},
		// Docs and the rest
		{"README.md", false, syntax.Docs},
		{"docs/usage.txt", false, syntax.Docs},
		{"doc/conf.py", false, syntax.Docs},
		{"CHANGELOG", false, syntax.Docs},
		{"LICENSE.txt", false, syntax.Docs},
		{"docs/changes/12.feature.rst", true, syntax.Docs},
		{"setup.cfg", false, syntax.Other},
		{"requirements.txt", false, syntax.Other},
		{"data/table.csv", false, syntax.Other},
		{"sklearn/_loss/loss.pyx", false, syntax.Source},
		{"./pkg/models.py", false, syntax.Source},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, syntax.Classify(c.path, c.isNew), "%s (new: %t)", c.path, c.isNew)
	}
}

func TestFileKindString(t *testing.T) {
	for k, want := range map[syntax.FileKind]string{
		syntax.Other: "other", syntax.Source: "source", syntax.Test: "test", syntax.Scratch: "scratch", syntax.Docs: "docs",
	} {
		assert.Equal(t, want, k.String())
	}
}
