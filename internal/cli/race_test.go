//go:build race

package cli

// raceEnabled says the tests run under the race detector, which makes the
// long benches too slow to run.
const raceEnabled = true
