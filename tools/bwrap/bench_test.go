//go:build linux

package bwrap_test

import (
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/bash"
	"github.com/conclave-dev/conclave/tools/bwrap"
)

// BenchmarkRoundTrip measures a call of "true" on the bash tool's shell
// in a sandbox, on the shell without one, and a bare exec of sh: compare
// the three in one run.
func BenchmarkRoundTrip(b *testing.B) {
	shell := func(b *testing.B, ws tools.Workspace) {
		sh, err := bash.New(ws, nil)
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
			if res, err := sh.Run(b.Context(), args); err != nil || res.IsError {
				b.Fatal(res, err)
			}
		}
	}
	b.Run("sandbox", func(b *testing.B) { shell(b, newWorkspace(b, nil)) })
	b.Run("local", func(b *testing.B) {
		ws, err := tools.NewLocal(b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer ws.Close()
		shell(b, ws)
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

// BenchmarkStart measures starting a sandbox around "true" and waiting
// for it to end, against a bare exec of true.
func BenchmarkStart(b *testing.B) {
	b.Run("sandbox", func(b *testing.B) {
		ws := newWorkspace(b, &bwrap.Options{})
		b.ReportAllocs()
		for b.Loop() {
			if out, err := ws.Command(b.Context(), nil, "true").CombinedOutput(); err != nil {
				b.Fatal(err, string(out))
			}
		}
	})
	b.Run("exec", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := exec.Command("true").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
