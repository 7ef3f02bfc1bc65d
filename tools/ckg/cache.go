package ckg

import (
	"github.com/conclave-dev/conclave/internal/lang"

	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// The cache file of a repository holds a header and then records, each
// one file's data or the removal of a path. A refresh appends the records
// of what changed; when superseded records pile up, the file is rewritten
// with one record per file. A later record for a path replaces an earlier
// one. Each record carries its own checksum: a torn or corrupt record and
// everything after it are ignored (the files it covered are simply
// re-read, since the index they fall back to no longer matches them on
// disk), and a bad header or an undecodable record throws the whole file
// away.
//
//	header: magic "ckgindex", u32 version, u32 len(root), root, u32 crc
//	record: u32 len(payload), u32 crc(payload), payload
//	payload: byte recFile, file data | byte recRemove, path
const (
	cacheMagic   = "ckgindex"
	cacheVersion = 1
	recFile      = 1
	recRemove    = 2
	maxRecord    = 256 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errCorrupt reports a cache file that cannot be trusted.
var errCorrupt = errors.New("ckg: corrupt cache file")

// load reads the cache file into the index, if it is valid. Any problem
// leaves the index empty, to be built from scratch.
func (ix *Index) load() {
	if ix.cachePath == "" {
		return
	}
	data, err := readCache(ix.cachePath)
	if err != nil {
		return
	}
	files, records, clean, err := decodeCache(data, ix.root)
	if err != nil {
		return
	}
	ix.mu.Lock()
	changed := make([]*fileData, 0, len(files))
	for _, fd := range files {
		changed = append(changed, fd)
	}
	slices.SortFunc(changed, func(a, b *fileData) int { return strings.Compare(a.path, b.path) })
	ix.apply(changed, nil)
	ix.last.CacheLoaded = true
	ix.mu.Unlock()
	ix.journal = records - len(files)
	ix.cacheOK = clean // else rewrite it: appending after a bad record would be lost
}

// openCache opens the cache file at path without following a symbolic
// link or blocking on a named pipe, and refuses anything but a regular
// file: a cache is rebuilt, never waited on.
func openCache(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag|nonblock|nofollow, 0)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = fmt.Errorf("ckg: the cache %s is not a regular file (mode %s)", path, info.Mode())
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func readCache(path string) ([]byte, error) {
	f, err := openCache(path, os.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// decodeCache decodes a cache file written for root. It returns the live
// files, the number of records read, and whether it read to the end
// rather than stopping at a torn or corrupt record.
func decodeCache(data []byte, root string) (files map[string]*fileData, records int, clean bool, err error) {
	r := &reader{b: data}
	if string(r.bytes(len(cacheMagic))) != cacheMagic {
		return nil, 0, false, fmt.Errorf("%w: not a cache file", errCorrupt)
	}
	if v := r.u32(); v != cacheVersion {
		return nil, 0, false, fmt.Errorf("%w: format version %d, want %d", errCorrupt, v, cacheVersion)
	}
	rootLen := r.u32()
	if rootLen > 1<<16 {
		return nil, 0, false, fmt.Errorf("%w: bad header", errCorrupt)
	}
	gotRoot := r.bytes(int(rootLen))
	sum := r.u32()
	if r.err != nil || crc32.Checksum(data[:r.off-4], castagnoli) != sum {
		return nil, 0, false, fmt.Errorf("%w: bad header", errCorrupt)
	}
	if string(gotRoot) != root {
		return nil, 0, false, fmt.Errorf("%w: written for %s", errCorrupt, gotRoot)
	}
	files = map[string]*fileData{}
	for r.off < len(r.b) {
		n, sum := r.u32(), r.u32()
		if r.err != nil || n > maxRecord || int(n) > len(r.b)-r.off {
			return files, records, false, nil // a torn tail
		}
		payload := r.bytes(int(n))
		if crc32.Checksum(payload, castagnoli) != sum {
			return files, records, false, nil
		}
		records++
		pr := &reader{b: payload}
		switch pr.byte() {
		case recFile:
			fd := decodeFile(pr)
			if pr.err != nil || pr.off != len(pr.b) {
				return nil, 0, false, fmt.Errorf("%w: bad record: %v", errCorrupt, pr.err)
			}
			files[fd.path] = fd
		case recRemove:
			p := pr.str()
			if pr.err != nil || !validPath(p) {
				return nil, 0, false, fmt.Errorf("%w: bad removal", errCorrupt)
			}
			delete(files, p)
		default:
			return nil, 0, false, fmt.Errorf("%w: unknown record", errCorrupt)
		}
	}
	return files, records, true, nil
}

// persist records changes in the cache file: appended, or the whole file
// rewritten when it is missing, invalid or mostly superseded records.
// Errors are dropped: the cache is an optimisation. The caller holds
// refreshMu.
func (ix *Index) persist(changed []*fileData, removed []string) {
	if ix.cachePath == "" || (ix.cacheOK && len(changed) == 0 && len(removed) == 0) {
		return
	}
	ix.mu.RLock()
	live := len(ix.files)
	ix.mu.RUnlock()
	if ix.cacheOK && ix.journal+len(changed)+len(removed) <= live/2+64 {
		if err := ix.appendRecords(changed, removed); err == nil {
			ix.journal += len(changed) + len(removed)
			return
		}
	}
	ix.cacheOK = ix.rewrite() == nil
	ix.journal = 0
}

func (ix *Index) appendRecords(changed []*fileData, removed []string) error {
	f, err := openCache(ix.cachePath, os.O_WRONLY|os.O_APPEND)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	for _, fd := range changed {
		writeRecord(&buf, encodeFile(fd))
	}
	for _, p := range removed {
		w := &writer{}
		w.byte(recRemove)
		w.str(p)
		writeRecord(&buf, w.b)
	}
	_, err = f.Write(buf.Bytes()) // one write, so a concurrent appender cannot interleave
	return errors.Join(err, f.Close())
}

// rewrite writes the whole index to a new cache file and renames it into
// place, so a reader never sees a half-written file.
func (ix *Index) rewrite() error {
	if err := os.MkdirAll(filepath.Dir(ix.cachePath), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(ix.cachePath), ".tmp-*.ckg")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename this finds nothing
	bw := bufio.NewWriterSize(tmp, 1<<20)
	writeHeader(bw, ix.root)
	ix.mu.RLock()
	paths := make([]string, 0, len(ix.files))
	for p := range ix.files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		writeRecord(bw, encodeFile(ix.files[p]))
	}
	ix.mu.RUnlock()
	if err := errors.Join(bw.Flush(), tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), ix.cachePath)
}

func writeHeader(w io.Writer, root string) {
	h := &writer{}
	h.b = append(h.b, cacheMagic...)
	h.u32(cacheVersion)
	h.u32(uint32(len(root)))
	h.b = append(h.b, root...)
	h.u32(crc32.Checksum(h.b, castagnoli))
	w.Write(h.b)
}

func writeRecord(w io.Writer, payload []byte) {
	var hdr [8]byte
	binary.LittleEndian.PutUint32(hdr[:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(hdr[4:], crc32.Checksum(payload, castagnoli))
	w.Write(hdr[:])
	w.Write(payload)
}

func encodeFile(fd *fileData) []byte {
	w := &writer{b: make([]byte, 0, 64+len(fd.symbols)*96+len(fd.refs)*6)}
	w.byte(recFile)
	w.str(fd.path)
	w.str(fd.lang)
	w.uvarint(uint64(fd.size))
	w.uvarint(uint64(fd.mtime))
	w.b = append(w.b, fd.hash[:]...)
	w.str(fd.note)
	w.uvarint(uint64(len(fd.symbols)))
	for i := range fd.symbols {
		s := &fd.symbols[i]
		w.str(s.Name)
		w.byte(byte(s.Kind))
		w.str(s.Parent)
		w.uvarint(uint64(s.StartLine))
		w.uvarint(uint64(s.EndLine - s.StartLine))
		w.uvarint(uint64(s.Line - s.StartLine))
		w.uvarint(uint64(s.Column))
		w.str(s.Signature)
		w.str(s.Doc)
	}
	w.uvarint(uint64(len(fd.imports)))
	for _, imp := range fd.imports {
		w.str(imp.Name)
		w.str(imp.Path)
		w.str(imp.Member)
	}
	w.uvarint(uint64(len(fd.names)))
	for _, n := range fd.names {
		w.str(n)
	}
	w.uvarint(uint64(len(fd.refs)))
	line := uint32(0)
	for _, r := range fd.refs {
		w.uvarint(uint64(r.name))
		w.uvarint(uint64(r.qual))
		w.uvarint(uint64(r.line - line))
		line = r.line
		w.uvarint(uint64(r.col))
		w.uvarint(uint64(r.scope + 1))
		w.byte(r.flags)
	}
	return w.b
}

// decodeFile decodes what encodeFile wrote, checking every index and
// bound; on any inconsistency r.err is set.
func decodeFile(r *reader) *fileData {
	fd := &fileData{}
	fd.path = r.str()
	fd.lang = r.str()
	fd.size = int64(r.uvarint())
	fd.mtime = int64(r.uvarint())
	copy(fd.hash[:], r.bytes(32))
	fd.note = r.str()
	if r.err == nil && (!validPath(fd.path) || specFor(fd.path) == nil || !lang.Fits(fd.path, fd.lang)) {
		r.fail("bad path or language")
	}
	n := r.count(8)
	fd.symbols = make([]Symbol, n)
	for i := range fd.symbols {
		s := &fd.symbols[i]
		s.Name = r.str()
		s.Kind = Kind(r.byte())
		s.Parent = r.str()
		s.StartLine = r.int()
		s.EndLine = s.StartLine + r.int()
		s.Line = s.StartLine + r.int()
		s.Column = r.int()
		s.Signature = r.str()
		s.Doc = r.str()
		s.Path, s.Language = fd.path, fd.lang
		if r.err == nil && (s.Name == "" || int(s.Kind) >= len(kindNames) || s.Kind == 0 || s.StartLine < 1 || s.Line > s.EndLine) {
			r.fail("bad symbol")
		}
	}
	fd.imports = make([]Import, r.count(3))
	for i := range fd.imports {
		fd.imports[i] = Import{Name: r.str(), Path: r.str(), Member: r.str()}
	}
	fd.names = make([]string, r.count(1))
	for i := range fd.names {
		fd.names[i] = r.str()
	}
	fd.refs = make([]ref, r.count(6))
	line := uint32(0)
	for i := range fd.refs {
		rf := &fd.refs[i]
		rf.name = uint32(r.uvarint())
		rf.qual = uint32(r.uvarint())
		line += uint32(r.uvarint())
		rf.line = line
		rf.col = uint32(r.uvarint())
		rf.scope = int32(r.uvarint()) - 1
		rf.flags = r.byte()
		if r.err == nil && (int(rf.name) >= len(fd.names) || int(rf.qual) >= len(fd.names)+2 ||
			int(rf.scope) >= len(fd.symbols) || rf.scope < -1 || rf.line < 1 || rf.col < 1) {
			r.fail("bad reference")
		}
	}
	if r.err != nil {
		return nil
	}
	fd.groupRefs()
	return fd
}

// validPath reports whether p is a clean relative slash path inside the
// root.
func validPath(p string) bool {
	return p != "" && p == path.Clean(p) && !path.IsAbs(p) && p != ".." && !strings.HasPrefix(p, "../") && !strings.Contains(p, "\\")
}

type writer struct{ b []byte }

func (w *writer) byte(c byte)      { w.b = append(w.b, c) }
func (w *writer) u32(v uint32)     { w.b = binary.LittleEndian.AppendUint32(w.b, v) }
func (w *writer) uvarint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *writer) str(s string)     { w.uvarint(uint64(len(s))); w.b = append(w.b, s...) }

// reader decodes bounds-checked; after the first error every read
// returns zero values and err stays set.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(msg string) {
	if r.err == nil {
		r.err = errors.New(msg)
	}
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b)-r.off {
		r.fail("truncated")
		return nil
	}
	b := r.b[r.off : r.off+n]
	r.off += n
	return b
}

func (r *reader) byte() byte {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.off += n
	return v
}

// int reads a uvarint that must fit a line or column number.
func (r *reader) int() int {
	v := r.uvarint()
	if v > 1<<31 {
		r.fail("number out of range")
		return 0
	}
	return int(v)
}

// count reads a length, refusing one that the remaining bytes cannot
// hold at minSize bytes per element, so a corrupt length cannot make a
// huge allocation.
func (r *reader) count(minSize int) int {
	v := r.uvarint()
	if v > uint64((len(r.b)-r.off)/minSize) {
		r.fail("length out of range")
		return 0
	}
	return int(v)
}

func (r *reader) str() string { return string(r.bytes(r.int())) }
