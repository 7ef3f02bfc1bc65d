// Package gitx runs git for Conclave: the patch of a working tree against
// a base commit, with new and deleted files, without touching the tree's
// index.
package gitx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Git runs git with args in dir and returns its standard output. The
// command runs with a fixed locale and without the user's pager, editor or
// terminal prompts; a failure returns an error holding git's stderr.
func Git(ctx context.Context, dir string, args ...string) (string, error) {
	return git(ctx, dir, nil, args...)
}

func git(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "GIT_PAGER=cat", "GIT_TERMINAL_PROMPT=0", "GIT_EDITOR=true")
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctxErr := context.Cause(ctx); ctxErr != nil {
			return "", fmt.Errorf("gitx: git %s: %w", strings.Join(args, " "), ctxErr)
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("gitx: git %s in %s: %s", strings.Join(args, " "), dir, msg)
	}
	return stdout.String(), nil
}

// Status is how a patch changes a file, as git's name-status letters.
type Status byte

const (
	Added       Status = 'A'
	Modified    Status = 'M'
	Deleted     Status = 'D'
	TypeChanged Status = 'T' // a file became a symbolic link or the reverse
)

// File is one file a patch changes, by its slash-separated path relative
// to the repository root.
type File struct {
	Path   string
	Status Status
}

// Patch is the change of a working tree against a base commit.
type Patch struct {
	// Diff is the unified diff, "diff --git" per file, empty when nothing
	// changed. A binary file appears as "Binary files … differ".
	Diff  string
	Files []File
}

// Diff returns the patch of the working tree at dir against base (a commit,
// branch or tag): every change git would stage with "git add -A", so new
// files count, deleted files count and files .gitignore excludes do not.
// It stages into a copy of the index, so the tree's own index is never
// changed. Renames are a deletion and an addition.
func Diff(ctx context.Context, dir, base string) (*Patch, error) {
	index, cleanup, err := scratchIndex(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	env := []string{"GIT_INDEX_FILE=" + index}
	if _, err := git(ctx, dir, env, "add", "-A"); err != nil {
		return nil, err
	}
	diffArgs := []string{"-c", "core.quotePath=false", "diff", "--cached", "--no-color", "--no-ext-diff",
		"--no-renames", "--src-prefix=a/", "--dst-prefix=b/"}
	diff, err := git(ctx, dir, env, append(diffArgs, base, "--")...)
	if err != nil {
		return nil, err
	}
	names, err := git(ctx, dir, env, append(diffArgs, "--name-status", "-z", base, "--")...)
	if err != nil {
		return nil, err
	}
	files, err := parseNameStatus(names)
	if err != nil {
		return nil, err
	}
	return &Patch{Diff: diff, Files: files}, nil
}

// scratchIndex copies the index of the working tree at dir to a temporary
// file and returns its path and a function removing it.
func scratchIndex(ctx context.Context, dir string) (string, func(), error) {
	out, err := Git(ctx, dir, "rev-parse", "--path-format=absolute", "--git-path", "index")
	if err != nil {
		return "", nil, err
	}
	tmp, err := os.MkdirTemp("", "conclave-index-")
	if err != nil {
		return "", nil, fmt.Errorf("gitx: %w", err)
	}
	cleanup := func() { os.RemoveAll(tmp) }
	index := filepath.Join(tmp, "index")
	data, err := os.ReadFile(strings.TrimSpace(out))
	switch {
	case errors.Is(err, os.ErrNotExist): // a repository with nothing staged yet
	case err != nil:
		cleanup()
		return "", nil, fmt.Errorf("gitx: reading the index: %w", err)
	default:
		if err := os.WriteFile(index, data, 0o600); err != nil {
			cleanup()
			return "", nil, fmt.Errorf("gitx: %w", err)
		}
	}
	return index, cleanup, nil
}

// parseNameStatus reads "git diff --name-status -z" output: a status and a
// path per entry, each NUL-terminated.
func parseNameStatus(out string) ([]File, error) {
	fields := strings.Split(strings.TrimSuffix(out, "\x00"), "\x00")
	if len(fields) == 1 && fields[0] == "" {
		return nil, nil
	}
	if len(fields)%2 != 0 {
		return nil, fmt.Errorf("gitx: unexpected name-status output %q", out)
	}
	files := make([]File, 0, len(fields)/2)
	for i := 0; i < len(fields); i += 2 {
		if fields[i] == "" {
			return nil, fmt.Errorf("gitx: empty status in name-status output %q", out)
		}
		files = append(files, File{Path: fields[i+1], Status: Status(fields[i][0])})
	}
	return files, nil
}
