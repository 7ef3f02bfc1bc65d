package edit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// file is a text file loaded for an edit.
type file struct {
	rel  string // its path relative to the root, as Resolve gave it
	data []byte // its bytes
	body int    // where the text starts: after a UTF-8 byte order mark, if any
	eol  eol
	info fs.FileInfo // as it was read, to tell whether it changed before the write
}

func (f *file) text() []byte { return f.data[f.body:] }

// open opens the file at rel in the workspace for reading and returns it
// with what fstat says of it. It never blocks: a named pipe swapped in
// after a check opens at once and shows as what it is.
func (ed *Editor) open(rel string) (*os.File, fs.FileInfo, error) {
	f, err := ed.ws.FS().OpenFile(rel, os.O_RDONLY|nonblock, 0)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

// read returns the content of the regular file at rel, refusing
// directories, special files and files over the size limit.
func (ed *Editor) read(rel, shown string) ([]byte, fs.FileInfo, error) {
	f, info, err := ed.open(rel)
	if err != nil {
		return nil, nil, fsError(err, shown)
	}
	defer f.Close()
	switch {
	case info.IsDir():
		return nil, nil, fmt.Errorf("%s is a directory; only view works on directories", shown)
	case !info.Mode().IsRegular():
		return nil, nil, fmt.Errorf("%s is not a regular file (mode %s)", shown, info.Mode())
	case info.Size() > ed.opts.MaxFileSize:
		return nil, nil, tooLarge(shown, fmt.Sprintf("is %d bytes", info.Size()), ed.opts.MaxFileSize)
	}
	// Sized by fstat, with a byte to spare to see the end (or growth).
	data := make([]byte, 0, info.Size()+1)
	for {
		if len(data) == cap(data) {
			if int64(len(data)) > ed.opts.MaxFileSize {
				return nil, nil, tooLarge(shown, "grew while being read", ed.opts.MaxFileSize)
			}
			data = slices.Grow(data, 64<<10)
		}
		k, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+k]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fsError(err, shown)
		}
	}
	if int64(len(data)) > ed.opts.MaxFileSize {
		return nil, nil, tooLarge(shown, "grew while being read", ed.opts.MaxFileSize)
	}
	return data, info, nil
}

func tooLarge(shown, size string, limit int64) error {
	return fmt.Errorf("%s %s, more than the %d this tool edits; view a range of it, and change it with a shell command (sed, patch)", shown, size, limit)
}

// load reads the file at rel for an edit, refusing what the editor must
// not change: directories, special files, files over the size limit,
// binary and non-UTF-8 files.
func (ed *Editor) load(rel, shown string) (*file, error) {
	data, info, err := ed.read(rel, shown)
	if err != nil {
		return nil, err
	}
	if err := textError(data, shown); err != nil {
		return nil, err
	}
	f := &file{rel: rel, data: data, info: info}
	if bytes.HasPrefix(data, bom) {
		f.body = len(bom)
	}
	f.eol = detectEOL(f.text())
	return f, nil
}

// errChanged is wrapped by the error of an edit that found its file
// changed by another program between reading and replacing it.
var errChanged = errors.New("file changed since read")

// unchanged returns an error wrapping errChanged unless the file at f.rel
// is still the file f was read from, with the same bytes. The workspace's
// lock keeps the other tools of the workspace out; this check catches
// other programs (a shell command, a background job) that wrote meanwhile.
func (ed *Editor) unchanged(f *file, shown string) error {
	now, err := ed.ws.FS().Lstat(f.rel)
	changed := err != nil || !os.SameFile(now, f.info) || now.Size() != f.info.Size() || !now.ModTime().Equal(f.info.ModTime())
	if !changed {
		changed = !ed.holds(f.rel, f.data)
	}
	if changed {
		return fmt.Errorf("%w: %s was changed by another program while this tool was editing it, so nothing was written; view it again and redo the edit", errChanged, shown)
	}
	return nil
}

// holds reports whether the file at rel holds exactly data, reading it in
// pieces.
func (ed *Editor) holds(rel string, data []byte) bool {
	r, info, err := ed.open(rel)
	if err != nil {
		return false
	}
	defer r.Close()
	if !info.Mode().IsRegular() || info.Size() != int64(len(data)) {
		return false
	}
	buf := make([]byte, 256<<10)
	for {
		k, err := r.Read(buf)
		if k > len(data) || !bytes.Equal(buf[:k], data[:k]) {
			return false
		}
		data = data[k:]
		if err == io.EOF {
			return len(data) == 0
		}
		if err != nil {
			return false
		}
	}
}

func (ed *Editor) create(ctx context.Context, rel, shown, text string) (string, error) {
	root := ed.ws.FS()
	exists := func() error {
		return fmt.Errorf("%s already exists, and create never overwrites a file: view it, then change it with str_replace or insert", shown)
	}
	if info, err := root.Lstat(rel); err == nil {
		if info.IsDir() {
			return "", fmt.Errorf("%s is a directory; give the path of the new file inside it", shown)
		}
		return "", exists()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fsError(err, shown)
	}
	if dir := filepath.Dir(rel); dir != "." {
		if err := root.MkdirAll(dir, 0o777); err != nil {
			return "", fmt.Errorf("cannot make the directories for %s: %v", shown, reason(err))
		}
	}
	defer ed.ws.Lock(rel)()
	st := ed.state(rel)
	if err := ctx.Err(); err != nil {
		return "", err
	}
	// O_EXCL makes the refusal to overwrite race-free. The new file is
	// written in place: no reader expects it yet, and a failed write
	// removes it.
	w, err := root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if errors.Is(err, fs.ErrExist) {
		return "", exists()
	}
	if err != nil {
		return "", fsError(err, shown)
	}
	_, err = w.WriteString(text)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		root.Remove(rel)
		return "", fsError(err, shown)
	}
	ed.record(st, change{created: true, sum: ed.sum([]byte(text))})
	return fmt.Sprintf("Created %s (%d lines).\n", shown, countLines([]byte(text))), nil
}

// rewrite replaces the file f was read from with the concatenation of
// parts, atomically: it writes a temporary file in the same directory,
// gives it f's mode, checks that f is unchanged, and renames the temporary
// file over it. Readers see the old file or the new one, never a mix, and
// a failure leaves the old file and no temporary file. It does not sync
// to disk: the guarantee is against concurrent readers and failed writes,
// not power loss. The caller holds the file's lock.
func (ed *Editor) rewrite(f *file, shown string, parts ...[]byte) (err error) {
	root := ed.ws.FS()
	dir, base := filepath.Split(f.rel)
	var tmp *os.File
	var name string
	for range 10 {
		key := make([]byte, 6)
		rand.Read(key)
		name = filepath.Join(dir, "."+base+"."+hex.EncodeToString(key)+".tmp")
		tmp, err = root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return reason(err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			root.Remove(name)
		}
	}()
	for _, p := range parts {
		if _, err := tmp.Write(p); err != nil {
			return reason(err)
		}
	}
	if err := tmp.Chmod(f.info.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)); err != nil {
		return reason(err)
	}
	if err := tmp.Close(); err != nil {
		return reason(err)
	}
	if err := ed.unchanged(f, shown); err != nil {
		return err
	}
	return reason(root.Rename(name, f.rel))
}

// sum hashes a file's content, given in parts, to tell later whether it
// is still what the editor wrote.
func (ed *Editor) sum(parts ...[]byte) uint64 {
	var h maphash.Hash
	h.SetSeed(ed.seed)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum64()
}
