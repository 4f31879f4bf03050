package mongotest

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// session is a logical session (lsid) and its transaction state.
type session struct {
	// mu is held by the command that has the session checked out: the
	// fields below change only under it, but lastUse, which is regMu's.
	mu        sync.Mutex
	txnNumber int64 // highest txnNumber seen
	tx        *txn  // the transaction numbered txnNumber, if it was one
	// retrying: txnNumber is a retryable write; stmts are the replies of
	// its statements that succeeded, answered again when the driver
	// retries it.
	retrying bool
	stmts    stmtReplies
	lastUse  time.Time // for $listLocalSessions
}

type txnState int

const (
	txnActive txnState = iota
	txnCommitted
	txnAborted
)

// txn is a multi-document transaction. It reads the snapshot taken at its
// first statement plus its own writes, and holds every record it writes
// until it ends (first writer wins).
type txn struct {
	number   int64
	snapshot uint32
	start    time.Time
	state    txnState
	reason   string // why it was aborted, for later statements
	sess     *session
	// writes are its pending documents (nil: deleted). Its own statements
	// read them freely; others, reaching them through a record it holds,
	// read them with wmu (pendingDoc), which guards every change.
	writes  map[*record]bson.D
	wmu     sync.Mutex
	nss     []string      // the namespaces it wrote, sorted: ending it locks them
	order   []pending     // its writes in order, for a deterministic commit
	created []*collection // the collections it created, visible to others at commit
	ops     []changeOp    // its writes, one per statement's document, for change streams
	lsid    bson.D        // its session's id, named by its change events
	// touched are the namespaces its statements named: like mongod's
	// collection locks, held until it ends, they make a drop wait.
	touched map[string]bool
	done    chan struct{} // closed when it ends
}

type pending struct {
	coll *collection
	rec  *record
}

func (s *Server) session(id string) *session {
	s.regMu.Lock()
	defer s.regMu.Unlock()
	ss := s.sessions[id]
	if ss == nil {
		ss = &session{}
		s.sessions[id] = ss
	}
	ss.lastUse = time.Now()
	return ss
}

// beginTxn starts transaction number of ss, reading at the snapshot at
// (atSet), or now. It is registered as open with its snapshot in one step,
// so that no commit forgets versions it reads.
func (s *Server) beginTxn(ss *session, number int64, at uint32, atSet bool) *txn {
	tx := &txn{
		number: number, start: time.Now(), sess: ss,
		writes: map[*record]bson.D{}, done: make(chan struct{}),
	}
	ss.txnNumber, ss.tx, ss.retrying = number, tx, false
	s.openMu.Lock()
	defer s.openMu.Unlock()
	tx.snapshot = s.clock.Load()
	if atSet {
		tx.snapshot = at
	}
	s.open[tx] = struct{}{}
	return tx
}

// pendingDoc is tx's pending document of r, for a statement of another
// transaction or none.
func (tx *txn) pendingDoc(r *record) bson.D {
	tx.wmu.Lock()
	defer tx.wmu.Unlock()
	return tx.writes[r]
}

// outlived reports whether tx is active past the transaction lifetime.
func (s *Server) outlived(tx *txn) bool {
	return tx.state == txnActive && time.Since(tx.start) > s.opts.TransactionLifetime
}

// expired aborts tx when it has outlived the transaction lifetime and
// reports whether it is no longer active. It is for tx's own session's
// commands, which hold what aborting it takes (planLocks); another
// transaction's expiry is dealt with in waitTx.
func (s *Server) expired(tx *txn) bool {
	if s.outlived(tx) {
		s.abortTxn(tx, fmt.Sprintf("it exceeded the transaction lifetime of %v", s.opts.TransactionLifetime))
	}
	return tx.state != txnActive
}

// abortTxn discards tx's writes and releases its records.
func (s *Server) abortTxn(tx *txn, reason string) {
	if tx.state != txnActive {
		return
	}
	tx.state, tx.reason = txnAborted, reason
	s.openMu.Lock()
	delete(s.open, tx)
	s.openMu.Unlock()
	for _, p := range tx.order {
		p.rec.owner = nil
		p.coll.unindexDoc(p.rec, tx.writes[p.rec])
		if !p.rec.committed() {
			p.coll.drop(p.rec)
		}
	}
	for _, c := range tx.created {
		s.forgetPending(c)
	}
	tx.wmu.Lock()
	tx.writes = nil
	tx.wmu.Unlock()
	tx.order, tx.created, tx.ops = nil, nil, nil
	close(tx.done)
}

// commitTxn makes tx's writes visible at once, after checking its unique
// index entries against what others committed since its snapshot.
func (s *Server) commitTxn(tx *txn) *cmdError {
	// Re-check unique indexes against the latest state plus tx's writes.
	s.openMu.Lock()
	tx.snapshot = s.clock.Load()
	s.openMu.Unlock()
	for _, p := range tx.order {
		if doc := tx.writes[p.rec]; doc != nil {
			if _, err := s.checkUnique(p.coll, view{tx: tx}, p.rec, doc); err != nil {
				s.abortTxn(tx, "a unique index was violated at commit")
				err.asWriteError = false
				return err
			}
		}
	}
	s.openMu.Lock()
	delete(s.open, tx)
	s.openMu.Unlock()
	s.commitSection(tx.order, func(ts, oldest uint32) {
		for _, p := range tx.order {
			p.rec.owner = nil
			p.coll.commitVersion(p.rec, ts, tx.writes[p.rec], oldest)
		}
		s.logTxn(tx, ts)
	})
	for _, c := range tx.created {
		c.creator = nil
	}
	var colls []*collection
	for _, p := range tx.order {
		if !slices.Contains(colls, p.coll) {
			colls = append(colls, p.coll)
			s.pruneBacklog(p.coll)
		}
	}
	tx.ops = nil
	tx.state = txnCommitted
	close(tx.done)
	return nil
}

// openTxns lists the open transactions, oldest snapshot first, so that
// which one a conflict names does not depend on map order.
func (s *Server) openTxns() []*txn {
	s.openMu.Lock()
	defer s.openMu.Unlock()
	out := make([]*txn, 0, len(s.open))
	for tx := range s.open {
		out = append(out, tx)
	}
	slices.SortFunc(out, func(a, b *txn) int { return a.start.Compare(b.start) })
	return out
}

// oldestSnapshot is the oldest snapshot a read may still ask for: an open
// transaction's, or the oldest time the snapshot history keeps. It runs
// in the commit section, which guards hist.
func (s *Server) oldestSnapshot() uint32 {
	s.openMu.Lock()
	defer s.openMu.Unlock()
	oldest := min(s.clock.Load(), s.hist.from)
	for tx := range s.open {
		oldest = min(oldest, tx.snapshot)
	}
	return oldest
}

// claim prepares record r for a write through v. In a transaction it
// enforces first-writer-wins: a record held by another open transaction,
// or committed after the snapshot, is a WriteConflict. Outside one, a
// record held by a transaction must wait: claim returns that transaction.
func (s *Server) claim(v view, r *record) (wait *txn, err *cmdError) {
	if o := r.owner; o != nil && o != v.tx && s.outlived(o) {
		return o, nil // waitTx aborts o, releasing r
	}
	if v.tx == nil {
		if r.owner != nil {
			return r.owner, nil
		}
		return nil, nil
	}
	if (r.owner != nil && r.owner != v.tx) || r.latestTS() > v.tx.snapshot {
		return nil, errWriteConflict()
	}
	return nil, nil
}

func errWriteConflict() *cmdError {
	return errorf(codeWriteConflict, "Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.")
}

// put records doc (nil: delete) as r's new document; replace tells a
// replacement from an update, for change streams. Outside a transaction
// the write commits at once.
func (s *Server) put(v view, c *collection, r *record, doc bson.D, replace bool) {
	pre := v.doc(r)
	op := changeOp{coll: c, pre: pre, doc: doc, replace: replace}
	if op.id = lookup(doc, "_id"); doc == nil {
		op.id = lookup(pre, "_id")
	}
	if tx := v.tx; tx != nil {
		tx.ops = append(tx.ops, op)
		prev, had := tx.writes[r]
		if !had {
			tx.order = append(tx.order, pending{c, r})
			if i, found := slices.BinarySearch(tx.nss, c.ns()); !found {
				tx.nss = slices.Insert(tx.nss, i, c.ns())
			}
		}
		tx.wmu.Lock()
		tx.writes[r] = doc
		tx.wmu.Unlock()
		r.owner = tx
		c.indexDoc(r, doc)
		if had {
			c.unindexDoc(r, prev)
		}
		return
	}
	recs := []pending{{c, r}}
	if !r.committed() && doc != nil {
		recs = nil // its first version: nothing older to forget (see tick)
	}
	s.commitSection(recs, func(ts, oldest uint32) {
		c.commitVersion(r, ts, doc, oldest)
		s.logWrite(ts, op)
	})
	s.pruneBacklog(c)
}

// waitTx waits, with req's locks released, until tx ends, expires, the
// statement's deadline passes or the server closes. A tx that outlived its
// lifetime is aborted here, where nothing is held that ending it could
// wait for; a statement whose own transaction expired fails.
func (s *Server) waitTx(req *request, tx *txn) *cmdError {
	if tx == upgradeNow {
		s.upgrade(req)
		return nil
	}
	if own := req.tx; own != nil && own != tx && s.outlived(own) {
		s.expired(own)
		return errAborted(own)
	}
	if tx.state != txnActive {
		return nil // it ended since: look again
	}
	stale := s.outlived(tx)
	s.release(req.locks)
	defer s.acquire(req.locks)
	if stale {
		s.reap(req, tx)
		return nil
	}
	expiry := tx.start.Add(s.opts.TransactionLifetime)
	limit := expiry
	if !req.deadline.IsZero() && req.deadline.Before(limit) {
		limit = req.deadline
	}
	t := time.NewTimer(time.Until(limit))
	defer t.Stop()
	select {
	case <-tx.done:
		return nil
	case <-s.done:
		return errorf(codeShutdownInProgress, "The server is shutting down")
	case <-t.C:
		if !req.deadline.IsZero() && !time.Now().Before(req.deadline) {
			return errorf(codeMaxTimeMSExpired, "operation exceeded time limit")
		}
		return nil // the holder expired: the caller's retry has it aborted
	}
}

// reap aborts tx, another session's transaction that outlived its
// lifetime, with req holding nothing but its own session. When tx's
// session is busy running a command, reap waits a little instead: the
// caller tries again.
func (s *Server) reap(req *request, tx *txn) {
	// First its own session's expired transaction, if any: a command of
	// tx's session may be waiting for it, holding tx's session.
	if own := req.sess; req.checkedOut && own.tx != nil && own.tx != tx && s.outlived(own.tx) {
		otx := own.tx
		s.withTxnLocks(otx, func() { s.expired(otx) })
	}
	ss := tx.sess
	if !(req.checkedOut && ss == req.sess) {
		if !ss.mu.TryLock() {
			s.sleep(time.Millisecond)
			return
		}
		defer ss.mu.Unlock()
	}
	if tx.state != txnActive { // stable now: its session is held
		return
	}
	s.withTxnLocks(tx, func() { s.expired(tx) })
}
