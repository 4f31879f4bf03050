package bsoncodec

import "unsafe"

// stringArena is where a Codec's decoder makes the strings of one
// document: short ones share a few chunks of memory instead of an
// allocation each. A string a caller keeps keeps its chunk (at most
// arenaChunk bytes, its neighbours' bytes included) alive; longer
// strings have their own allocation, as without the arena. Decoding the
// strings of a document is about a tenth of its decoding time with an
// allocation each (BENCHMARKS.md, "A string arena").
type stringArena struct {
	buf   []byte // the current chunk; its bytes are never written twice
	first [arenaFirst]byte
}

// newStringArena returns an arena whose first chunk is its own: one
// allocation of 128 bytes for the strings of most documents.
func newStringArena() *stringArena {
	a := new(stringArena)
	a.buf = a.first[:0]
	return a
}

const (
	arenaFirst = 104 // bytes the first chunk holds: the arena is 128 bytes
	arenaChunk = 256 // bytes each further chunk holds
	arenaMax   = 32  // the longest string made in a chunk
)

// string is b as a string, from a's chunks when a is not nil and b is
// short, else a string of its own.
func (a *stringArena) string(b []byte) string {
	if a == nil || len(b) > arenaMax {
		return string(b)
	}
	if len(b) == 0 {
		return ""
	}
	if cap(a.buf)-len(a.buf) < len(b) {
		a.buf = make([]byte, 0, arenaChunk)
	}
	start := len(a.buf)
	a.buf = append(a.buf, b...)
	return unsafe.String(&a.buf[start], len(b))
}
