package mongotest

import (
	"sort"
	"time"
	"unique"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The change log keeps up to changeLogCap events, whatever the size of the
// collections: at that count the bytes of each event matter as much as a
// stored document's own overhead. An event is therefore kept packed, 48
// bytes, in blocks of eventBlockLen (12 KiB each, a size class) allocated as
// the log grows and freed as it drops its oldest events, so that the log
// keeps less than a block of empty slots:
//   - what many events share (operation, namespace, transaction) is one
//     interned eventOrigin;
//   - the document before the write is kept for a delete in the event's
//     doc (an insert has none), for an update or a replace on the side, in
//     pres: most events are inserts;
//   - every event of a server has the server's start as its position's T.
// eventsSince unpacks the events a stream reads into changeEvents.

// loggedEvent is a changeEvent as the log keeps it.
type loggedEvent struct {
	i, idx uint32 // position: the commit's I, the write's index within it
	wall   int64  // Unix nanoseconds
	origin unique.Handle[eventOrigin]
	doc    bson.D // after the write; for a delete, before it
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

const eventBlockLen = 256

type eventBlock [eventBlockLen]loggedEvent

// eventRing holds the kept events, oldest first from blocks[0][start].
// Events are numbered in the order they were pushed: event k of the ring
// is number dropped+k.
type eventRing struct {
	blocks   []*eventBlock
	start, n int
	dropped  uint64
	// pres are the documents before the kept updates and replaces, in
	// number order.
	pres []preImage
	t    uint32 // the T of every event's position
	last unique.Handle[eventOrigin]
}

type preImage struct {
	num uint64
	doc bson.D
}

func (r *eventRing) at(k int) *loggedEvent {
	j := r.start + k
	return &r.blocks[j/eventBlockLen][j%eventBlockLen]
}

// push appends e.
func (r *eventRing) push(e changeEvent, tag *txnTag) {
	if r.start+r.n == len(r.blocks)*eventBlockLen {
		r.blocks = append(r.blocks, new(eventBlock))
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
		r.pres = append(r.pres, preImage{num: r.dropped + uint64(r.n), doc: e.pre})
	}
	r.t = e.pos.t
	*r.at(r.n) = le
	r.n++
}

// dropOldest forgets the oldest event and returns its position.
func (r *eventRing) dropOldest() streamPos {
	p := r.pos(r.at(0))
	*r.at(0) = loggedEvent{} // let its documents go
	if len(r.pres) > 0 && r.pres[0].num == r.dropped {
		r.pres[0] = preImage{}
		r.pres = r.pres[1:]
	}
	r.dropped++
	r.n--
	if r.start++; r.start == eventBlockLen {
		r.blocks[0] = nil // a quiet log gives its memory back
		r.blocks = r.blocks[1:]
		r.start = 0
	}
	return p
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
		out = append(out, r.unpack(k))
	}
	return out
}

// unpack is event k.
func (r *eventRing) unpack(k int) changeEvent {
	le := r.at(k)
	o := le.origin.Value()
	e := changeEvent{pos: r.pos(le), wall: time.Unix(0, le.wall), op: o.op, db: o.db, coll: o.coll, doc: le.doc}
	switch o.op {
	case "delete":
		e.pre, e.doc = le.doc, nil
	case "update", "replace":
		num := r.dropped + uint64(k)
		if j := sort.Search(len(r.pres), func(j int) bool { return r.pres[j].num >= num }); j < len(r.pres) && r.pres[j].num == num {
			e.pre = r.pres[j].doc
		}
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
