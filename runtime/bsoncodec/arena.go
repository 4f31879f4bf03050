package bsoncodec

import "unsafe"

// stringArena is where a Codec's decoder makes the short strings of one
// document: in one block of memory, instead of an allocation each. The
// block holds no pointers, so that the collector does not scan it, and is
// one allocation of 128 bytes; the strings that do not fit, and the long
// ones, have their own allocation, as without it. A string a caller keeps
// keeps the block alive, its neighbours' bytes included (at most 120).
// Decoding a document of a dozen short strings is about a tenth faster
// with it (BENCHMARKS.md, "A string arena").
type stringArena struct {
	n   int // the bytes of buf in use; they are never written again
	buf [arenaSize]byte
}

const (
	arenaSize = 120 // with n, a 128-byte allocation
	arenaMax  = 32  // the longest string made in the arena
	arenaFrom = 5   // the strings a document must hold to get an arena (stringValues)
)

// string is b as a string, from a when a is not nil, b is short and fits,
// else a string of its own.
func (a *stringArena) string(b []byte) string {
	if a == nil || len(b) > arenaMax || len(b) > arenaSize-a.n {
		return string(b)
	}
	if len(b) == 0 {
		return ""
	}
	start := a.n
	a.n += copy(a.buf[start:], b)
	return unsafe.String(&a.buf[start], len(b))
}
