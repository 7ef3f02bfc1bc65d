package cli

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

// run runs the command line in-process and returns status, stdout, stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestHelpAndUnknown(t *testing.T) {
	code, out, _ := run(t, "help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "Usage: conclave <command>")
	for _, c := range commands {
		assert.Contains(t, out, c.name)
	}

	code, _, _ = run(t)
	assert.Equal(t, 2, code, "no command is a usage error")

	code, _, errOut := run(t, "frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unknown command "frobnicate"`)
}

func TestHelpCommand(t *testing.T) {
	code, out, _ := run(t, "help", "select")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "Usage: conclave select --batch FILE")
	assert.Contains(t, out, "-ties")
	assert.Contains(t, out, "Exit status")

	code, _, errOut := run(t, "help", "frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unknown command "frobnicate"`)
}
