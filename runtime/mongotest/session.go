package mongotest

import (
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func init() {
	register(command{run: (*Server).endSessions, locks: lockNothing}, "endSessions", "killSessions")
	register(command{run: (*Server).killAllSessions, locks: lockNothing}, "killAllSessions")
	register(command{run: (*Server).commitTransaction, inTxn: true, adminOnly: true, locks: lockTxnEnd}, "commitTransaction")
	register(command{run: (*Server).abortTransaction, inTxn: true, adminOnly: true, locks: lockTxnEnd}, "abortTransaction")
}

// This file holds the session protocol of commands: lsid, txnNumber,
// autocommit and startTransaction, commitTransaction and abortTransaction,
// endSessions. What a transaction reads and writes is in txn.go.

// parseSessionFields reads lsid, txnNumber, autocommit, startTransaction
// and maxTimeMS; the session itself is resolved as the command starts.
func (req *request) parseSessionFields(cmd command) *cmdError {
	if v := lookup(req.body, "maxTimeMS"); v != nil {
		ms, ok := wholeNumber(v)
		if !ok || ms < 0 {
			return errorf(codeBadValue, "maxTimeMS must be a non-negative integer, not %v", v)
		}
		if ms > 0 {
			req.deadline = time.Now().Add(time.Duration(ms) * time.Millisecond)
		}
	}
	if v := lookup(req.body, "txnNumber"); v != nil {
		n, ok := wholeNumber(v)
		if !ok {
			return errorf(codeTypeMismatch, "txnNumber must be an integer, not %T", v)
		}
		req.txnNumber, req.hasTxnNum = n, true
	}
	if v, ok := lookup(req.body, "autocommit").(bool); ok {
		if v {
			return errorf(codeInvalidOptions, "autocommit must be false")
		}
		req.inTxn = true
		if !req.hasTxnNum {
			return errorf(codeInvalidOptions, "'autocommit' field requires a transaction number to also be specified")
		}
	}
	req.start, _ = lookup(req.body, "startTransaction").(bool)
	if req.start && !req.inTxn {
		return errorf(codeInvalidOptions, "'startTransaction' field requires 'autocommit' field to also be specified")
	}
	if req.hasTxnNum && !req.inTxn {
		if !cmd.retryable {
			return errorf(codeInvalidOptions, "txnNumber may only be provided for multi-document transactions and retryable write commands; %s is neither", req.name)
		}
		req.retryable = true
	}
	if req.inTxn && !cmd.inTxn {
		return errorf(codeOperationNotSupportedInTx, "Cannot run '%s' in a multi-document transaction.", req.name)
	}
	if !req.inTxn && (req.name == "commitTransaction" || req.name == "abortTransaction") {
		return errorf(codeInvalidOptions, "%s must be run within a transaction: it needs lsid, txnNumber and autocommit: false", req.name)
	}
	return nil
}

// sessionID is the key of the session named by the command's lsid.
func sessionID(body bson.D) (string, bool) {
	lsid, ok := lookup(body, "lsid").(bson.D)
	if !ok {
		return "", false
	}
	id, ok := lookup(lsid, "id").(bson.Binary)
	return string(id.Data), ok
}

func errTooOld(n, current int64) *cmdError {
	return errorf(codeTransactionTooOld, "Cannot start transaction %d on session because a newer transaction %d has already started", n, current)
}

// resolveTxn finds or starts the transaction of a statement.
func (s *Server) resolveTxn(req *request) *cmdError {
	ss, n := req.sess, req.txnNumber
	if n < ss.txnNumber {
		return errTooOld(n, ss.txnNumber)
	}
	if req.start {
		if n == ss.txnNumber && (ss.tx != nil || ss.retrying) {
			return errorf(codeConflictingOperationInProgress, "txnNumber %d has already been used on this session", n)
		}
		if rc, ok := lookup(req.body, "readConcern").(bson.D); ok {
			if lvl, ok := lookup(rc, "level").(string); ok && lvl != "local" && lvl != "majority" && lvl != "snapshot" {
				return errorf(codeInvalidOptions, "read concern level %q is not supported in a transaction", lvl)
			}
		}
		var at uint32
		atSet := false
		if level, rc := readConcern(req.body); level == "snapshot" && has(rc, "atClusterTime") {
			ts, err := s.snapshotTime(rc)
			if err != nil {
				return err
			}
			at, atSet = ts, true
		}
		if ss.tx != nil {
			s.abortTxn(ss.tx, "a newer transaction started on its session")
		}
		req.tx = s.beginTxn(ss, n, at, atSet)
		req.tx.lsid, _ = lookup(req.body, "lsid").(bson.D)
		return nil
	}
	tx, err := s.namedTxn(req)
	if err != nil {
		return err
	}
	switch tx.state {
	case txnAborted:
		return errAborted(tx)
	case txnCommitted:
		return errCommitted(tx)
	}
	req.tx = tx
	return nil
}

// namedTxn is the transaction numbered req.txnNumber on req's session,
// expired by now if it outlived its lifetime.
func (s *Server) namedTxn(req *request) (*txn, *cmdError) {
	ss, n := req.sess, req.txnNumber
	if n < ss.txnNumber {
		return nil, errTooOld(n, ss.txnNumber)
	}
	if n > ss.txnNumber || ss.tx == nil {
		return nil, errorf(codeNoSuchTransaction, "Given transaction number %d does not match any in-progress transactions.", n)
	}
	s.expired(ss.tx)
	return ss.tx, nil
}

func errAborted(tx *txn) *cmdError {
	return errorf(codeNoSuchTransaction, "Transaction with { txnNumber: %d } has been aborted because %s.", tx.number, tx.reason)
}

func errCommitted(tx *txn) *cmdError {
	return errorf(codeTransactionCommitted, "Transaction with { txnNumber: %d } has been committed.", tx.number)
}

func (s *Server) commitTransaction(req *request) (bson.D, error) {
	tx, err := s.namedTxn(req)
	if err != nil {
		return nil, err
	}
	switch tx.state {
	case txnCommitted:
		return bson.D{}, nil // a retried commit: idempotent
	case txnAborted:
		return nil, errAborted(tx)
	}
	if err := s.commitTxn(tx); err != nil {
		return nil, err
	}
	return bson.D{}, nil
}

func (s *Server) abortTransaction(req *request) (bson.D, error) {
	tx, err := s.namedTxn(req)
	if err != nil {
		return nil, err
	}
	switch tx.state {
	case txnCommitted:
		return nil, errCommitted(tx)
	case txnAborted:
		return nil, errAborted(tx)
	}
	s.abortTxn(tx, "it was aborted by abortTransaction")
	return bson.D{}, nil
}

func (s *Server) endSessions(req *request) (bson.D, error) {
	ids, ok := lookup(req.body, req.name).(bson.A)
	if !ok {
		return nil, errorf(codeTypeMismatch, "%s must be an array of session ids", req.name)
	}
	for _, v := range ids {
		lsid, ok := v.(bson.D)
		if !ok {
			return nil, errorf(codeTypeMismatch, "%s: each session id must be a document", req.name)
		}
		if id, ok := lookup(lsid, "id").(bson.Binary); ok {
			s.endSession(string(id.Data))
		}
	}
	return bson.D{}, nil
}

// endSession forgets session id, aborting its transaction. It checks the
// session out, holding nothing else.
func (s *Server) endSession(id string) {
	s.regMu.Lock()
	ss := s.sessions[id]
	s.regMu.Unlock()
	if ss == nil {
		return
	}
	ss.mu.Lock()
	if tx := ss.tx; tx != nil && tx.state == txnActive {
		s.withTxnLocks(tx, func() { s.abortTxn(tx, "its session ended") })
	}
	ss.mu.Unlock()
	s.regMu.Lock()
	if s.sessions[id] == ss {
		delete(s.sessions, id)
	}
	s.regMu.Unlock()
}

func (s *Server) killAllSessions(*request) (bson.D, error) {
	s.regMu.Lock()
	ids := make([]string, 0, len(s.sessions))
	for id := range s.sessions {
		ids = append(ids, id)
	}
	s.regMu.Unlock()
	slices.Sort(ids)
	for _, id := range ids {
		s.endSession(id)
	}
	return bson.D{}, nil
}
