package mongotest

import (
	"go.mongodb.org/mongo-driver/v2/bson"
)

// lockKind is how a command locks (locks.go), by what it touches; each
// command's registration says which (command.locks).
type lockKind uint8

const (
	// lockCatalog, the zero value: the catalog exclusively, for catalog
	// changes and any command whose registration names no other kind.
	lockCatalog   lockKind = iota
	lockNothing            // no collection: registries and fail points only
	lockListing            // the catalog shared: lists, getMore, change streams
	lockRead               // its collection shared
	lockWrite              // its collection exclusively
	lockAggregate          // its collection and those its stages read
	lockBulk               // every namespace of nsInfo exclusively
	lockTxnEnd             // the namespaces its transaction wrote
)

// noCheckout are the commands that do not check their session out: those
// that end sessions, which they check out one by one, and killCursors
// outside a transaction, which must not wait for a change stream's getMore
// that keeps the session while it awaits events.
var noCheckout = map[string]bool{"endSessions": true, "killSessions": true, "killAllSessions": true, "killCursors": true}

// checksOut reports whether req checks its session out.
func (req *request) checksOut() bool {
	return req.sess != nil && (!noCheckout[req.name] || (req.name == "killCursors" && req.inTxn))
}

// planLocks is what req must hold to run. A statement of a transaction or
// a retryable write may end the session's transaction: it also holds what
// that takes.
func planLocks(req *request, kind lockKind, l *lockSet) {
	ns := func(mode lockMode) {
		if name, ok := req.body[0].Value.(string); ok {
			l.add(req.db+"."+name, mode)
		}
		l.catalog = max(l.catalog, lockShared)
	}
	switch kind {
	case lockCatalog:
		l.catalog = lockExclusive
	case lockNothing:
	case lockListing:
		l.catalog = lockShared
	case lockRead:
		ns(lockShared)
	case lockWrite:
		ns(lockExclusive)
	case lockAggregate:
		planAggregate(req, l)
	case lockBulk:
		l.catalog = lockShared
		nsInfo, _ := lookup(req.body, "nsInfo").(bson.A)
		for _, v := range nsInfo {
			d, _ := v.(bson.D)
			if name, ok := lookup(d, "ns").(string); ok {
				l.add(name, lockExclusive)
			}
		}
	case lockTxnEnd:
		l.catalog = lockShared
	}
	if ss := req.sess; ss != nil && (req.inTxn || req.retryable) {
		txnLocks(ss.tx, l)
	}
}

// planAggregate locks an aggregate's collection and the collections its
// stages read ($lookup, $graphLookup, $unionWith, at any depth) shared and
// the collection $merge writes exclusively; $out, which replaces a
// collection, changes the catalog. A change stream reads only the change
// log, and a collection per lookup (currentDoc).
func planAggregate(req *request, l *lockSet) {
	l.catalog = lockShared
	if req.changeStream() {
		return
	}
	pipeline, _ := lookup(req.body, "pipeline").(bson.A)
	name, isColl := req.body[0].Value.(string)
	if isColl {
		l.add(req.db+"."+name, lockShared)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case bson.D:
			for _, e := range x {
				switch e.Key {
				case "$out":
					l.catalog = lockExclusive
				case "$merge":
					if ns, ok := mergeTarget(req.db, e.Value); ok {
						l.add(ns, lockExclusive)
					} else {
						l.catalog = lockExclusive // the stage fails; nothing to find out here
					}
				case "$lookup", "$graphLookup":
					if from, ok := lookup(asDoc(e.Value), "from").(string); ok {
						l.add(req.db+"."+from, lockShared)
					}
				case "$unionWith":
					from, ok := e.Value.(string)
					if !ok {
						from, ok = lookup(asDoc(e.Value), "coll").(string)
					}
					if ok {
						l.add(req.db+"."+from, lockShared)
					}
				}
				walk(e.Value)
			}
		case bson.A:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(pipeline)
}

// mergeTarget is the namespace a $merge stage writes, {into: ...} or the
// target alone, as the stage reads it (sinkTarget); false when the stage
// will fail on it.
func mergeTarget(db string, v any) (string, bool) {
	if d, ok := v.(bson.D); ok {
		v = lookup(d, "into")
	}
	db, coll, err := sinkTarget(db, v, "db", "coll")
	return db + "." + coll, err == nil
}

func asDoc(v any) bson.D { d, _ := v.(bson.D); return d }
