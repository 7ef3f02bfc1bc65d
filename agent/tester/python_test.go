package tester_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/selector"
)

// pyPackage is a small Python package with a bug (a discount over 100 %
// makes a negative price), unittest tests, a test module that does not
// import the changed module, and a flaky test that flips on a marker file.
var pyPackage = map[string]string{
	"shop/__init__.py": "",
	"shop/price.py": `def discounted(price, percent):
    """Price after a discount of percent."""
    return price - price * percent / 100
`,
	"shop/cart.py": `from shop.price import discounted


def total(items, percent=0):
    return sum(discounted(p, percent) for p in items)
`,
	"shop/names.py":     "def title(s):\n    return s.title()\n",
	"tests/__init__.py": "",
	"tests/test_price.py": `import os
import unittest

from shop.price import discounted


class TestPrice(unittest.TestCase):
    def test_half(self):
        self.assertEqual(discounted(100, 50), 50)

    def test_flaky(self):
        if os.path.exists("flaky.marker"):
            os.remove("flaky.marker")
            return
        open("flaky.marker", "w").close()
        self.fail("flaked")
`,
	"tests/test_cart.py": `import unittest

from shop import cart


class TestCart(unittest.TestCase):
    def test_total(self):
        self.assertEqual(cart.total([10, 20], 50), 15)
`,
	"tests/test_names.py": `import unittest

from shop.names import title


class TestNames(unittest.TestCase):
    def test_title(self):
        self.assertEqual(title("ab"), "Ab")
`,
}

// pythonWith returns an interpreter that can (or cannot) import pytest,
// skipping the test when there is none.
func pythonWith(t *testing.T, pytest bool) string {
	t.Helper()
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		err := exec.Command(py, "-c", "import pytest").Run()
		var exit *exec.ExitError
		switch {
		case pytest && err == nil:
			return py
		case !pytest && err != nil && errors.As(err, &exit):
			return py
		}
	}
	t.Skipf("no python3 here that %s pytest", map[bool]string{true: "has", false: "lacks"}[pytest])
	return ""
}

func TestTesterPython(t *testing.T) {
	fixed := strings.Replace(pyPackage["shop/price.py"], "    return price - price * percent / 100",
		"    percent = min(max(percent, 0), 100)\n    return price - price * percent / 100", 1)
	broken := strings.Replace(pyPackage["shop/price.py"], "price * percent / 100", "price * percent / 10", 1)
	for _, runner := range []struct {
		name   string
		pytest bool
		kind   tester.Kind
		want   []string
	}{
		{"unittest", false, tester.Unittest, []string{"tests.test_cart", "tests.test_price"}},
		{"pytest", true, tester.Pytest, []string{"tests/test_cart.py", "tests/test_price.py"}},
	} {
		t.Run(runner.name, func(t *testing.T) {
			py := pythonWith(t, runner.pytest)
			repo, _ := gittest.Repo(t, pyPackage)
			before := repoState(t, repo)
			worktrees := t.TempDir()
			candidates := []selector.Candidate{
				{ID: "fix", Patch: patchOf(t, repo, map[string]string{"shop/price.py": fixed})},
				{ID: "breaker", Patch: patchOf(t, repo, map[string]string{"shop/price.py": broken})},
			}
			tst := &tester.Tester{Repo: repo, WorktreeDir: worktrees, Python: py, Parallel: 2}
			report, err := tst.Check(t.Context(), "a discount over 100% gives a negative price", candidates)
			require.NoError(t, err)

			require.Len(t, report.Suites, 1)
			assert.Equal(t, runner.kind, report.Suites[0].Kind)
			assert.Equal(t, runner.want, report.Suites[0].Targets, "the test modules importing shop.price or its package, not test_names")
			assert.Equal(t, []string{"tests.test_price.TestPrice.test_flaky"}, report.Baseline.Flaky)
			assert.Equal(t, []string{"tests.test_cart.TestCart.test_total", "tests.test_price.TestPrice.test_half"}, report.Baseline.Kept)

			require.Len(t, report.Candidates, 2)
			assert.True(t, report.Candidates[0].Kept, "%+v", report.Candidates[0])
			assert.False(t, report.Candidates[1].Kept)
			var names []string
			for _, r := range report.Candidates[1].Regressions {
				names = append(names, r.Name)
			}
			assert.Equal(t, []string{"tests.test_cart.TestCart.test_total", "tests.test_price.TestPrice.test_half"}, names)
			assert.Contains(t, logOf(report.Candidates[1].Regressions, "tests.test_price.TestPrice.test_half"), "AssertionError")

			assert.Equal(t, before, repoState(t, repo))
			emptyDir(t, worktrees)
			checkNoProcessIn(t, worktrees)
		})
	}
}
