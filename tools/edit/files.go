package edit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"os"
	"path/filepath"
)

// file is a text file loaded for an edit.
type file struct {
	real string // its path, symbolic links evaluated
	data []byte // its bytes
	body int    // where the text starts: after a UTF-8 byte order mark, if any
	eol  eol
	mode fs.FileMode
}

func (f *file) text() []byte { return f.data[f.body:] }

// load reads the file at real for an edit, refusing what the editor must
// not change: directories, special files, files over the size limit,
// binary and non-UTF-8 files.
func (ed *Editor) load(real, shown string) (*file, error) {
	info, err := os.Stat(real)
	if err != nil {
		return nil, fsError(err, shown)
	}
	switch {
	case info.IsDir():
		return nil, fmt.Errorf("%s is a directory; only view works on directories", shown)
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file (mode %s)", shown, info.Mode())
	case info.Size() > ed.opts.MaxFileSize:
		return nil, fmt.Errorf("%s is %d bytes, more than the %d this tool edits; view a range of it, and change it with a shell command (sed, patch)", shown, info.Size(), ed.opts.MaxFileSize)
	}
	data, err := os.ReadFile(real)
	if err != nil {
		return nil, fsError(err, shown)
	}
	if err := textError(data, shown); err != nil {
		return nil, err
	}
	f := &file{real: real, data: data, mode: info.Mode()}
	if bytes.HasPrefix(data, bom) {
		f.body = len(bom)
	}
	f.eol = detectEOL(f.text())
	return f, nil
}

func (ed *Editor) create(ctx context.Context, local, shown, text string) (string, error) {
	if info, err := os.Lstat(local); err == nil {
		if info.IsDir() {
			return "", fmt.Errorf("%s is a directory; give the path of the new file inside it", shown)
		}
		return "", fmt.Errorf("%s already exists, and create never overwrites a file: view it, then change it with str_replace or insert", shown)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fsError(err, shown)
	}
	if err := os.MkdirAll(filepath.Dir(local), 0o777); err != nil {
		return "", fmt.Errorf("cannot make the directories for %s: %v", shown, reason(err))
	}
	real := realPath(local)
	st := ed.state(real)
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return "", err
	}
	// O_EXCL makes the refusal to overwrite race-free. The new file is
	// written in place: no reader expects it yet, and a failed write
	// removes it.
	w, err := os.OpenFile(real, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("%s already exists, and create never overwrites a file: view it, then change it with str_replace or insert", shown)
	}
	if err != nil {
		return "", fsError(err, shown)
	}
	_, err = w.WriteString(text)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(real)
		return "", fsError(err, shown)
	}
	ed.record(st, change{created: true, sum: ed.sum([]byte(text))})
	return fmt.Sprintf("Created %s (%d lines).\n", shown, countLines([]byte(text))), nil
}

// writeFile replaces the file at path with the concatenation of parts,
// atomically: it writes a temporary file in the same directory, gives it
// mode, and renames it over path. Readers see the old file or the new one,
// never a mix, and a failure leaves the old file and no temporary file.
// It does not sync to disk: the guarantee is against concurrent readers
// and failed writes, not power loss.
func writeFile(path string, mode fs.FileMode, parts ...[]byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	for _, p := range parts {
		if _, err := tmp.Write(p); err != nil {
			return err
		}
	}
	if err := tmp.Chmod(mode & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
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
