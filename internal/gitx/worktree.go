package gitx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// markerHeader starts every marker file, so that a sweep never takes a
// file of someone else's for one of ours.
const markerHeader = "conclave worktree marker\n"

// closeTimeout bounds the git commands that remove a worktree: Close runs
// after its caller's context may have been cancelled, so it has its own.
const closeTimeout = time.Minute

// ErrPatchDoesNotApply is wrapped by the error of [Worktree.Apply] when
// git refuses the patch.
var ErrPatchDoesNotApply = errors.New("the patch does not apply")

// WorktreeOptions configure [AddWorktree]. A nil *WorktreeOptions means
// the defaults.
type WorktreeOptions struct {
	// Dir is the directory that holds the worktrees and their markers,
	// made if missing; "" means [DefaultWorktreeDir]. Worktrees of several
	// repositories may share it.
	Dir string
	// Label names the worktree's directory for whoever reads it
	// ("coder-1"); letters, digits, '-' and '_' are kept, the rest become
	// '-'. "" means "worktree".
	Label string
}

// DefaultWorktreeDir returns the directory worktrees go to by default:
// conclave-worktrees in the system's temporary directory.
func DefaultWorktreeDir() string { return filepath.Join(os.TempDir(), "conclave-worktrees") }

// Worktree is a checkout of one commit of a repository, detached, in a
// directory of its own. Close removes it.
type Worktree struct {
	// Dir is the checkout's directory, an absolute path.
	Dir string
	// Base is the full id of the commit checked out.
	Base string
	// Repo is the top directory of the repository it was made from.
	Repo string

	common string   // the repository's common git directory
	marker *os.File // the marker, locked while the worktree lives
	once   sync.Once
	err    error
}

// AddWorktree checks out base (a commit, branch or tag of the repository
// at repo) into a new worktree under opts.Dir. It first sweeps that
// directory of the worktrees of dead processes (see [SweepWorktrees]).
// The worktree is detached at the commit and the repository's hooks do
// not run. The caller must Close it, typically with defer.
func AddWorktree(ctx context.Context, repo, base string, opts *WorktreeOptions) (*Worktree, error) {
	var o WorktreeOptions
	if opts != nil {
		o = *opts
	}
	if o.Dir == "" {
		o.Dir = DefaultWorktreeDir()
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("gitx: worktree directory %q: %w", o.Dir, err)
	}
	if base == "" || strings.HasPrefix(base, "-") {
		return nil, fmt.Errorf("gitx: base %q is not a revision; give a commit, branch or tag", base)
	}
	if _, err := os.Stat(repo); err != nil {
		return nil, fmt.Errorf("gitx: repository: %w", err)
	}
	out, err := Git(ctx, repo, "rev-parse", "--path-format=absolute", "--show-toplevel", "--git-common-dir", base+"^{commit}")
	if err != nil {
		if context.Cause(ctx) != nil {
			return nil, err
		}
		if _, err := Git(ctx, repo, "rev-parse", "--show-toplevel"); err != nil {
			return nil, fmt.Errorf("gitx: %s is not in a git working tree: give a repository with a checkout", repo)
		}
		return nil, fmt.Errorf("gitx: base %q is not a commit of %s: %w", base, repo, err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		return nil, fmt.Errorf("gitx: unexpected rev-parse output %q", out)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("gitx: worktree directory: %w", err)
	}
	if _, err := SweepWorktrees(ctx, dir); err != nil {
		return nil, err
	}
	marker, err := os.CreateTemp(dir, label(o.Label)+"-*.lock")
	if err != nil {
		return nil, fmt.Errorf("gitx: worktree marker: %w", err)
	}
	w := &Worktree{
		Dir:    strings.TrimSuffix(marker.Name(), ".lock"),
		Base:   lines[2],
		Repo:   lines[0],
		common: lines[1],
		marker: marker,
	}
	if err := lockFile(marker); err != nil {
		marker.Close()
		os.Remove(marker.Name())
		return nil, fmt.Errorf("gitx: locking the worktree marker: %w", err)
	}
	if _, err := fmt.Fprintf(marker, "%srepo %s\npid %d\n", markerHeader, w.common, os.Getpid()); err != nil {
		w.Close()
		return nil, fmt.Errorf("gitx: writing the worktree marker: %w", err)
	}
	if _, err := Git(ctx, w.Repo, "-c", "core.hooksPath="+os.DevNull, "worktree", "add", "--quiet", "--detach", w.Dir, w.Base); err != nil {
		return nil, errors.Join(err, w.Close())
	}
	return w, nil
}

// label makes s fit a file name.
func label(s string) string {
	if s == "" {
		return "worktree"
	}
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	return string(b[:min(len(b), 64)])
}

// Patch returns the worktree's change against its base, as [Diff] does,
// leaving out the files keep refuses (listed in [Patch.Omitted]); a nil
// keep keeps all.
func (w *Worktree) Patch(ctx context.Context, keep func(File) bool) (*Patch, error) {
	return diff(ctx, w.Dir, w.Base, keep)
}

// Apply applies patch, a unified git diff against the base (binary
// patches included), to the worktree's files. A patch git refuses is an
// error wrapping [ErrPatchDoesNotApply] with git's reason; the worktree is
// then as before, since git applies all of a patch or nothing.
func (w *Worktree) Apply(ctx context.Context, patch string) error {
	if strings.TrimSpace(patch) == "" {
		return nil
	}
	_, err := gitCmd{dir: w.Dir, stdin: patch}.run(ctx, "apply", "--whitespace=nowarn", "-")
	if err != nil {
		if context.Cause(ctx) != nil {
			return err
		}
		msg := strings.TrimPrefix(err.Error(), "gitx: git apply --whitespace=nowarn - in "+w.Dir+": ")
		return fmt.Errorf("gitx: %w: %s", ErrPatchDoesNotApply, msg)
	}
	return nil
}

// Close removes the worktree: its files, its entry in the repository and
// its marker. It runs even when the caller's context is done, with its own
// time limit, and returns the same result when called again.
func (w *Worktree) Close() error {
	w.once.Do(func() { w.err = w.remove() })
	return w.err
}

func (w *Worktree) remove() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	var errs []error
	if _, err := os.Stat(w.Dir); err == nil {
		if _, err := Git(ctx, w.Repo, "worktree", "remove", "--force", "--force", w.Dir); err != nil {
			// The entry or the files may be half gone: remove what is left.
			errs = append(errs, removeAll(w.Dir))
			_, err := gitCmd{env: []string{"GIT_DIR=" + w.common}}.run(ctx, "worktree", "prune")
			errs = append(errs, err)
		}
	}
	errs = append(errs, w.marker.Close(), os.Remove(w.marker.Name()))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("gitx: removing worktree %s: %w", w.Dir, err)
	}
	return nil
}

// SweepWorktrees removes the worktrees under dir whose owner has died
// without closing them: those whose marker is no longer locked. It
// removes each one's files and marker, then prunes the repository's
// entries of worktrees whose files are gone ("git worktree prune"). Files
// in dir that are not Conclave's markers and their worktrees are left
// alone. It returns the directories it removed.
func SweepWorktrees(ctx context.Context, dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("gitx: sweeping worktrees: %w", err)
	}
	var removed []string
	prune := map[string]bool{}
	var errs []error
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".lock")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		common, stale := staleMarker(path)
		if !stale {
			continue
		}
		tree := filepath.Join(dir, name)
		if err := removeAll(tree); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		removed = append(removed, tree)
		prune[common] = true
	}
	for common := range prune {
		if _, err := os.Stat(common); err != nil {
			continue // the repository itself is gone
		}
		if _, err := (gitCmd{env: []string{"GIT_DIR=" + common}}).run(ctx, "worktree", "prune"); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("gitx: sweeping worktrees in %s: %w", dir, err)
	}
	return removed, nil
}

// staleMarker reports whether the file at path is a marker of ours that
// no live process holds, and the repository it names.
func staleMarker(path string) (common string, stale bool) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return "", false
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, _ := f.Read(buf)
	text, ok := strings.CutPrefix(string(buf[:n]), markerHeader)
	if !ok {
		return "", false
	}
	if !tryLockFile(f) {
		return "", false
	}
	for line := range strings.Lines(text) {
		if r, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "repo "); ok && filepath.IsAbs(r) {
			common = r
		}
	}
	return common, common != ""
}

// removeAll removes dir, making read-only directories writable first
// (a Go module cache inside a worktree is read-only).
func removeAll(dir string) error {
	err := os.RemoveAll(dir)
	if err == nil {
		return nil
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}
