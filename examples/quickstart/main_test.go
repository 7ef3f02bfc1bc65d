package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite testdata/output.golden")

// TestQuickstart checks the offline run's output against
// testdata/output.golden; after an intended change, regenerate it with
// go test -update.
func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, scripted(), ""))
	golden := filepath.Join("testdata", "output.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, out.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), out.String())

	var again bytes.Buffer
	require.NoError(t, run(t.Context(), &again, scripted(), ""))
	assert.Equal(t, out.String(), again.String(), "the example is deterministic")
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
