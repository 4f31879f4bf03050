package mongotest

import (
	"cmp"
	"slices"
	"sort"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

// An index's entries are kept in a keyTree: a sorted list of entries cut
// into chunks of at most chunkMax, a B+tree of height two. A lookup is two
// binary searches (O(log n)); an insert or delete moves at most chunkMax
// entries and, when a chunk splits or empties, n/chunkMax chunk headers.
//
// Entries are candidates: a record has one for every key of every version
// of its document that a reader may still see (its retained committed
// versions and the pending document of the transaction that holds it).
// A reader re-checks each candidate against the version it sees; see
// planner.go.

const chunkMax = 512

// keyEntry is one index entry: the key values a document puts in the
// index (one per key field) and its record. Entries order by their values
// in the index's directions, then by the record's natural order, so that
// equal keys come out in the order a collection scan finds them.
type keyEntry struct {
	// key is the value of a one-field index's key, shared with the
	// document (most indexes have one field: their entries cost no
	// allocation of their own), or a *compoundKey.
	key any
	rec *record
}

// compoundKey is the key of an index of several fields; no document value
// has its type.
type compoundKey struct{ vals []any }

func newEntry(vals []any, r *record) keyEntry {
	if len(vals) == 1 {
		return keyEntry{key: vals[0], rec: r}
	}
	return keyEntry{key: &compoundKey{vals}, rec: r}
}

// val is the value of the entry's key for key field j.
func (e keyEntry) val(j int) any {
	if c, ok := e.key.(*compoundKey); ok {
		return c.vals[j]
	}
	return e.key
}

type keyTree struct {
	dirs   []int // per key field: 1 ascending, -1 descending
	chunks [][]keyEntry
	n      int
}

func newKeyTree(key bson.D) *keyTree {
	t := &keyTree{dirs: make([]int, len(key))}
	for i, k := range key {
		t.dirs[i] = 1
		if n, _ := wholeNumber(k.Value); n < 0 || isNegFloat(k.Value) {
			t.dirs[i] = -1
		}
	}
	return t
}

// compareVals orders two keys in the index's directions.
func (t *keyTree) compareVals(a, b []any) int {
	for i := range a {
		if c := mql.Compare(a[i], b[i]); c != 0 {
			return c * t.dirs[i]
		}
	}
	return 0
}

// compareKey orders e's key and the key vals in the index's directions.
func (t *keyTree) compareKey(e keyEntry, vals []any) int {
	for i := range vals {
		if c := mql.Compare(e.val(i), vals[i]); c != 0 {
			return c * t.dirs[i]
		}
	}
	return 0
}

// compareKeys orders the keys of two entries in the index's directions.
func (t *keyTree) compareKeys(a, b keyEntry) int {
	for i := range t.dirs {
		if c := mql.Compare(a.val(i), b.val(i)); c != 0 {
			return c * t.dirs[i]
		}
	}
	return 0
}

func (t *keyTree) compare(a, b keyEntry) int {
	if c := t.compareKeys(a, b); c != 0 {
		return c
	}
	return cmp.Compare(a.rec.seq, b.rec.seq)
}

// pos is a position in a keyTree: chunk ci, entry i.
type pos struct{ ci, i int }

// search is the position of the first entry for which before is false;
// before must be true for a prefix of the entries and false after it.
func (t *keyTree) search(before func(keyEntry) bool) pos {
	ci := sort.Search(len(t.chunks), func(k int) bool {
		c := t.chunks[k]
		return !before(c[len(c)-1])
	})
	if ci == len(t.chunks) {
		return pos{ci, 0}
	}
	c := t.chunks[ci]
	return pos{ci, sort.Search(len(c), func(k int) bool { return !before(c[k]) })}
}

func (t *keyTree) at(p pos) (keyEntry, bool) {
	if p.ci < 0 || p.ci >= len(t.chunks) {
		return keyEntry{}, false
	}
	return t.chunks[p.ci][p.i], true
}

func (t *keyTree) next(p pos) pos {
	if p.i++; p.i >= len(t.chunks[p.ci]) {
		p.ci, p.i = p.ci+1, 0
	}
	return p
}

// prev is the position before p; before the first entry it is {-1, 0}.
func (t *keyTree) prev(p pos) pos {
	if p.i--; p.i < 0 {
		if p.ci--; p.ci < 0 {
			return pos{-1, 0}
		}
		p.i = len(t.chunks[p.ci]) - 1
	}
	return p
}

// find is the position of the entry equal to e, or where it belongs.
func (t *keyTree) find(e keyEntry) (pos, bool) {
	p := t.search(func(x keyEntry) bool { return t.compare(x, e) < 0 })
	x, ok := t.at(p)
	return p, ok && x.rec == e.rec && t.compareKeys(x, e) == 0
}

// insert adds e unless its record already has an equal key.
func (t *keyTree) insert(e keyEntry) {
	p, found := t.find(e)
	if found {
		return
	}
	t.n++
	if len(t.chunks) == 0 {
		t.chunks = [][]keyEntry{{e}}
		return
	}
	if p.ci == len(t.chunks) {
		p = pos{p.ci - 1, len(t.chunks[p.ci-1])}
		if len(t.chunks[p.ci]) >= chunkMax {
			// Appending in key order (ascending _ids, emails) fills chunks
			// instead of leaving each half empty.
			t.chunks = append(t.chunks, []keyEntry{e})
			return
		}
	}
	c := t.chunks[p.ci]
	if len(c) == cap(c) && len(c) < chunkMax {
		// Grow by doubling up to exactly chunkMax: append's own growth
		// would leave a full chunk a third empty.
		c = append(make([]keyEntry, 0, min(max(2*len(c), 4), chunkMax)), c...)
	}
	c = slices.Insert(c, p.i, e)
	t.chunks[p.ci] = c
	if len(c) > chunkMax {
		half := len(c) / 2
		t.chunks[p.ci] = slices.Clone(c[:half])
		t.chunks = slices.Insert(t.chunks, p.ci+1, slices.Clone(c[half:]))
	}
}

// delete removes e's entry, if there is one.
func (t *keyTree) delete(e keyEntry) {
	p, found := t.find(e)
	if !found {
		return
	}
	t.n--
	c := slices.Delete(t.chunks[p.ci], p.i, p.i+1)
	t.chunks[p.ci] = c
	switch {
	case len(c) == 0:
		t.chunks = slices.Delete(t.chunks, p.ci, p.ci+1)
	case p.ci+1 < len(t.chunks) && len(c)+len(t.chunks[p.ci+1]) <= chunkMax/2:
		// Merge small neighbours so that deletes do not leave a long
		// directory of tiny chunks.
		t.chunks[p.ci] = append(c, t.chunks[p.ci+1]...)
		t.chunks = slices.Delete(t.chunks, p.ci+1, p.ci+2)
	}
}

// equal lists the records with an entry equal to vals.
func (t *keyTree) equal(vals []any) []*record {
	var out []*record
	p := t.search(func(x keyEntry) bool { return t.compareKey(x, vals) < 0 })
	for e, ok := t.at(p); ok && t.compareKey(e, vals) == 0; e, ok = t.at(p) {
		out = append(out, e.rec)
		p = t.next(p)
	}
	return out
}

func isNegFloat(v any) bool {
	f, ok := v.(float64)
	return ok && f < 0
}
