package templates

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sync"
	"time"
)

// The formatted form of every chunk of generated code is kept between runs,
// keyed by a hash of the unformatted chunk and of the Go version whose
// go/format formatted it: formatting is a pure function of the two, so a
// chunk met again (a collection type that did not change since the last
// run) is not formatted again. Formatting is most of the work of Render, so
// the run after an edit of one type formats that type alone.
//
// The cache lives in the directory $MONGOTXGEN_CACHE, or mongotxgen in the
// user's cache directory (os.UserCacheDir) when that is not set;
// MONGOTXGEN_CACHE=off turns it off. Entries unused for five days are
// removed (trim). It is best effort: a directory that
// cannot be written, or an entry that cannot be read, is formatting done
// again, never an error.

// formatCache returns the cache directory, "" when there is none.
func formatCache() string {
	dir := os.Getenv("MONGOTXGEN_CACHE")
	switch dir {
	case "off":
		return ""
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(base, "mongotxgen")
	}
	dir = filepath.Join(dir, "format")
	if ok, _ := usable.Load(dir); ok == true {
		return dir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ""
	}
	usable.Store(dir, true)
	trim(dir)
	return dir
}

// trimAge is how long an entry may go unused before trim removes it.
const trimAge = 5 * 24 * time.Hour

// trim removes the entries of dir unused for trimAge, at most once a day
// (the modification time of dir/trimmed says when it last did): entries of
// an earlier build of mongotxgen, or of types that changed, are never used
// again.
func trim(dir string) {
	marker := filepath.Join(dir, "trimmed")
	if st, err := os.Stat(marker); err == nil && time.Since(st.ModTime()) < 24*time.Hour {
		return
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		return
	}
	old := time.Now().Add(-trimAge)
	subs, _ := filepath.Glob(filepath.Join(dir, "??"))
	for _, sub := range subs {
		entries, _ := os.ReadDir(sub)
		for _, e := range entries {
			if info, err := e.Info(); err == nil && info.ModTime().Before(old) {
				os.Remove(filepath.Join(sub, e.Name()))
			}
		}
	}
}

// usable records the cache directories known to exist.
var usable sync.Map

// cacheKey names the formatted form of chunk.
func cacheKey(chunk []byte) string {
	h := sha256.New()
	h.Write([]byte(goruntime.Version()))
	h.Write([]byte{0})
	h.Write(chunk)
	return hex.EncodeToString(h.Sum(nil))
}

// An entry is entryMagic, the CRC-32C of its content, then the content: one
// damaged on disk (truncated, overwritten) is not used. The key already
// names the content, so the checksum only has to catch damage, and a CRC
// does that at memory speed, where a second SHA-256 of every chunk cost
// as much as reading them.
const entryMagic = "mongotxgen cache 2\n"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// cached returns the entry with key, if kept. An entry used is marked so
// (its modification time) at most once an hour, so that trim keeps it.
func cached(key string) ([]byte, bool) {
	dir := formatCache()
	if dir == "" {
		return nil, false
	}
	path := filepath.Join(dir, key[:2], key)
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, false
	}
	if time.Since(st.ModTime()) > time.Hour {
		now := time.Now()
		os.Chtimes(path, now, now)
	}
	data := make([]byte, st.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, false
	}
	header, ok := bytes.CutPrefix(data, []byte(entryMagic))
	if !ok || len(header) < 4 {
		return nil, false
	}
	sum, content := binary.BigEndian.Uint32(header), header[4:]
	if crc32.Checksum(content, castagnoli) != sum {
		return nil, false
	}
	return content, true
}

// keep stores the formatted form of the chunk with key, atomically, so that
// a reader never sees part of an entry.
func keep(key string, formatted []byte) {
	dir := formatCache()
	if dir == "" {
		return
	}
	sub := filepath.Join(dir, key[:2])
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(sub, key+".*.tmp")
	if err != nil {
		return
	}
	entry := make([]byte, 0, len(entryMagic)+4+len(formatted))
	entry = append(entry, entryMagic...)
	entry = binary.BigEndian.AppendUint32(entry, crc32.Checksum(formatted, castagnoli))
	_, err = tmp.Write(append(entry, formatted...))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(sub, key))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
}
