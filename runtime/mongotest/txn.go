package mongotest

import (
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// session is a logical session (lsid) and its transaction state.
type session struct {
	txnNumber int64 // highest txnNumber seen
	tx        *txn  // the transaction numbered txnNumber, if it was one
	// retrying: txnNumber is a retryable write; stmts are the replies of
	// its statements that succeeded, by index (nil: not yet), answered
	// again when the driver retries it.
	retrying bool
	stmts    []bson.D
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
	reason   string             // why it was aborted, for later statements
	writes   map[*record]bson.D // its pending documents (nil: deleted)
	order    []pending          // its writes in order, for a deterministic commit
	created  []*collection      // the collections it created, visible to others at commit
	ops      []changeOp         // its writes, one per statement's document, for change streams
	lsid     bson.D             // its session's id, named by its change events
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
	ss := s.sessions[id]
	if ss == nil {
		ss = &session{}
		s.sessions[id] = ss
	}
	ss.lastUse = time.Now()
	return ss
}

func (s *Server) beginTxn(ss *session, number int64) *txn {
	tx := &txn{
		number: number, snapshot: s.clock.Load(), start: time.Now(),
		writes: map[*record]bson.D{}, done: make(chan struct{}),
	}
	ss.txnNumber, ss.tx, ss.retrying = number, tx, false
	s.open[tx] = struct{}{}
	return tx
}

// expired aborts tx when it has outlived the transaction lifetime and
// reports whether it is no longer active.
func (s *Server) expired(tx *txn) bool {
	if tx.state == txnActive && time.Since(tx.start) > s.opts.TransactionLifetime {
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
	delete(s.open, tx)
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
	tx.writes, tx.order, tx.created, tx.ops = nil, nil, nil, nil
	close(tx.done)
}

// commitTxn makes tx's writes visible at once, after checking its unique
// index entries against what others committed since its snapshot.
func (s *Server) commitTxn(tx *txn) *cmdError {
	// Re-check unique indexes against the latest state plus tx's writes.
	tx.snapshot = s.clock.Load()
	for _, p := range tx.order {
		if doc := tx.writes[p.rec]; doc != nil {
			if _, err := s.checkUnique(p.coll, view{tx: tx}, p.rec, doc); err != nil {
				s.abortTxn(tx, "a unique index was violated at commit")
				err.asWriteError = false
				return err
			}
		}
	}
	delete(s.open, tx)
	ts := s.tick(tx.order)
	oldest := s.oldestSnapshot()
	for _, p := range tx.order {
		p.rec.owner = nil
		p.coll.commitVersion(p.rec, ts, tx.writes[p.rec], oldest)
	}
	for _, c := range tx.created {
		c.creator = nil
	}
	s.logTxn(tx, ts)
	tx.ops = nil
	tx.state = txnCommitted
	close(tx.done)
	return nil
}

// openTxns lists the open transactions, oldest snapshot first, so that
// which one a conflict names does not depend on map order.
func (s *Server) openTxns() []*txn {
	out := make([]*txn, 0, len(s.open))
	for tx := range s.open {
		out = append(out, tx)
	}
	slices.SortFunc(out, func(a, b *txn) int { return a.start.Compare(b.start) })
	return out
}

// oldestSnapshot is the oldest snapshot a read may still ask for: an open
// transaction's, or the oldest time the snapshot history keeps.
func (s *Server) oldestSnapshot() uint32 {
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
	if o := r.owner; o != nil && o != v.tx {
		s.expired(o) // aborts o, releasing r, once it outlived its lifetime
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
		}
		tx.writes[r] = doc
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
	ts := s.tick(recs)
	c.commitVersion(r, ts, doc, s.oldestSnapshot())
	s.logWrite(ts, op)
}

// waitTx waits, with s.mu released, until tx ends, expires, the
// statement's deadline passes or the server closes.
func (s *Server) waitTx(req *request, tx *txn) *cmdError {
	expiry := tx.start.Add(s.opts.TransactionLifetime)
	limit := expiry
	if !req.deadline.IsZero() && req.deadline.Before(limit) {
		limit = req.deadline
	}
	t := time.NewTimer(time.Until(limit))
	defer t.Stop()
	s.mu.Unlock()
	defer s.mu.Lock()
	select {
	case <-tx.done:
		return nil
	case <-s.done:
		return errorf(codeShutdownInProgress, "The server is shutting down")
	case <-t.C:
		if !req.deadline.IsZero() && !time.Now().Before(req.deadline) {
			return errorf(codeMaxTimeMSExpired, "operation exceeded time limit")
		}
		return nil // the holder expired; the caller's retry aborts it
	}
}
