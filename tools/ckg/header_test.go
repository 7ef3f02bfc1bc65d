package ckg_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/tools/ckg"
)

// A ".h" header is C or C++ by its contents: C++ classes in headers are
// indexed with their methods, and the cache takes the C++ record back.
func TestCppHeader(t *testing.T) {
	root, cache := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "widget.h"), []byte(
		"#pragma once\nnamespace ui {\nclass Widget {\n public:\n  int width() const;\n  void resize(int w);\n};\n}\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "plain.h"), []byte("struct point { int x, y; };\nint area(int w, int h);\n"), 0o644))

	for _, reopen := range []bool{false, true} {
		ix, err := ckg.Open(t.Context(), root, &ckg.Options{CacheDir: cache})
		require.NoError(t, err)
		if reopen {
			assert.Zero(t, ix.Stats().Parsed, "the second open reuses the cache")
		}
		methods := ix.Methods("Widget")
		var names []string
		for _, m := range methods {
			names = append(names, m.Name)
			assert.Equal(t, "cpp", m.Language)
		}
		assert.ElementsMatch(t, []string{"width", "resize"}, names)
		point := ix.Search(ckg.Query{Name: "point"})
		if assert.Len(t, point, 1) {
			assert.Equal(t, "c", point[0].Language)
		}
	}
}
