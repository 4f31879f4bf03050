package mongotest

import (
	"math"
	"slices"
	"strconv"

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
	records  recordSet // by canonical _id key (recordset.go)
	order    []*record // natural (insertion) order, may hold removed records
	removed  int       // removed records still in order
	indexes  []*index  // secondary indexes; _id_ is implicit
	live     int       // records whose latest committed version is a document
	// nextSeq is the seq of the next record created: a collection creates
	// fewer than 2^32 records in a test's lifetime.
	nextSeq uint32
	// creator is the open transaction that created the collection: until
	// it commits, only that transaction sees it.
	creator *txn
}

// record is one _id's history. Its newest committed version is kept in
// the record itself and the older ones a snapshot may still read hang off
// it, newest first: most records have a single version, and a record is
// the storage's largest cost per document after the document itself, so
// it keeps in 48 bytes what every record needs and in ext the rest.
type record struct {
	doc   bson.D // the newest committed version, nil: deleted
	ts    uint32 // doc's commit time; 0: never committed
	seq   uint32 // its place in natural order, orders equal index keys
	owner *txn   // the open transaction that has written it, if any
	// ext is nil when the record has a document and no older version:
	// then its _id is its document's.
	ext *recordExt
}

type recordExt struct {
	// id is the record's _id value, removedMark once the record is taken
	// out of its collection's set.
	id    any
	older *version
}

// version is a superseded committed version of a record.
type version struct {
	doc   bson.D // nil: deleted
	ts    uint32
	older *version
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

// removedMark is the id of a record taken out of its collection.
type removedMark struct{}

// removed reports whether r was taken out of its collection's set.
func (r *record) removed() bool {
	if r.ext == nil {
		return false
	}
	_, ok := r.ext.id.(removedMark)
	return ok
}

// id is r's _id value.
func (r *record) id() any {
	if r.ext != nil {
		return r.ext.id
	}
	return lookup(r.doc, "_id")
}

// older is r's newest superseded version, nil if none.
func (r *record) older() *version {
	if r.ext == nil {
		return nil
	}
	return r.ext.older
}

// extend gives r its ext, before its document goes or a version is kept.
func (r *record) extend() *recordExt {
	if r.ext == nil {
		r.ext = &recordExt{id: r.id()}
	}
	return r.ext
}

// tidy drops r's ext when its document holds its _id and nothing older
// is kept.
func (r *record) tidy() {
	if r.ext != nil && r.ext.older == nil && r.doc != nil {
		r.ext = nil
	}
}

// committed reports whether r has a committed version.
func (r *record) committed() bool { return r.ts != 0 }

// hasOlder reports whether r keeps superseded versions.
func (r *record) hasOlder() bool { return r.older() != nil }

// latest is the newest committed version of r, nil if deleted or never committed.
func (r *record) latest() bson.D { return r.doc }

func (r *record) latestTS() uint32 { return r.ts }

// at is the version of r visible at snapshot ts.
func (r *record) at(ts uint32) bson.D {
	if r.ts <= ts {
		return r.doc // nil when never committed
	}
	for v := r.older(); v != nil; v = v.older {
		if v.ts <= ts {
			return v.doc
		}
	}
	return nil
}

// docs lists the documents r's versions and pending write hold: all an
// index must keep entries for.
func (r *record) docs() []bson.D {
	var out []bson.D
	if r.doc != nil {
		out = append(out, r.doc)
	}
	for v := r.older(); v != nil; v = v.older {
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

// record returns the record of _id value id, creating it when create is
// set.
func (c *collection) record(id any, create bool) *record {
	r := c.records.get(id)
	if r == nil && create {
		r = &record{seq: c.nextSeq, ext: &recordExt{id: id}}
		c.nextSeq++
		c.records.add(r)
		c.order = append(c.order, r)
	}
	return r
}

// commitVersion makes doc r's newest committed version and forgets the
// versions no open snapshot can read any more (oldest is the oldest such
// snapshot).
func (c *collection) commitVersion(r *record, ts uint32, doc bson.D, oldest uint32) {
	switch old := r.latest(); {
	case old == nil && doc != nil:
		c.live++
	case old != nil && doc == nil:
		c.live--
	}
	c.indexDoc(r, doc) // already there when a transaction wrote it
	if r.committed() {
		x := r.extend()
		x.older = &version{doc: r.doc, ts: r.ts, older: x.older}
	}
	if doc == nil {
		r.extend()
	}
	r.doc, r.ts = doc, ts
	c.prune(r, oldest)
}

func (c *collection) prune(r *record, oldest uint32) {
	// Keep the newest version at or before oldest and everything after it.
	var gone *version
	if r.ts <= oldest {
		gone = r.older()
		if gone != nil {
			r.ext.older = nil
		}
	} else {
		for v := r.older(); v != nil; v = v.older {
			if v.ts <= oldest {
				gone, v.older = v.older, nil
				break
			}
		}
	}
	for ; gone != nil; gone = gone.older {
		c.unindexDoc(r, gone.doc)
	}
	if r.owner == nil && r.older() == nil && r.doc == nil && r.ts <= oldest {
		c.drop(r) // deleted and unseen by any snapshot, or never committed
	}
	r.tidy()
}

// drop forgets r; its slot in order is reclaimed once enough accumulate.
func (c *collection) drop(r *record) {
	if r.removed() {
		return
	}
	c.records.remove(r)
	r.extend().id = removedMark{}
	c.removed++
	if c.removed > 64 && c.removed > len(c.order)/2 {
		c.order = slices.DeleteFunc(c.order, (*record).removed)
		c.removed = 0
	}
}

// idKey is the canonical key of an _id value: values mongod's _id index
// treats as equal (1, 1.0, NumberLong(1)) get the same key (appendKey
// builds it where it need not be kept).
func idKey(v any) string {
	var buf [64]byte
	return string(appendKey(buf[:0], v))
}

func appendKey(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "z;"...)
	case int32:
		return appendIntKey(b, int64(x))
	case int64:
		return appendIntKey(b, x)
	case float64:
		return appendFloatKey(b, x)
	case bson.Decimal128:
		// Integral decimals share the key of the equal integer; other
		// decimals are keyed by their text.
		if f, err := strconv.ParseFloat(x.String(), 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return appendFloatKey(b, f)
		}
		return append(append(append(b, 'd'), x.String()...), ';')
	case string:
		return appendLenPrefixed(append(b, 's'), x)
	case bson.ObjectID:
		// The most common _id: keyed without marshalling, 12 bytes.
		return append(append(b, 'o'), x[:]...)
	case bson.D:
		b = append(b, '{')
		for _, e := range x {
			b = appendKey(appendLenPrefixed(b, e.Key), e.Value)
		}
		return append(b, '}')
	case bson.A:
		b = append(b, '[')
		for _, e := range x {
			b = appendKey(b, e)
		}
		return append(b, ']')
	default:
		t, data, err := bson.MarshalValue(x)
		if err != nil {
			return append(append(b, '?'), err.Error()...)
		}
		b = strconv.AppendInt(append(b, 't'), int64(t), 10)
		b = strconv.AppendInt(append(b, ':'), int64(len(data)), 10)
		return append(append(b, ':'), data...)
	}
}

// appendLenPrefixed appends s as len:s.
func appendLenPrefixed(b []byte, s string) []byte {
	return append(append(strconv.AppendInt(b, int64(len(s)), 10), ':'), s...)
}

func appendIntKey(b []byte, n int64) []byte {
	return append(strconv.AppendInt(append(b, 'n'), n, 10), ';')
}

func appendFloatKey(b []byte, f float64) []byte {
	if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
		return appendIntKey(b, int64(f))
	}
	if math.IsNaN(f) {
		return append(b, "nNaN;"...)
	}
	return append(strconv.AppendFloat(append(b, 'n'), f, 'g', -1, 64), ';')
}
