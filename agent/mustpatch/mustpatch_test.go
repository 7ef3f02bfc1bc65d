package mustpatch_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent/mustpatch"
	"github.com/conclave-dev/conclave/internal/gitx"
)

func TestGuard(t *testing.T) {
	dir := t.TempDir()
	git := func(args ...string) string {
		out, err := gitx.Git(t.Context(), dir, args...)
		require.NoError(t, err)
		return out
	}
	write := func(name, body string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	git("init", "-q")
	git("config", "user.email", "t@example.com")
	git("config", "user.name", "T")
	write("calc.py", "def add(a, b):\n    return a - b\n")
	write("tests/test_calc.py", "import calc\n")
	git("add", "-A")
	git("commit", "-qm", "base")
	base := git("rev-parse", "HEAD")[:40]
	guard := mustpatch.Guard(dir, base)
	check := func() string {
		refusal, err := guard(t.Context(), "")
		require.NoError(t, err)
		return refusal
	}

	assert.Contains(t, check(), "no change to the code yet")

	write("tests/test_calc.py", "import calc\n\nassert calc.add(1, 1) == 2\n")
	write("reproduce_issue.py", "import calc\nprint(calc.add(1, 1))\n")
	r := check()
	assert.Contains(t, r, "only tests and scripts")
	assert.Contains(t, r, "reproduce_issue.py")
	assert.Contains(t, r, "tests/test_calc.py")

	write("calc.py", "def add(a, b):\n    return a + b\n")
	assert.Empty(t, check(), "a source change is a patch")

	// A deleted source file counts as a change too.
	git("checkout", "--", "calc.py")
	require.NoError(t, os.Remove(filepath.Join(dir, "calc.py")))
	assert.Empty(t, check())

	_, err := mustpatch.Guard(dir, "no-such-base")(t.Context(), "")
	assert.Error(t, err)
}
