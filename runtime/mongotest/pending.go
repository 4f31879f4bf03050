package mongotest

// Collections created inside a transaction (by create, createIndexes or an
// insert or upsert into a missing collection) are pending until it
// commits, as on mongod: only that transaction sees them; an abort forgets
// them. Another transaction that would create or write the same namespace
// gets a WriteConflict; a command outside a transaction waits for the
// creator to end, as it would for mongod's collection lock.

// visible reports whether c is in the catalog as v sees it.
func visible(c *collection, v view) bool {
	return c != nil && (c.creator == nil || c.creator == v.tx)
}

// visible reports whether v sees a collection of d.
func (d *database) visible(v view) bool {
	for _, c := range d.colls {
		if visible(c, v) {
			return true
		}
	}
	return false
}

// creatorOf is the other open transaction whose pending collection c is
// (nil: none).
func (s *Server) creatorOf(c *collection, v view) *txn {
	if c == nil || c.creator == nil || c.creator == v.tx || c.creator.state != txnActive {
		return nil
	}
	return c.creator
}

// pendingConflict is what a catalog change or write by req meets on a
// collection another transaction is creating: a WriteConflict inside a
// transaction, the creator to wait for outside one, or inside one once the
// creator expired (waitTx aborts it).
func (s *Server) pendingConflict(req *request, creator *txn) (wait *txn, err *cmdError) {
	if req.tx != nil && !s.outlived(creator) {
		return nil, errWriteConflict()
	}
	return creator, nil
}

// upgradeNow is the transaction a statement "waits" for to take the
// catalog lock exclusively (waitTx): it has always ended.
var upgradeNow = func() *txn {
	tx := &txn{state: txnCommitted, done: make(chan struct{})}
	close(tx.done)
	return tx
}()

// collForWrite is collection name of req's database for a write that
// creates it when missing; inside a transaction the new collection is
// pending until the commit. Creating it takes the catalog lock
// exclusively: without it, collForWrite returns upgradeNow to wait for,
// and the statement runs again once it holds it.
func (s *Server) collForWrite(req *request, name string) (*collection, *txn, *cmdError) {
	c := s.coll(req.db, name, false)
	if o := s.creatorOf(c, req.view()); o != nil {
		wait, err := s.pendingConflict(req, o)
		return nil, wait, err
	}
	if c != nil {
		return c, nil, nil
	}
	if req.locks.catalog != lockExclusive {
		return nil, upgradeNow, nil
	}
	c = s.coll(req.db, name, true)
	if req.tx != nil {
		c.creator = req.tx
		req.tx.created = append(req.tx.created, c)
	}
	return c, nil, nil
}

// forgetPending removes the pending collection c of an aborted transaction.
func (s *Server) forgetPending(c *collection) {
	d := s.dbs[c.db]
	if d == nil || d.colls[c.name] != c {
		return
	}
	delete(d.colls, c.name)
	if len(d.colls) == 0 {
		delete(s.dbs, c.db)
	}
}

// touch notes that tx's statement names namespace ns. A namespace dropped
// after tx's snapshot (before tx touched it) is refused: its collection at
// that snapshot is no longer known.
func (s *Server) touch(tx *txn, ns string) *cmdError {
	if tx.touched[ns] {
		return nil
	}
	if err := s.checkSnapshotNS(ns, tx.snapshot); err != nil {
		s.abortTxn(tx, "its snapshot of "+ns+" is gone")
		return err
	}
	if tx.touched == nil {
		tx.touched = map[string]bool{}
	}
	tx.touched[ns] = true
	return nil
}
