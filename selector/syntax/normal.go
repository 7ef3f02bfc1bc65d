package syntax

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// Options configure normalisation. A nil *Options means the defaults.
type Options struct {
	// KeepDocstrings makes Python docstrings count. By default they go,
	// like comments.
	KeepDocstrings bool
	// Ignore reports the files to leave out of the comparison, given
	// their path and [Classify]'s kind. Nil leaves out scratch scripts.
	Ignore func(path string, kind FileKind) bool

	tokenizer tokenizer
}

// tokenizer chooses how patch-only mode reads a hunk's text; the default
// is the one the package uses, the others are for measurements.
type tokenizer uint8

const (
	tokenizeAuto  tokenizer = iota // tree-sitter when the text parses cleanly, else the plain lexer
	tokenizeTree                   // tree-sitter's leaves, parse errors or not
	tokenizePlain                  // the plain lexer
)

func (o *Options) ignore(path string, kind FileKind) bool {
	if o == nil || o.Ignore == nil {
		return kind == FileScratch
	}
	return o.Ignore(path, kind)
}

func (o *Options) keepDoc() bool { return o != nil && o.KeepDocstrings }

// Mode is how a patch was normalised. It encodes as text, such as
// "full-file".
type Mode uint8

const (
	// ModePatchOnly compares the hunks' removed and added code as token
	// streams, without the original files.
	ModePatchOnly Mode = iota
	// ModeFullFile applies the patch and compares the changed files' syntax
	// trees.
	ModeFullFile
)

var modeNames = []string{ModePatchOnly: "patch-only", ModeFullFile: "full-file"}

func (m Mode) String() string { return nameOf(modeNames, m) }

// MarshalText encodes m as its name.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText decodes a name written by MarshalText.
func (m *Mode) UnmarshalText(text []byte) error { return parseName(modeNames, "Mode", text, m) }

// Key identifies a patch up to the normalisation rules: equivalent
// patches have the same key. Compare keys made in the same [Mode] with the
// same [Options]; keys of different modes never match. The zero Key
// stands for a patch with no change left to compare and matches nothing.
type Key string

// Normal is a patch's normalised form: the evidence behind its [Key]. It
// encodes as JSON.
type Normal struct {
	Mode    Mode         `json:"mode"`
	Files   []NormalFile `json:"files"`             // the files that count, by path
	Ignored []Ignored    `json:"ignored,omitempty"` // the files that do not, by path
	Key     Key          `json:"key"`
}

// NormalFile is one file's part of a [Normal].
type NormalFile struct {
	Op      Op       `json:"op"`
	Path    string   `json:"path"`               // the path after the patch; before it, for a deletion
	OldPath string   `json:"old_path,omitempty"` // the path before a rename or copy
	Kind    FileKind `json:"kind"`
	// Lang is the grammar the file was read with, or "" for text compared
	// line by line with white space collapsed.
	Lang     string      `json:"lang,omitempty"`
	FileMode fs.FileMode `json:"file_mode,omitempty"` // the mode the patch sets, when it sets one
	Binary   bool        `json:"binary,omitempty"`
	// Edits are the token-level changes, in file order. In patch-only mode
	// they are what the key is made of; in full-file mode the key is made
	// of the whole syntax tree and Edits only show the difference.
	Edits []Edit `json:"edits,omitempty"`

	sum []byte
}

// Ignored is a changed file that does not count, and why.
type Ignored struct {
	Path   string `json:"path"`
	Reason string `json:"reason"` // "scratch file", "no change after normalisation", …
}

// Normalize returns the normalised form and key of a unified git diff.
//
// With base (the original files) it works in [ModeFullFile] mode: it applies
// the patch and parses each changed file before and after; a file whose
// tree does not change (a comment-only edit) does not count, and the key
// is made of the paths and the trees after the patch. With a nil base it
// works in [ModePatchOnly] mode: each hunk's old and new text is tokenised
// (tree-sitter when the fragment parses, else a plain lexer; see the
// package documentation) and the token-level edits, anchored at lines of
// the original file, make the key. Either way comments and layout do not
// count, literals are respelled, files the options ignore are left out,
// and files are taken in path order.
//
// Errors: those of [Apply] (in full-file mode), [ErrMalformedPatch],
// [ErrEmptyPatch], and the context's cause when it is done, which also
// stops a parse in progress. Normalize is deterministic and safe for
// concurrent use if base is.
func Normalize(ctx context.Context, base fs.FS, patch string, opts *Options) (*Normal, error) {
	files, err := parsePatch(patch)
	if err != nil {
		return nil, err
	}
	n := &Normal{Mode: ModePatchOnly}
	if base != nil {
		n.Mode = ModeFullFile
		a, err := applyFiles(ctx, NewBase(base), files)
		if err != nil {
			return nil, err
		}
		for i := range a.Changes {
			if ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			if err := n.addChange(ctx, a, &a.Changes[i], opts); err != nil {
				return nil, err
			}
		}
	} else {
		for _, f := range files {
			if ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			if err := n.addDiff(ctx, f, opts); err != nil {
				return nil, err
			}
		}
	}
	slices.SortStableFunc(n.Files, func(a, b NormalFile) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.OldPath, b.OldPath))
	})
	slices.SortStableFunc(n.Ignored, func(a, b Ignored) int { return strings.Compare(a.Path, b.Path) })
	if len(n.Files) > 0 {
		h := sha256.New()
		writeField(h, n.Mode.String())
		for _, f := range n.Files {
			writeField(h, f.Op.String(), f.Path, f.OldPath, f.FileMode.String(), string(f.sum))
		}
		n.Key = Key(hex.EncodeToString(h.Sum(nil)[:16]))
	}
	return n, nil
}

// start classifies a changed file and reports whether it counts.
func (n *Normal) start(op Op, oldPath, newPath string, oldMode, newMode fs.FileMode, opts *Options) (NormalFile, bool) {
	f := NormalFile{Op: op, Path: newPath}
	switch op {
	case OpDelete:
		f.Path = oldPath
	case OpRename, OpCopy:
		f.OldPath = oldPath
	}
	if newMode != 0 && (newMode != oldMode || op == OpCreate) {
		f.FileMode = newMode
	}
	f.Kind = Classify(f.Path, op == OpCreate || op == OpCopy)
	if opts.ignore(f.Path, f.Kind) {
		n.Ignored = append(n.Ignored, Ignored{Path: f.Path, Reason: f.Kind.String() + " file"})
		return f, false
	}
	if r := rulesFor(f.Path); r != nil && !f.Binary {
		f.Lang = r.lang.Name
	}
	return f, true
}

// finish adds f unless the patch leaves it as it was.
func (n *Normal) finish(f NormalFile, unchanged bool) {
	if unchanged && f.Op == OpModify && f.FileMode == 0 {
		n.Ignored = append(n.Ignored, Ignored{Path: f.Path, Reason: "no change after normalisation"})
		return
	}
	n.Files = append(n.Files, f)
}

func (n *Normal) addChange(ctx context.Context, a *Applied, ch *Change, opts *Options) error {
	f, ok := n.start(ch.Op, ch.OldPath, ch.NewPath, ch.OldMode, ch.NewMode, opts)
	if !ok {
		return nil
	}
	h := sha256.New()
	switch {
	case ch.Op == OpDelete:
		f.Lang = ""
		n.finish(f, false)
		return nil
	case ch.Binary:
		f.Binary, f.Lang = true, ""
		h.Write(ch.New)
		f.sum = h.Sum(nil)
		n.finish(f, bytes.Equal(ch.Old, ch.New))
		return nil
	}
	r := rulesFor(f.Path, ch.Old, ch.New)
	if r != nil {
		f.Lang = r.lang.Name
	}
	if r == nil {
		before, after := textToks(string(ch.Old)), textToks(string(ch.New))
		for _, t := range after {
			writeField(h, t.s)
		}
		f.sum = h.Sum(nil)
		f.Edits = edits(before, after, 1, 0)
		n.finish(f, len(f.Edits) == 0)
		return nil
	}
	keep := opts.keepDoc()
	old, new, err := a.trees(ctx, ch, r, keep, false)
	if err != nil {
		return err
	}
	f.sum = new.sum
	f.Edits = edits(old.streamOf(r, ch.Old, keep), new.streamOf(r, ch.New, keep), 1, 0)
	n.finish(f, bytes.Equal(old.sum, new.sum))
	return nil
}

func (n *Normal) addDiff(ctx context.Context, d *gitdiff.File, opts *Options) error {
	f, ok := n.start(opOf(d), d.OldName, d.NewName, gitMode(d.OldMode), gitMode(d.NewMode), opts)
	if !ok {
		return nil
	}
	h := sha256.New()
	switch {
	case f.Op == OpDelete:
		f.Lang = ""
		n.finish(f, false)
		return nil
	case d.IsBinary:
		f.Binary, f.Lang = true, ""
		if d.BinaryFragment != nil {
			writeField(h, fmt.Sprint(d.BinaryFragment.Method))
			if _, err := io.Copy(h, io.LimitReader(d.BinaryFragment.Data(), d.BinaryFragment.Size+1)); err != nil {
				h.Write(d.BinaryFragment.RawData)
			}
		} else {
			writeField(h, "index", d.NewOIDPrefix)
		}
		f.sum = h.Sum(nil)
		n.finish(f, false)
		return nil
	}
	var texts [][]byte
	for _, frag := range d.TextFragments {
		for _, line := range frag.Lines {
			texts = append(texts, []byte(line.Line))
		}
	}
	r := rulesFor(f.Path, bytes.Join(texts, nil))
	if r != nil {
		f.Lang = r.lang.Name
	}
	var tz tokenizer
	if opts != nil {
		tz = opts.tokenizer
	}
	for _, frag := range d.TextFragments {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		var before, after strings.Builder
		for _, l := range frag.Lines {
			if l.Old() {
				before.WriteString(l.Line)
			}
			if l.New() {
				after.WriteString(l.Line)
			}
		}
		var a, b []tok
		if r == nil {
			a, b = textToks(before.String()), textToks(after.String())
		} else {
			var err error
			if a, b, err = r.hunk(ctx, before.String(), after.String(), opts.keepDoc(), tz); err != nil {
				return err
			}
		}
		f.Edits = append(f.Edits, edits(a, b, int(frag.OldPosition), max(int(frag.OldPosition)-1, 0))...)
	}
	slices.SortStableFunc(f.Edits, func(a, b Edit) int { return cmp.Or(a.Line-b.Line, a.Token-b.Token) })
	for _, e := range f.Edits {
		writeField(h, fmt.Sprint(e.Line, e.Token))
		writeField(h, e.Del...)
		writeField(h, e.Ins...)
	}
	f.sum = h.Sum(nil)
	n.finish(f, len(f.Edits) == 0)
	return nil
}

// writeField writes strings to h, each prefixed by its length, so that
// distinct lists never write the same bytes.
func writeField(h hash.Hash, ss ...string) {
	var buf [binary.MaxVarintLen64]byte
	h.Write(buf[:binary.PutUvarint(buf[:], uint64(len(ss)))])
	for _, s := range ss {
		h.Write(buf[:binary.PutUvarint(buf[:], uint64(len(s)))])
		io.WriteString(h, s)
	}
}

// String renders the normal form for reading: one line per file, then
// its edits, tokens separated by spaces.
func (n *Normal) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s key %s\n", n.Mode, cmp.Or(string(n.Key), "(none)"))
	for _, f := range n.Files {
		b.WriteString(f.Op.String() + " " + f.Path)
		if f.OldPath != "" {
			b.WriteString(" from " + f.OldPath)
		}
		fmt.Fprintf(&b, " (%s", f.Kind)
		if f.Lang != "" {
			b.WriteString(", " + f.Lang)
		}
		if f.Binary {
			b.WriteString(", binary")
		}
		if f.FileMode != 0 {
			fmt.Fprintf(&b, ", mode %o", uint32(f.FileMode.Perm())|modeType(f.FileMode))
		}
		b.WriteString(")\n")
		for _, e := range f.Edits {
			fmt.Fprintf(&b, "  @%d:%d\n", e.Line, e.Token)
			if len(e.Del) > 0 {
				b.WriteString("  - " + strings.Join(e.Del, " ") + "\n")
			}
			if len(e.Ins) > 0 {
				b.WriteString("  + " + strings.Join(e.Ins, " ") + "\n")
			}
		}
	}
	for _, ig := range n.Ignored {
		fmt.Fprintf(&b, "ignored %s: %s\n", ig.Path, ig.Reason)
	}
	return b.String()
}

// modeType returns the git object type bits of a mode (0100000 for a file,
// 0120000 for a symlink), so modes print as git writes them.
func modeType(m fs.FileMode) uint32 {
	switch {
	case m&fs.ModeSymlink != 0:
		return 0o120000
	case m.IsDir():
		return 0o040000
	}
	return 0o100000
}

// Cluster groups the indices of keys by equal key: the biggest group
// first, groups of the same size in order of their first index, indices
// in increasing order within a group. Each zero key is a group of its
// own. Deterministic; the keys are not modified.
func Cluster(keys []Key) [][]int {
	var groups [][]int
	at := map[Key]int{}
	for i, k := range keys {
		if g, ok := at[k]; ok && k != "" {
			groups[g] = append(groups[g], i)
			continue
		}
		at[k] = len(groups)
		groups = append(groups, []int{i})
	}
	slices.SortStableFunc(groups, func(a, b []int) int { return len(b) - len(a) })
	return groups
}
