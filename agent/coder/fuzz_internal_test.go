package coder

import (
	"testing"
	"unicode/utf8"
)

// FuzzParseLevels feeds any bytes to every manifest reader: no panic, and
// every level is short and names its file.
func FuzzParseLevels(f *testing.F) {
	f.Add(uint8(0), []byte("go 1.22\ntoolchain go1.23.0\n"))
	f.Add(uint8(1), []byte("[project]\nrequires-python = \">=3.9\"\n"))
	f.Add(uint8(4), []byte(`{"engines":{"node":18}}`))
	f.Add(uint8(6), []byte("<maven.compiler.source>8</maven.compiler.source><release>${x}</release>"))
	f.Add(uint8(7), []byte("sourceCompatibility = '11'\njvmToolchain(17)"))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		name := manifests[int(which)%len(manifests)]
		for _, l := range parseLevels(name, data) {
			if l.File != name || l.Value == "" || len(l.Value) > 100 || l.Language == "" {
				t.Fatalf("bad level %+v from %s", l, name)
			}
			if utf8.Valid(data) && !utf8.ValidString(l.Value) {
				t.Fatalf("invalid UTF-8 from valid input: %q", l.Value)
			}
		}
	})
}
