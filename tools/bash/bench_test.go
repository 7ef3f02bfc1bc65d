//go:build unix

package bash

import (
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/conclave-dev/conclave/tools"
)

// BenchmarkRoundTrip measures a call of "true" on the persistent shell
// against starting a process for it; compare the two in one run.
func BenchmarkRoundTrip(b *testing.B) {
	b.Run("shell", func(b *testing.B) {
		ws, err := tools.NewLocal(b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		sh, err := New(ws, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer sh.Close()
		args := json.RawMessage(`{"command":"true"}`)
		if _, err := sh.Run(b.Context(), args); err != nil { // start the shell
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			res, err := sh.Run(b.Context(), args)
			if err != nil || res.IsError {
				b.Fatal(res, err)
			}
		}
	})
	b.Run("exec", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := exec.Command("sh", "-c", "true").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
