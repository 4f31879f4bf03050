package mongotest

import (
	"bytes"
	"hash/maphash"
)

// recordSet is a collection's records by _id: a hash set of record
// pointers, open addressing with linear probing, keyed by the canonical
// key of each record's _id (idKey), built on the stack when needed. A
// map[string]*record keeps a key string per record (its header in each
// 24-byte slot, its bytes allocated apart) and grows its tables early,
// 40–70 bytes per record in all; this set's 8-byte slots cost 11–21 and
// the _id value is the document's own. Its zero value is an empty set.
type recordSet struct {
	slots []*record // nil or a power of two long, at most 3/4 full
	n     int
}

var recordSeed = maphash.MakeSeed()

// keyBuf holds a key built on the stack: most keys are short.
type keyBuf [64]byte

// home is the slot where probing for key starts.
func (s *recordSet) home(key []byte) int {
	return int(maphash.Bytes(recordSeed, key) & uint64(len(s.slots)-1))
}

// get is the record of _id value id, nil if none.
func (s *recordSet) get(id any) *record {
	if s.n == 0 {
		return nil
	}
	var kb, rb keyBuf
	key := appendKey(kb[:0], id)
	mask := len(s.slots) - 1
	for i := s.home(key); ; i = (i + 1) & mask {
		r := s.slots[i]
		if r == nil {
			return nil
		}
		if bytes.Equal(appendKey(rb[:0], r.id()), key) {
			return r
		}
	}
}

// add puts r in the set; no record of an equal _id may be there.
func (s *recordSet) add(r *record) {
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	s.place(r)
	s.n++
}

// homeOf is the slot where probing for r starts.
func (s *recordSet) homeOf(r *record) int {
	var kb keyBuf
	return s.home(appendKey(kb[:0], r.id()))
}

// probe is the first slot of r's probe run that holds want.
func (s *recordSet) probe(r, want *record) int {
	mask := len(s.slots) - 1
	i := s.homeOf(r)
	for s.slots[i] != want {
		i = (i + 1) & mask
	}
	return i
}

func (s *recordSet) place(r *record) { s.slots[s.probe(r, nil)] = r }

func (s *recordSet) grow() {
	old := s.slots
	s.slots = make([]*record, max(2*len(old), 8))
	for _, r := range old {
		if r != nil {
			s.place(r)
		}
	}
}

// remove takes r, which must be in the set, out of it. The records after
// it in its probe run move back so that no lookup stops short of them.
func (s *recordSet) remove(r *record) {
	mask := len(s.slots) - 1
	i := s.probe(r, r)
	s.slots[i] = nil
	s.n--
	for j := (i + 1) & mask; s.slots[j] != nil; j = (j + 1) & mask {
		// The record at j may fill the hole at i unless its home lies
		// cyclically in (i, j]: then a lookup never passes i to reach it.
		h := s.homeOf(s.slots[j])
		if (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
			s.slots[i], s.slots[j] = s.slots[j], nil
			i = j
		}
	}
}
