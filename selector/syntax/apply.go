package syntax

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// Conditions callers branch on with [errors.Is].
var (
	// ErrMalformedPatch is a patch that is not a unified or git diff.
	ErrMalformedPatch = errors.New("syntax: malformed patch")
	// ErrEmptyPatch is a patch that changes no file.
	ErrEmptyPatch = errors.New("syntax: patch changes no file")
	// ErrDoesNotApply is a patch that does not apply to the base files; an
	// [*ApplyError] says where.
	ErrDoesNotApply = errors.New("syntax: patch does not apply")
)

// ApplyError says where a patch failed to apply. It unwraps to
// [ErrDoesNotApply] and to its cause (such as [fs.ErrNotExist]).
type ApplyError struct {
	Path   string // the file, as the patch names it
	Hunk   int    // the hunk's number in the file's diff, from 1; 0 when no hunk is at fault
	Header string // the hunk's header ("@@ -12,7 +12,8 @@"), when Hunk is set
	Line   int    // the line of the base file where it failed, from 1; 0 when unknown
	Err    error
}

func (e *ApplyError) Error() string {
	msg := "syntax: patch does not apply to " + e.Path
	if e.Hunk > 0 {
		msg += fmt.Sprintf(", hunk %d (%s)", e.Hunk, e.Header)
	}
	if e.Line > 0 {
		msg += fmt.Sprintf(" at line %d", e.Line)
	}
	return msg + ": " + e.Err.Error()
}

func (e *ApplyError) Unwrap() []error { return []error{ErrDoesNotApply, e.Err} }

// Op is what a patch does to a file. It encodes as text, such as
// "modify".
type Op uint8

const (
	OpModify Op = iota
	OpCreate
	OpDelete
	OpRename // a rename, with or without changes
	OpCopy   // a copy, with or without changes; the source stays
)

var opNames = []string{OpModify: "modify", OpCreate: "create", OpDelete: "delete", OpRename: "rename", OpCopy: "copy"}

func (o Op) String() string { return nameOf(opNames, o) }

// MarshalText encodes o as its name.
func (o Op) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText decodes a name written by MarshalText.
func (o *Op) UnmarshalText(text []byte) error { return parseName(opNames, "Op", text, o) }

// Change is one file a patch changes, before and after.
type Change struct {
	Op      Op
	OldPath string // the path before; "" when the patch creates the file
	NewPath string // the path after; "" when the patch deletes the file
	Old     []byte // the content before; nil when created
	New     []byte // the content after; nil when deleted
	OldMode fs.FileMode
	NewMode fs.FileMode // 0 when the patch does not give modes
	// Binary reports a binary file; its New content is the result of the
	// patch's binary data.
	Binary bool
}

// Path returns the path after the patch, or before it for a deletion.
func (c *Change) Path() string {
	if c.NewPath != "" {
		return c.NewPath
	}
	return c.OldPath
}

// Applied is a patch applied to a base tree: the files it changes, in the
// patch's order.
type Applied struct {
	Changes []Change

	base *Base // the tree the patch applied to, whose syntax Check reuses
}

// Apply parses a unified git diff and applies it to the files of base,
// strictly: each hunk must match its context at the line its header names
// (git apply would also look a few lines away). It creates, deletes,
// renames and copies files and changes modes; binary patches apply when
// they carry their data (git diff --binary). Apply is pure: it reads base
// and returns new contents, never writing anything, so a patch that fails
// leaves nothing behind.
//
// Errors: [ErrMalformedPatch] (a hunk with more lines than its header
// counts included, which the parser alone would skip), [ErrEmptyPatch], or
// an [*ApplyError] (unwrapping to [ErrDoesNotApply]) naming the file and
// hunk that failed. A file may be changed by only one diff of the patch,
// as git diff writes them; a patch that changes one twice is malformed.
// When ctx is done Apply returns its cause. Apply is safe for concurrent
// use if base is.
func Apply(ctx context.Context, base fs.FS, patch string) (*Applied, error) {
	files, err := parsePatch(patch)
	if err != nil {
		return nil, err
	}
	return applyFiles(ctx, NewBase(base), files)
}

func applyFiles(ctx context.Context, base *Base, files []*gitdiff.File) (*Applied, error) {
	a := &Applied{Changes: make([]Change, 0, len(files)), base: base}
	for _, f := range files {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		ch, err := applyFile(base, f)
		if err != nil {
			return nil, err
		}
		a.Changes = append(a.Changes, ch)
	}
	return a, nil
}

// parsePatch parses a patch into its file diffs.
func parsePatch(patch string) ([]*gitdiff.File, error) {
	files, _, err := gitdiff.Parse(strings.NewReader(patch))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedPatch, err)
	}
	if len(files) == 0 {
		return nil, ErrEmptyPatch
	}
	if err := checkHunks(patch, files); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, f := range files {
		for _, p := range []string{f.OldName, f.NewName} {
			if p != "" && !fs.ValidPath(p) {
				return nil, fmt.Errorf("%w: path %q is not a clean relative path", ErrMalformedPatch, p)
			}
		}
		// Each path may be changed once; a copy's source is only read.
		paths := []string{f.NewName}
		if !f.IsCopy && f.OldName != f.NewName {
			paths = append(paths, f.OldName)
		}
		for _, p := range paths {
			if p == "" {
				continue
			}
			if seen[p] {
				return nil, fmt.Errorf("%w: %s is changed by two diffs of the patch; merge them into one", ErrMalformedPatch, p)
			}
			seen[p] = true
		}
	}
	return files, nil
}

// gitMode converts a mode as git writes it (0100755) to an fs.FileMode.
func gitMode(m fs.FileMode) fs.FileMode {
	perm := m & 0o777
	switch uint32(m) & 0o170000 {
	case 0o120000:
		return perm | fs.ModeSymlink
	case 0o040000, 0o160000: // a directory or a submodule
		return perm | fs.ModeDir
	}
	return perm
}

// checkHunks finds what the diff parser skips without a word: lines of
// hunk content past the count a hunk header gives, and the hunks after
// them. git apply calls such a patch corrupt; so does Apply.
func checkHunks(patch string, files []*gitdiff.File) error {
	parsed := 0
	for _, f := range files {
		parsed += len(f.TextFragments)
	}
	lines := strings.Split(patch, "\n")
	headers := 0
	for i := 0; i < len(lines); i++ {
		if lines[i] == "-- " { // a mail signature ends the patch
			break
		}
		oldN, newN, ok := hunkCounts(lines[i])
		if !ok {
			continue
		}
		headers++
		header := lines[i]
	hunk:
		for (oldN > 0 || newN > 0) && i+1 < len(lines) {
			i++
			switch l := lines[i]; {
			case l == "" || l[0] == ' ':
				oldN, newN = oldN-1, newN-1
			case l[0] == '-':
				oldN--
			case l[0] == '+':
				newN--
			case l[0] != '\\':
				break hunk
			}
		}
		for ; i+1 < len(lines); i++ {
			l := lines[i+1]
			if l == "" || l[0] == '\\' {
				continue
			}
			if strings.HasPrefix(l, "@@ -") || strings.HasPrefix(l, "diff ") || l == "-- " ||
				strings.HasPrefix(l, "--- ") && i+2 < len(lines) && strings.HasPrefix(lines[i+2], "+++ ") {
				break
			}
			if strings.ContainsRune("+- ", rune(l[0])) {
				return fmt.Errorf("%w: line %d follows hunk %q but is not counted by it; fix the hunk header's line counts", ErrMalformedPatch, i+2, header)
			}
		}
	}
	if headers != parsed {
		return fmt.Errorf("%w: %d hunk headers but %d hunks could be read", ErrMalformedPatch, headers, parsed)
	}
	return nil
}

// hunkCounts parses a hunk header's old and new line counts.
func hunkCounts(line string) (oldN, newN int, ok bool) {
	rest, found := strings.CutPrefix(line, "@@ -")
	if !found {
		return 0, 0, false
	}
	ranges, _, found := strings.Cut(rest, " @@")
	old, new, found2 := strings.Cut(ranges, " +")
	if !found || !found2 {
		return 0, 0, false
	}
	count := func(r string) (int, bool) {
		_, n, has := strings.Cut(r, ",")
		if !has {
			return 1, true
		}
		v, err := strconv.Atoi(n)
		return v, err == nil
	}
	oldN, ok1 := count(old)
	newN, ok2 := count(new)
	return oldN, newN, ok1 && ok2
}

func opOf(f *gitdiff.File) Op {
	switch {
	case f.IsNew:
		return OpCreate
	case f.IsDelete:
		return OpDelete
	case f.IsCopy:
		return OpCopy
	case f.IsRename:
		return OpRename
	}
	return OpModify
}

func applyFile(base *Base, f *gitdiff.File) (Change, error) {
	ch := Change{Op: opOf(f), OldPath: f.OldName, NewPath: f.NewName, OldMode: gitMode(f.OldMode), NewMode: gitMode(f.NewMode), Binary: f.IsBinary}
	if ch.Op == OpCreate {
		ch.OldPath = ""
		if _, err := fs.Stat(base, f.NewName); err == nil {
			return ch, &ApplyError{Path: f.NewName, Err: fs.ErrExist}
		}
	} else {
		old, err := fs.ReadFile(base, f.OldName)
		if err != nil {
			return ch, &ApplyError{Path: f.OldName, Err: err}
		}
		ch.Old = old
	}
	if ch.Op == OpDelete {
		ch.NewPath = ""
	}
	if f.IsBinary && f.BinaryFragment == nil {
		return ch, &ApplyError{Path: ch.Path(), Err: errors.New("binary patch without data; make it with git diff --binary")}
	}
	var out bytes.Buffer
	src := bytes.NewReader(ch.Old)
	if f.IsBinary {
		if err := gitdiff.Apply(&out, src, f); err != nil {
			return ch, &ApplyError{Path: ch.Path(), Err: err}
		}
	} else {
		// Hunks apply in file order; errors name them in patch order.
		order := make([]int, len(f.TextFragments))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(i, j int) int {
			return int(f.TextFragments[i].OldPosition - f.TextFragments[j].OldPosition)
		})
		ap := gitdiff.NewTextApplier(&out, src)
		for _, i := range order {
			frag := f.TextFragments[i]
			if err := ap.ApplyFragment(frag); err != nil {
				e := &ApplyError{Path: ch.Path(), Hunk: i + 1, Header: frag.Header(), Err: err}
				var ae *gitdiff.ApplyError
				if errors.As(err, &ae) {
					e.Line, e.Err = int(ae.Line), ae.Unwrap()
				}
				return ch, e
			}
		}
		if err := ap.Close(); err != nil {
			return ch, &ApplyError{Path: ch.Path(), Err: err}
		}
	}
	switch {
	case ch.Op == OpDelete && out.Len() > 0:
		return ch, &ApplyError{Path: ch.Path(), Err: errors.New("the file is deleted but the patch leaves content in it")}
	case ch.Op != OpDelete:
		ch.New = out.Bytes()
		if ch.New == nil {
			ch.New = []byte{}
		}
	}
	return ch, nil
}
