package tester_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conclave-dev/conclave/agent/tester"
)

func TestSuiteValidate(t *testing.T) {
	for _, c := range []struct {
		s    tester.Suite
		want string
	}{
		{tester.Suite{Kind: tester.GoTest, Targets: []string{"./..."}}, ""},
		{tester.Suite{Kind: tester.Command, Shell: "make test", Dir: "sub/dir"}, ""},
		{tester.Suite{Kind: "mocha", Targets: []string{"x"}}, `unknown suite kind "mocha"`},
		{tester.Suite{Kind: tester.GoTest}, "needs targets"},
		{tester.Suite{Kind: tester.Pytest, Targets: []string{"--rootdir=/"}}, "is not a package, file or test name"},
		{tester.Suite{Kind: tester.Unittest, Targets: []string{"t"}, Dir: "../up"}, "not a relative path inside the repository"},
		{tester.Suite{Kind: tester.Unittest, Targets: []string{"t"}, PythonPath: []string{"/abs"}}, "not a relative path"},
		{tester.Suite{Kind: tester.Command}, "needs shell"},
		{tester.Suite{Kind: tester.GoTest, Targets: []string{"x"}, Shell: "go test"}, "not a shell command"},
	} {
		err := c.s.Validate()
		if c.want == "" {
			assert.NoError(t, err, "%+v", c.s)
		} else {
			assert.ErrorContains(t, err, c.want, "%+v", c.s)
		}
	}
}

func TestSuiteString(t *testing.T) {
	assert.Equal(t, "(in sub) go test -json -count=1 m/a m/b", tester.Suite{Kind: tester.GoTest, Dir: "sub", Targets: []string{"m/a", "m/b"}}.String())
	assert.Equal(t, "make check", tester.Suite{Kind: tester.Command, Shell: "make check"}.String())
}
