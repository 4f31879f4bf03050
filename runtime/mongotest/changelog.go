package mongotest

import (
	"cmp"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The change log is mongotest's oplog for change streams: every committed
// write is recorded where it commits (a non-transactional write in put, a
// transaction's writes in commitTxn, in statement order, all at the commit
// time), and a drop where the catalog drops. It is bounded like the
// snapshot history: events older than Options.SnapshotHistory, or beyond
// changeLogCap, are forgotten, and a stream that would need them fails with
// ChangeStreamHistoryLost.

// changeLogCap bounds the events kept, whatever their age.
const changeLogCap = 1 << 16

// Codes of change streams (kept here, next to their use).
const (
	codeInvalidResumeToken      int32 = 260
	codeChangeStreamFatalError  int32 = 280
	codeChangeStreamHistoryLost int32 = 286
	codeCursorKilled            int32 = 237
)

// streamPos orders events: the cluster time of their commit, then their
// index within it. A position also stands for "everything up to here":
// idx -1 is before every event of its time, idxAll after all of them.
type streamPos struct {
	t, i uint32
	idx  int64
}

const idxAll = int64(1<<32 - 2)

func (p streamPos) cmp(q streamPos) int {
	return cmp.Or(cmp.Compare(p.t, q.t), cmp.Compare(p.i, q.i), cmp.Compare(p.idx, q.idx))
}

// tokenKind tells an event's resume token from an invalidate's and from a
// high-water mark (a position between events).
type tokenKind uint8

const (
	tokenEvent tokenKind = iota
	tokenInvalidate
	tokenHighWater
)

// token is the resume token of position p, {_data: hex}. Like mongod's,
// tokens of one server compare as their positions do.
func (p streamPos) token(kind tokenKind) bson.D {
	data := fmt.Sprintf("82%08X%08X%08X%02X", p.t, p.i, uint32(p.idx+1), kind)
	return bson.D{{Key: "_data", Value: data}}
}

// parseToken reads a resume token made by token.
func parseToken(v any) (streamPos, tokenKind, *cmdError) {
	d, ok := v.(bson.D)
	data, _ := lookup(d, "_data").(string)
	if !ok || len(d) != 1 || len(data) != 28 || data[:2] != "82" {
		return streamPos{}, 0, errorf(codeInvalidResumeToken, "Invalid resume token: %s: not a token of this mongotest server", bsonString(v))
	}
	var f [4]uint64
	for k, w := range [][2]int{{2, 10}, {10, 18}, {18, 26}, {26, 28}} {
		n, err := strconv.ParseUint(data[w[0]:w[1]], 16, 32)
		if err != nil {
			return streamPos{}, 0, errorf(codeInvalidResumeToken, "Invalid resume token: %s: not a token of this mongotest server", bsonString(v))
		}
		f[k] = n
	}
	if f[3] > uint64(tokenHighWater) {
		return streamPos{}, 0, errorf(codeInvalidResumeToken, "Invalid resume token: %s: unknown token type", bsonString(v))
	}
	return streamPos{t: uint32(f[0]), i: uint32(f[1]), idx: int64(f[2]) - 1}, tokenKind(f[3]), nil
}

// changeEvent is one committed change.
type changeEvent struct {
	pos      streamPos
	wall     time.Time
	op       string // insert, update, replace, delete, drop, dropDatabase
	db, coll string
	id       any    // the document's _id
	pre, doc bson.D // before and after the write (nil: absent)
	// lsid and txnNumber name the transaction that committed it, if any.
	lsid      bson.D
	txnNumber int64
}

// changeOp is a write of an open transaction, recorded when its statement
// runs and logged when the transaction commits.
type changeOp struct {
	coll     *collection
	id       any
	pre, doc bson.D
	replace  bool
}

type changeLog struct {
	events eventRing // the kept events, in position order (changering.go)
	// lost is the newest forgotten position: resuming before it is refused.
	lost streamPos
	// wake is closed when an event is appended, for waiting getMores.
	wake chan struct{}
}

// opKind is the operation type of a write of pre into doc.
func opKind(pre, doc bson.D, replace bool) string {
	switch {
	case pre == nil:
		return "insert"
	case doc == nil:
		return "delete"
	case replace:
		return "replace"
	}
	return "update"
}

// The log functions run in the commit section.

// logWrite records a committed non-transactional write at commit time ts.
func (s *Server) logWrite(ts uint32, op changeOp) {
	s.logEvent(changeEvent{
		pos: streamPos{t: uint32(s.started.Unix()), i: ts}, op: opKind(op.pre, op.doc, op.replace),
		db: op.coll.db, coll: op.coll.name, id: op.id, pre: op.pre, doc: op.doc,
	}, nil)
}

// logTxn records the writes of transaction tx, committed at ts.
func (s *Server) logTxn(tx *txn, ts uint32) {
	tag := &txnTag{lsid: tx.lsid, number: tx.number}
	if tx.lsid == nil {
		tag = nil
	}
	for k, op := range tx.ops {
		s.logEvent(changeEvent{
			pos: streamPos{t: uint32(s.started.Unix()), i: ts, idx: int64(k)}, op: opKind(op.pre, op.doc, op.replace),
			db: op.coll.db, coll: op.coll.name, id: op.id, pre: op.pre, doc: op.doc,
		}, tag)
	}
}

// logCatalog records a drop (coll set) or a dropDatabase at the current time.
func (s *Server) logCatalog(op, db, coll string) {
	s.logEvent(changeEvent{pos: streamPos{t: uint32(s.started.Unix()), i: s.clock.Load()}, op: op, db: db, coll: coll}, nil)
}

// logEvent appends e, written by the transaction tag names (nil: none),
// after forgetting the events beyond the cap or the history window.
func (s *Server) logEvent(e changeEvent, tag *txnTag) {
	l := &s.events
	e.wall = s.hist.now()
	cutoff := e.wall.Add(-s.hist.window)
	for l.events.n > 0 && (l.events.n >= changeLogCap || l.events.wall(0).Before(cutoff)) {
		l.lost = l.events.dropOldest()
	}
	l.events.push(e, tag)
	if l.wake != nil {
		close(l.wake)
		l.wake = nil
	}
}

// eventsSince returns (copies of) up to limit of the kept events after
// position p and the clock then, or ChangeStreamHistoryLost when some of
// them were forgotten.
func (s *Server) eventsSince(p streamPos, limit int) ([]changeEvent, uint32, *cmdError) {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	l := &s.events
	if p.cmp(l.lost) < 0 {
		return nil, 0, errorf(codeChangeStreamHistoryLost, "Resume of change stream was not possible, as the resume point may no longer be in the oplog: mongotest keeps the changes of the last %v (Options.SnapshotHistory), at most %d of them", s.hist.window, changeLogCap)
	}
	return l.events.since(p, limit), s.clock.Load(), nil
}

// waitCh is closed when the next event is appended.
func (l *changeLog) waitCh() <-chan struct{} {
	if l.wake == nil {
		l.wake = make(chan struct{})
	}
	return l.wake
}
