// Package gitx runs git for Conclave: worktrees of a base commit for
// agents to work in, and the patch of a working tree against its base, with
// new, deleted and binary files, without touching the tree's index.
//
// # Worktrees
//
// [AddWorktree] checks out a commit of a repository into a directory of its
// own with "git worktree add --detach", so that several agents work on one
// repository in parallel without copying it. [Worktree.Close] removes it,
// and is meant to be deferred so that a panic or a cancelled context
// removes it too. Each worktree has a marker file beside it, locked while
// its owner lives; a process that dies without closing leaves an unlocked
// marker, and the next [AddWorktree] (or [SweepWorktrees]) in that
// directory removes the worktree and prunes its entry from the repository.
// AddWorktree and Close are safe for concurrent use: the git commands that
// add and remove worktrees run one at a time in a process, since git
// fails reading a worktree another add is still writing.
//
// The user's checkout, index, branches and stash are never touched: the
// worktree is detached (no branch is made), its hooks do not run, and
// patches are staged into a copy of the worktree's index. What a worktree
// adds to the repository is its entry under .git/worktrees, removed with
// it, and the objects a patch stages, unreachable and collected by git's
// garbage collection.
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
	return gitCmd{dir: dir, env: env}.run(ctx, args...)
}

// MaxPatch is the size of the largest patch [Diff] returns, in bytes. A
// larger one is an error: a model's working tree is not trusted to stay
// small.
const MaxPatch = 32 << 20

// ErrTooLarge is wrapped by the error of a patch larger than [MaxPatch].
var ErrTooLarge = errors.New("gitx: the patch is larger than 32 MiB")

// gitCmd is how one git command runs: where, with what environment added,
// what on its standard input, and how much standard output it may write
// (0: no bound).
type gitCmd struct {
	dir   string
	env   []string
	stdin string
	limit int
}

func (g gitCmd) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = g.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "GIT_PAGER=cat", "GIT_TERMINAL_PROMPT=0", "GIT_EDITOR=true")
	cmd.Env = append(cmd.Env, g.env...)
	if g.stdin != "" {
		cmd.Stdin = strings.NewReader(g.stdin)
	}
	var stdout bytes.Buffer
	var stderr tail
	out := &capped{buf: &stdout, limit: g.limit}
	cmd.Stdout, cmd.Stderr = out, &stderr
	if err := cmd.Run(); err != nil {
		if ctxErr := context.Cause(ctx); ctxErr != nil {
			return "", fmt.Errorf("gitx: git %s: %w", strings.Join(args, " "), ctxErr)
		}
		if out.over {
			return "", fmt.Errorf("%w; git %s in %s", ErrTooLarge, strings.Join(args, " "), g.dir)
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("gitx: git %s in %s: %s", strings.Join(args, " "), g.dir, msg)
	}
	return stdout.String(), nil
}

// capped writes to buf until limit bytes, then fails, which ends the
// command writing to it.
type capped struct {
	buf   *bytes.Buffer
	limit int
	over  bool
}

func (c *capped) Write(p []byte) (int, error) {
	if c.limit > 0 && c.buf.Len()+len(p) > c.limit {
		c.over = true
		return 0, ErrTooLarge
	}
	return c.buf.Write(p)
}

// tail keeps the last 8 KiB written to it: enough of git's stderr to
// say what went wrong, whatever it prints.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	const keep = 8 << 10
	t.b = append(t.b, p...)
	if len(t.b) > keep {
		t.b = append(t.b[:0], t.b[len(t.b)-keep:]...)
	}
	return len(p), nil
}

func (t *tail) String() string { return string(t.b) }

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
	// Binary says git sees the file as binary, before or after: its
	// change is carried as a "GIT binary patch".
	Binary bool
}

// Patch is the change of a working tree against a base commit.
type Patch struct {
	// Diff is the unified diff, "diff --git" per file, empty when nothing
	// changed. A binary file's change is a "GIT binary patch" holding its
	// data, as "git diff --binary" writes it, so the patch applies whole.
	Diff  string
	Files []File
	// Omitted are the files the patch leaves out because the caller's
	// filter refused them, in path order.
	Omitted []File
}

// Diff returns the patch of the working tree at dir against base (a commit,
// branch or tag): every change git would stage with "git add -A", so new
// files count, deleted files count and files .gitignore excludes do not.
// It stages into a copy of the index, so the tree's own index is never
// changed. Renames are a deletion and an addition. A patch larger than
// [MaxPatch] is an error wrapping [ErrTooLarge].
func Diff(ctx context.Context, dir, base string) (*Patch, error) {
	return diff(ctx, dir, base, nil)
}

// diff is Diff leaving out the files keep refuses (nil keeps all).
func diff(ctx context.Context, dir, base string, keep func(File) bool) (*Patch, error) {
	index, cleanup, err := scratchIndex(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	g := gitCmd{dir: dir, env: []string{"GIT_INDEX_FILE=" + index}}
	if _, err := g.run(ctx, "add", "-A"); err != nil {
		return nil, err
	}
	diffArgs := []string{"-c", "core.quotePath=false", "diff", "--cached", "--no-color", "--no-ext-diff",
		"--no-renames", "--src-prefix=a/", "--dst-prefix=b/"}
	files, err := changedFiles(ctx, g, diffArgs, base)
	if err != nil {
		return nil, err
	}
	p := &Patch{}
	for _, f := range files {
		if keep == nil || keep(f) {
			p.Files = append(p.Files, f)
		} else {
			p.Omitted = append(p.Omitted, f)
		}
	}
	if len(p.Omitted) > 0 {
		// Back to the base in the scratch index: an added file leaves it.
		args := []string{"reset", "-q", base, "--"}
		for _, f := range p.Omitted {
			args = append(args, ":(literal)"+f.Path)
		}
		if _, err := g.run(ctx, args...); err != nil {
			return nil, err
		}
	}
	if len(p.Files) == 0 {
		return p, nil
	}
	g.limit = MaxPatch
	if p.Diff, err = g.run(ctx, append(diffArgs, "--binary", base, "--")...); err != nil {
		return nil, err
	}
	return p, nil
}

// changedFiles lists the files staged in g's index that differ from base,
// with their status and whether git sees them as binary.
func changedFiles(ctx context.Context, g gitCmd, diffArgs []string, base string) ([]File, error) {
	names, err := g.run(ctx, append(diffArgs, "--name-status", "-z", base, "--")...)
	if err != nil {
		return nil, err
	}
	files, err := parseNameStatus(names)
	if err != nil || len(files) == 0 {
		return files, err
	}
	nums, err := g.run(ctx, append(diffArgs, "--numstat", "-z", base, "--")...)
	if err != nil {
		return nil, err
	}
	binary, err := parseBinaryNumstat(nums)
	if err != nil {
		return nil, err
	}
	for i := range files {
		files[i].Binary = binary[files[i].Path]
	}
	return files, nil
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
	orig := strings.TrimSpace(out)
	data, err := os.ReadFile(orig)
	switch {
	case errors.Is(err, os.ErrNotExist): // a repository with nothing staged yet
	case err != nil:
		cleanup()
		return "", nil, fmt.Errorf("gitx: reading the index: %w", err)
	default:
		err := os.WriteFile(index, data, 0o600)
		// The copy keeps the index's modification time: git re-reads a
		// file whose timestamp is not older than the index's ("racily
		// clean"), since an edit made in the same clock tick as the
		// checkout keeps the stat data the index holds. A copy made later
		// would make git trust that stat data and miss such an edit.
		var st os.FileInfo
		if err == nil {
			st, err = os.Stat(orig)
		}
		if err == nil {
			err = os.Chtimes(index, st.ModTime(), st.ModTime())
		}
		if err != nil {
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

// parseBinaryNumstat reads "git diff --numstat -z" output, an entry per
// file: added and deleted line counts ("-" for a binary file), a tab, and
// the NUL-terminated path. It returns the binary paths.
func parseBinaryNumstat(out string) (map[string]bool, error) {
	binary := map[string]bool{}
	for entry := range strings.SplitSeq(strings.TrimSuffix(out, "\x00"), "\x00") {
		if entry == "" {
			continue
		}
		added, rest, ok1 := strings.Cut(entry, "\t")
		deleted, path, ok2 := strings.Cut(rest, "\t")
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("gitx: unexpected numstat entry %q", entry)
		}
		if added == "-" && deleted == "-" {
			binary[path] = true
		}
	}
	return binary, nil
}
