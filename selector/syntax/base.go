package syntax

import (
	"bytes"
	"context"
	"io/fs"
	"sync"
)

// Base is the tree of original files that patches apply to: an [fs.FS]
// that reads each file once and keeps what [Apply], [Check] and
// [Normalize] learn by parsing it, so that a file is parsed once however
// many patches change it. Pass the same Base for every candidate of a
// selection; a plain fs.FS works the same, read and parsed anew by every
// call.
//
// A Base keeps the files it read and their syntax for as long as it is
// referenced. It is safe for concurrent use if the fs.FS it reads is.
type Base struct {
	fsys  fs.FS
	mu    sync.Mutex
	files map[string]*baseFile
}

// baseFile is one file of a Base: its contents, read once, and its
// syntax under each set of rules asked for.
type baseFile struct {
	mu    sync.Mutex
	read  bool
	data  []byte
	err   error
	trees map[treeKey]*fileTree
}

type treeKey struct {
	r       *rules
	keepDoc bool
}

// NewBase returns a Base reading fsys, or fsys itself if it is one.
func NewBase(fsys fs.FS) *Base {
	if b, ok := fsys.(*Base); ok {
		return b
	}
	return &Base{fsys: fsys, files: map[string]*baseFile{}}
}

// Open opens the named file of the underlying fs.FS.
func (b *Base) Open(name string) (fs.File, error) { return b.fsys.Open(name) }

// Stat returns a FileInfo describing the named file.
func (b *Base) Stat(name string) (fs.FileInfo, error) { return fs.Stat(b.fsys, name) }

// ReadFile returns a copy of the named file's contents, read from the
// underlying fs.FS the first time only.
func (b *Base) ReadFile(name string) ([]byte, error) {
	f := b.file(name)
	f.mu.Lock()
	defer f.mu.Unlock()
	data, err := f.contents(b.fsys, name)
	return bytes.Clone(data), err
}

func (b *Base) file(name string) *baseFile {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, ok := b.files[name]
	if !ok {
		f = &baseFile{}
		b.files[name] = f
	}
	return f
}

// contents reads the file once; the caller holds f.mu.
func (f *baseFile) contents(fsys fs.FS, name string) ([]byte, error) {
	if !f.read {
		f.data, f.err = fs.ReadFile(fsys, name)
		f.read = true
	}
	return f.data, f.err
}

// tree returns the syntax of the named file under r, parsed the first
// time only. A parse stopped by ctx is not kept.
func (b *Base) tree(ctx context.Context, name string, r *rules, keepDoc bool) (*fileTree, error) {
	f := b.file(name)
	f.mu.Lock()
	defer f.mu.Unlock()
	data, err := f.contents(b.fsys, name)
	if err != nil {
		return nil, err
	}
	k := treeKey{r, keepDoc}
	if t, ok := f.trees[k]; ok {
		return t, nil
	}
	t, err := r.analyze(ctx, data, keepDoc)
	if err != nil {
		return nil, err
	}
	if f.trees == nil {
		f.trees = map[treeKey]*fileTree{}
	}
	f.trees[k] = t
	return t, nil
}

// trees returns the syntax of a changed file before and after the patch:
// before from the base's cache, when the change came from a Base, and
// after by parsing only what the patch changed, when that reads the same
// as the whole file would. With errorsOnly, new may hold only its syntax
// errors.
func (a *Applied) trees(ctx context.Context, ch *Change, r *rules, keepDoc, errorsOnly bool) (old, new *fileTree, err error) {
	switch {
	case ch.Old != nil && a.base != nil:
		old, err = a.base.tree(ctx, ch.OldPath, r, keepDoc)
	default:
		old, err = r.analyze(ctx, ch.Old, keepDoc)
	}
	if err != nil {
		return nil, nil, err
	}
	new, err = r.patched(ctx, old, ch.Old, ch.New, keepDoc, errorsOnly)
	return old, new, err
}
