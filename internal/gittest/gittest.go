// Package gittest makes real git repositories for tests: a directory with
// files committed once, and git run in it, failing the test on any error.
package gittest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conclave-dev/conclave/internal/gitx"
)

// Repo makes a git repository in a new temporary directory holding files
// (slash-separated path to content) in one commit on branch main, and
// returns the directory and the commit's id.
func Repo(t testing.TB, files map[string]string) (dir, commit string) {
	t.Helper()
	dir = t.TempDir()
	Git(t, dir, "init", "-q", "-b", "main")
	Git(t, dir, "config", "user.email", "test@example.com")
	Git(t, dir, "config", "user.name", "Test")
	for name, body := range files {
		Write(t, dir, name, body)
	}
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "base")
	return dir, strings.TrimSpace(Git(t, dir, "rev-parse", "HEAD"))
}

// Git runs git with args in dir and returns its output, failing the test
// if git fails. It may be called from a cleanup function, after the
// test's context is done.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := gitx.Git(context.Background(), dir, args...)
	if err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// Write writes body to the slash-separated path name below dir, making
// the directories it needs, failing the test on any error.
func Write(t testing.TB, dir, name, body string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
