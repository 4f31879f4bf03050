package mongotest

import (
	"sort"
	"time"
	"unique"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The change log keeps up to changeLogCap events, whatever the size of the
// collections: at that count the bytes of each event matter as much as a
// stored document's own overhead. An event is therefore kept packed, 56
// bytes, in a ring that grows to the cap and then reuses its slots:
//   - what many events share (operation, namespace, transaction) is one
//     interned eventOrigin;
//   - the document before the write is kept only for an update or a
//     replace (a delete's event keeps the deleted document, for its _id;
//     an insert has none);
//   - every event of a server has the server's start as its position's T.
// eventsSince unpacks the events a stream reads into changeEvents.

// loggedEvent is a changeEvent as the log keeps it.
type loggedEvent struct {
	i, idx uint32 // position: the commit's I, the write's index within it
	wall   int64  // Unix nanoseconds
	origin unique.Handle[eventOrigin]
	doc    bson.D  // after the write; for a delete, before it
	pre    *bson.D // before an update or a replace
}

type eventOrigin struct {
	op, db, coll string
	tx           *txnTag
}

// txnTag names the transaction whose commit wrote an event.
type txnTag struct {
	lsid   bson.D
	number int64
}

// eventRing holds the kept events, oldest first from ring[start].
type eventRing struct {
	ring     []loggedEvent
	start, n int
	t        uint32 // the T of every event's position
	last     unique.Handle[eventOrigin]
}

func (r *eventRing) at(k int) *loggedEvent { return &r.ring[(r.start+k)%len(r.ring)] }

// push appends e; the ring must have room below changeLogCap.
func (r *eventRing) push(e changeEvent, tag *txnTag) {
	if r.n == len(r.ring) {
		// By a quarter: a log of n events wastes at most n/4 slots, and
		// each event is copied about four times in all.
		r.resize(min(max(len(r.ring)+len(r.ring)/4, 64), changeLogCap))
	}
	o := eventOrigin{op: e.op, db: e.db, coll: e.coll, tx: tag}
	if r.last == (unique.Handle[eventOrigin]{}) || r.last.Value() != o {
		r.last = unique.Make(o)
	}
	le := loggedEvent{i: e.pos.i, idx: uint32(e.pos.idx), wall: e.wall.UnixNano(), origin: r.last, doc: e.doc}
	switch {
	case e.doc == nil:
		le.doc = e.pre
	case e.pre != nil:
		pre := e.pre
		le.pre = &pre
	}
	r.t = e.pos.t
	*r.at(r.n) = le
	r.n++
}

// dropOldest forgets the oldest event and returns its position.
func (r *eventRing) dropOldest() streamPos {
	p := r.pos(r.at(0))
	*r.at(0) = loggedEvent{} // let its documents go
	r.start = (r.start + 1) % len(r.ring)
	r.n--
	if len(r.ring) > 64 && r.n < len(r.ring)/4 {
		r.resize(len(r.ring) / 2) // a quiet log gives its memory back
	}
	return p
}

func (r *eventRing) resize(size int) {
	ring := make([]loggedEvent, size)
	for k := range r.n {
		ring[k] = *r.at(k)
	}
	r.ring, r.start = ring, 0
}

func (r *eventRing) pos(e *loggedEvent) streamPos {
	return streamPos{t: r.t, i: e.i, idx: int64(e.idx)}
}

func (r *eventRing) wall(k int) time.Time { return time.Unix(0, r.at(k).wall) }

// since unpacks up to limit of the events after p.
func (r *eventRing) since(p streamPos, limit int) []changeEvent {
	k := sort.Search(r.n, func(k int) bool { return r.pos(r.at(k)).cmp(p) > 0 })
	out := make([]changeEvent, 0, min(limit, r.n-k))
	for ; k < r.n && len(out) < limit; k++ {
		out = append(out, r.unpack(r.at(k)))
	}
	return out
}

func (r *eventRing) unpack(le *loggedEvent) changeEvent {
	o := le.origin.Value()
	e := changeEvent{pos: r.pos(le), wall: time.Unix(0, le.wall), op: o.op, db: o.db, coll: o.coll, doc: le.doc}
	switch {
	case o.op == "delete":
		e.pre, e.doc = le.doc, nil
	case le.pre != nil:
		e.pre = *le.pre
	}
	if e.pre != nil || e.doc != nil {
		if e.id = lookup(e.doc, "_id"); e.doc == nil {
			e.id = lookup(e.pre, "_id")
		}
	}
	if o.tx != nil {
		e.lsid, e.txnNumber = o.tx.lsid, o.tx.number
	}
	return e
}
