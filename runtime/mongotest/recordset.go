package mongotest

import "hash/maphash"

// recordSet is a collection's records by their _id key: a hash set of
// record pointers, open addressing with linear probing, the key read from
// the record itself. A map[string]*record keeps the key's string header
// next to each pointer and grows its tables early: 24-byte slots, 25–53
// bytes per record in all, where this set's 8-byte slots cost 11–21. Its
// zero value is an empty set.
type recordSet struct {
	slots []*record // nil or a power of two long, at most 3/4 full
	n     int
}

var recordSeed = maphash.MakeSeed()

// home is the slot where probing for key starts.
func (s *recordSet) home(key string) int {
	return int(maphash.String(recordSeed, key) & uint64(len(s.slots)-1))
}

// get is the record of key, nil if none.
func (s *recordSet) get(key string) *record {
	if s.n == 0 {
		return nil
	}
	mask := len(s.slots) - 1
	for i := s.home(key); ; i = (i + 1) & mask {
		switch r := s.slots[i]; {
		case r == nil:
			return nil
		case r.key == key:
			return r
		}
	}
}

// add puts r in the set; no record of its key may be there.
func (s *recordSet) add(r *record) {
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	s.place(r)
	s.n++
}

func (s *recordSet) place(r *record) {
	mask := len(s.slots) - 1
	i := s.home(r.key)
	for s.slots[i] != nil {
		i = (i + 1) & mask
	}
	s.slots[i] = r
}

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
	i := s.home(r.key)
	for s.slots[i] != r {
		i = (i + 1) & mask
	}
	s.slots[i] = nil
	s.n--
	for j := (i + 1) & mask; s.slots[j] != nil; j = (j + 1) & mask {
		// The record at j may fill the hole at i unless its home lies
		// cyclically in (i, j]: then a lookup never passes i to reach it.
		h := s.home(s.slots[j].key)
		if (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
			s.slots[i], s.slots[j] = s.slots[j], nil
			i = j
		}
	}
}
