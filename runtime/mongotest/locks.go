package mongotest

import (
	"slices"
	"strings"
	"sync"
)

// Locking is hierarchical, like mongod's: a command takes, in this order and
// never the other way round,
//
//  1. its session (session.mu, a checkout): one command of a session runs
//     at a time, so a session and its transaction change only under it;
//  2. the catalog lock (Server.catalogMu): shared by every command that
//     reads or writes collections, exclusive for a change of the catalog
//     (create, drop, dropDatabase, createIndexes, dropIndexes, $out, a
//     write that creates its collection, the end of a transaction that
//     created one; $merge locks only its target collection);
//  3. namespace locks ("db.coll", one RWMutex each), in name order, under
//     the shared catalog lock: exclusive for a write, shared for a read. A
//     transaction's statements, its commit and its abort also hold
//     exclusively every namespace it has written, so that ending it, which
//     touches all of its records, needs nothing more;
//  4. the commit section (Server.commitMu): the clock, the snapshot history
//     and the change log change together in it, so that a reader at a
//     cluster time never sees half of a commit and events stay in order;
//  5. leaf mutexes, holding nothing else while held: openMu (the open
//     transactions), regMu (sessions, cursors, cursor ids), failMu (fail
//     points), txn.wmu (a transaction's pending documents, which other
//     statements read through the records it holds).
//
// A command that waits (for a transaction that holds a document, for a
// change stream's next event, to take the catalog lock exclusively) gives
// up levels 2 and 3 and takes them again after: whatever it looked at may
// have changed, so it looks again. Locks taken out of this order are only
// tried, never waited for: another session, to abort its transaction once
// it outlived its lifetime (waitTx); a cursor, which a change stream's
// getMore keeps while it waits (a second getMore fails with CursorInUse);
// an idle collection, to prune its old versions (pruneBacklog).

type lockMode uint8

const (
	lockNone lockMode = iota
	lockShared
	lockExclusive
)

// nsLock is one namespace of a lockSet and the mode it is held in.
type nsLock struct {
	ns   string
	mode lockMode
}

// lockSet is what a command holds (levels 2 and 3) while it runs. Requests
// copied for a sub-statement share their parent's.
type lockSet struct {
	catalog lockMode
	ns      []nsLock // sorted by ns
	held    bool
	buf     [2]nsLock // ns's first array: most commands lock one or two
}

// add asks for ns in mode; a namespace asked for twice gets the stronger.
func (l *lockSet) add(ns string, mode lockMode) {
	i, found := slices.BinarySearchFunc(l.ns, ns, func(n nsLock, ns string) int { return strings.Compare(n.ns, ns) })
	if found {
		l.ns[i].mode = max(l.ns[i].mode, mode)
		return
	}
	if l.ns == nil {
		l.ns = l.buf[:0]
	}
	l.ns = slices.Insert(l.ns, i, nsLock{ns, mode})
	l.catalog = max(l.catalog, lockShared)
}

// holds reports whether l lets its command read (mode shared) or write
// (exclusive) namespace ns.
func (l *lockSet) holds(ns string, mode lockMode) bool {
	if l == nil || !l.held {
		return false
	}
	if l.catalog == lockExclusive {
		return true
	}
	for _, n := range l.ns {
		if n.ns == ns {
			return n.mode >= mode
		}
	}
	return false
}

// lockTable holds one RWMutex per namespace ever locked. They are never
// freed: a test names few namespaces. Looking one up takes no lock once it
// exists, so that commands on unrelated namespaces share nothing.
type lockTable struct {
	m sync.Map // string -> *sync.RWMutex
}

func (t *lockTable) get(ns string) *sync.RWMutex {
	if m, ok := t.m.Load(ns); ok {
		return m.(*sync.RWMutex)
	}
	m, _ := t.m.LoadOrStore(ns, new(sync.RWMutex))
	return m.(*sync.RWMutex)
}

// acquire takes l's locks, catalog first, then namespaces in name order.
// Under the exclusive catalog lock nothing else touches a collection: the
// namespace locks are not needed.
func (s *Server) acquire(l *lockSet) {
	switch l.catalog {
	case lockNone:
		l.held = true
		return
	case lockShared:
		s.catalogMu.RLock()
	case lockExclusive:
		s.catalogMu.Lock()
		l.held = true
		return
	}
	for _, n := range l.ns {
		m := s.nsLocks.get(n.ns)
		if n.mode == lockExclusive {
			m.Lock()
		} else {
			m.RLock()
		}
	}
	l.held = true
}

// release gives l's locks up, in the reverse order.
func (s *Server) release(l *lockSet) {
	if !l.held {
		return
	}
	l.held = false
	switch l.catalog {
	case lockNone:
		return
	case lockExclusive:
		s.catalogMu.Unlock()
		return
	}
	for i := len(l.ns) - 1; i >= 0; i-- {
		m := s.nsLocks.get(l.ns[i].ns)
		if l.ns[i].mode == lockExclusive {
			m.Unlock()
		} else {
			m.RUnlock()
		}
	}
	s.catalogMu.RUnlock()
}

// upgrade makes req hold the catalog exclusively, to create a collection:
// like a wait, it gives up what req holds first.
func (s *Server) upgrade(req *request) {
	s.release(req.locks)
	req.locks.catalog = lockExclusive
	s.acquire(req.locks)
}

// txnLocks are the locks that end tx: every namespace it wrote, and the
// catalog exclusively when it created a collection.
func txnLocks(tx *txn, l *lockSet) {
	if tx == nil || tx.state != txnActive {
		return
	}
	for _, ns := range tx.nss {
		l.add(ns, lockExclusive)
	}
	l.catalog = max(l.catalog, lockShared)
	if len(tx.created) > 0 {
		l.catalog = lockExclusive
	}
}

// withTxnLocks runs f holding what ending tx needs, with nothing else held.
func (s *Server) withTxnLocks(tx *txn, f func()) {
	var l lockSet
	txnLocks(tx, &l)
	s.acquire(&l)
	defer s.release(&l)
	f()
}

// commitSection runs publish in the commit section with the new commit
// time, once the clock has advanced for a commit that wrote recs, and the
// oldest snapshot a reader may still ask for.
func (s *Server) commitSection(recs []pending, publish func(ts, oldest uint32)) {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	ts := s.tick(recs)
	publish(ts, s.oldestSnapshot())
}
