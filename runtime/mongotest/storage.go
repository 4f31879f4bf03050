package mongotest

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Storage is multi-versioned: every record keeps the versions of its
// document that an open transaction's snapshot may still read. A commit
// (a transaction's, or a single non-transactional write's) advances
// Server.clock and stamps its versions with it; a snapshot at time t sees,
// for each record, the newest version stamped <= t.

type database struct {
	name  string
	colls map[string]*collection
}

type collection struct {
	db, name string
	records  map[string]*record // by canonical _id key
	order    []*record          // natural (insertion) order, may hold removed records
	removed  int                // removed records still in order
	indexes  []*index           // secondary indexes; _id_ is implicit
	live     int                // records whose latest committed version is a document
	nextSeq  uint64             // the seq of the next record created
	// creator is the open transaction that created the collection: until
	// it commits, only that transaction sees it.
	creator *txn
}

// record is one _id's history.
type record struct {
	key      string
	seq      uint64    // its place in natural order, orders equal index keys
	versions []version // ascending ts
	owner    *txn      // the open transaction that has written it, if any
	removed  bool      // taken out of its collection's map
}

type version struct {
	ts  uint32
	doc bson.D // nil: deleted
}

// index is a secondary index.
type index struct {
	name   string
	key    bson.D // field: 1 | -1
	spec   bson.D // as listed by listIndexes
	unique bool
	sparse bool
	// tree holds the entries of every document version a reader may see.
	tree *keyTree
	// multikey: some document put several entries (an indexed field held
	// an array); then entries no longer map one to one onto documents.
	multikey bool
	// partial holds only the documents partialSpec matches (catalog.go).
	partial     interface{ Match(doc bson.D) bool }
	partialSpec bson.D
}

func (c *collection) ns() string { return c.db + "." + c.name }

// latest is the newest committed version of r, nil if deleted or never committed.
func (r *record) latest() bson.D {
	if n := len(r.versions); n > 0 {
		return r.versions[n-1].doc
	}
	return nil
}

func (r *record) latestTS() uint32 {
	if n := len(r.versions); n > 0 {
		return r.versions[n-1].ts
	}
	return 0
}

// at is the version of r visible at snapshot ts.
func (r *record) at(ts uint32) bson.D {
	for i := len(r.versions) - 1; i >= 0; i-- {
		if r.versions[i].ts <= ts {
			return r.versions[i].doc
		}
	}
	return nil
}

// docs lists the documents r's versions and pending write hold: all an
// index must keep entries for.
func (r *record) docs() []bson.D {
	var out []bson.D
	for _, v := range r.versions {
		if v.doc != nil {
			out = append(out, v.doc)
		}
	}
	if r.owner != nil {
		if d := r.owner.pendingDoc(r); d != nil {
			out = append(out, d)
		}
	}
	return out
}

// view is what one statement reads: the latest committed state, a
// transaction's snapshot plus its own writes, or (a snapshot read outside
// a transaction) what was committed at a cluster time.
type view struct {
	tx *txn // nil: no transaction
	// at is the commit time a snapshot read outside a transaction reads;
	// atSet tells it from the latest state.
	at    uint32
	atSet bool
}

// doc is r's document as seen by v, nil when absent.
func (v view) doc(r *record) bson.D {
	switch {
	case v.tx != nil:
		if w, ok := v.tx.writes[r]; ok {
			return w
		}
		return r.at(v.tx.snapshot)
	case v.atSet:
		return r.at(v.at)
	}
	return r.latest()
}

// docRef is a document found by a query, with its record.
type docRef struct {
	rec *record
	doc bson.D
}

// record returns the record for key, creating it when create is set.
func (c *collection) record(key string, create bool) *record {
	r := c.records[key]
	if r == nil && create {
		r = &record{key: key, seq: c.nextSeq}
		c.nextSeq++
		c.records[key] = r
		c.order = append(c.order, r)
	}
	return r
}

// commitVersion appends a committed version to r and forgets versions no
// open snapshot can read any more (oldest is the oldest such snapshot).
func (c *collection) commitVersion(r *record, ts uint32, doc bson.D, oldest uint32) {
	switch old := r.latest(); {
	case old == nil && doc != nil:
		c.live++
	case old != nil && doc == nil:
		c.live--
	}
	c.indexDoc(r, doc) // already there when a transaction wrote it
	r.versions = append(r.versions, version{ts: ts, doc: doc})
	c.prune(r, oldest)
}

func (c *collection) prune(r *record, oldest uint32) {
	// Keep the newest version at or before oldest and everything after it;
	// versions ascend, so only the ones dropped are looked at.
	keep := 0
	for keep+1 < len(r.versions) && r.versions[keep+1].ts <= oldest {
		keep++
	}
	if keep > 0 {
		gone := slices.Clone(r.versions[:keep])
		r.versions = slices.Delete(r.versions, 0, keep)
		for _, g := range gone {
			c.unindexDoc(r, g.doc)
		}
	}
	if len(r.versions) == 1 && r.versions[0].doc == nil && r.versions[0].ts <= oldest && r.owner == nil {
		c.drop(r)
	}
	if len(r.versions) == 0 && r.owner == nil {
		c.drop(r)
	}
}

// drop forgets r; its slot in order is reclaimed once enough accumulate.
func (c *collection) drop(r *record) {
	if r.removed {
		return
	}
	r.removed = true
	delete(c.records, r.key)
	c.removed++
	if c.removed > 64 && c.removed > len(c.order)/2 {
		c.order = slices.DeleteFunc(c.order, func(r *record) bool { return r.removed })
		c.removed = 0
	}
}

// idKey is the canonical key of an _id value: values mongod's _id index
// treats as equal (1, 1.0, NumberLong(1)) get the same key.
func idKey(v any) string {
	var b strings.Builder
	writeKey(&b, v)
	return b.String()
}

func writeKey(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("z;")
	case int32:
		writeIntKey(b, int64(x))
	case int64:
		writeIntKey(b, x)
	case float64:
		writeFloatKey(b, x)
	case bson.Decimal128:
		// Integral decimals share the key of the equal integer; other
		// decimals are keyed by their text.
		if f, err := strconv.ParseFloat(x.String(), 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			writeFloatKey(b, f)
			return
		}
		b.WriteString("d" + x.String() + ";")
	case string:
		b.WriteString("s" + strconv.Itoa(len(x)) + ":" + x)
	case bson.D:
		b.WriteString("{")
		for _, e := range x {
			b.WriteString(strconv.Itoa(len(e.Key)) + ":" + e.Key)
			writeKey(b, e.Value)
		}
		b.WriteString("}")
	case bson.A:
		b.WriteString("[")
		for _, e := range x {
			writeKey(b, e)
		}
		b.WriteString("]")
	default:
		t, data, err := bson.MarshalValue(x)
		if err != nil {
			b.WriteString("?" + err.Error())
			return
		}
		b.WriteString("t" + strconv.Itoa(int(t)) + ":" + strconv.Itoa(len(data)) + ":")
		b.Write(data)
	}
}

func writeIntKey(b *strings.Builder, n int64) {
	b.WriteString("n" + strconv.FormatInt(n, 10) + ";")
}

func writeFloatKey(b *strings.Builder, f float64) {
	if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
		writeIntKey(b, int64(f))
		return
	}
	if math.IsNaN(f) {
		b.WriteString("nNaN;")
		return
	}
	b.WriteString("n" + strconv.FormatFloat(f, 'g', -1, 64) + ";")
}
