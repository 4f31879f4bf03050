package mongotest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// request is one command being executed.
type request struct {
	name     string
	db       string
	body     bson.D
	deadline time.Time // from maxTimeMS; zero: none

	sess      *session
	txnNumber int64
	hasTxnNum bool
	inTxn     bool // autocommit:false: a statement of a transaction
	start     bool // startTransaction:true
	tx        *txn // the transaction it runs in, once resolved
	retryable bool // a retryable write outside a transaction
}

// view is what req's statements read and write through.
func (req *request) view() view { return view{req.tx} }

type command struct {
	run func(s *Server, req *request) (bson.D, error)
	// inTxn: allowed as a statement of a transaction.
	inTxn bool
	// retryable: a write the retryable-writes specification retries.
	retryable bool
}

var commands = map[string]command{
	"ping":               {run: func(*Server, *request) (bson.D, error) { return bson.D{}, nil }},
	"buildInfo":          {run: (*Server).buildInfo},
	"buildinfo":          {run: (*Server).buildInfo},
	"endSessions":        {run: (*Server).endSessions},
	"killAllSessions":    {run: (*Server).killAllSessions},
	"killSessions":       {run: (*Server).endSessions},
	"listDatabases":      {run: (*Server).listDatabases},
	"listCollections":    {run: (*Server).listCollections},
	"create":             {run: (*Server).create, inTxn: true},
	"drop":               {run: (*Server).drop},
	"dropDatabase":       {run: (*Server).dropDatabase},
	"insert":             {run: (*Server).insert, inTxn: true, retryable: true},
	"find":               {run: (*Server).find, inTxn: true},
	"getMore":            {run: (*Server).getMore, inTxn: true},
	"killCursors":        {run: (*Server).killCursors, inTxn: true},
	"update":             {run: (*Server).update, inTxn: true, retryable: true},
	"delete":             {run: (*Server).delete, inTxn: true, retryable: true},
	"findAndModify":      {run: (*Server).findAndModify, inTxn: true, retryable: true},
	"findandmodify":      {run: (*Server).findAndModify, inTxn: true, retryable: true},
	"aggregate":          {run: (*Server).aggregate, inTxn: true},
	"count":              {run: (*Server).count},
	"distinct":           {run: (*Server).distinct, inTxn: true},
	"createIndexes":      {run: (*Server).createIndexes, inTxn: true},
	"listIndexes":        {run: (*Server).listIndexes},
	"dropIndexes":        {run: (*Server).dropIndexes},
	"configureFailPoint": {run: (*Server).configureFailPoint},
	"commitTransaction":  {run: (*Server).commitTransaction, inTxn: true},
	"abortTransaction":   {run: (*Server).abortTransaction, inTxn: true},
}

// adminOnly commands must be sent to the admin database, like on mongod.
var adminOnly = map[string]bool{
	"listDatabases": true, "configureFailPoint": true, "commitTransaction": true, "abortTransaction": true,
}

// handle executes one message and returns the reply document.
func (s *Server) handle(c *conn, m *message) (bson.D, error) {
	if len(m.body) == 0 {
		return s.reply(nil, nil, errorf(codeFailedToParse, "empty command document")), nil
	}
	name := m.body[0].Key
	switch name {
	case "hello", "isMaster", "ismaster":
		return s.hello(c, m, name)
	}
	req := &request{name: name, db: m.db, body: m.body}
	cmd, ok := commands[name]
	if !ok {
		return s.reply(req, nil, errorf(codeCommandNotFound, "no such command: '%s'", name)), nil
	}
	if m.db == "" {
		return s.reply(req, nil, errorf(codeFailedToParse, "command %s has no $db", name)), nil
	}
	if len(m.db) > 63 || strings.ContainsAny(m.db, "/\\. \"$\x00") {
		return s.reply(req, nil, errorf(codeInvalidNamespace, "Invalid database name: '%s'", m.db)), nil
	}
	if adminOnly[name] && m.db != "admin" {
		return s.reply(req, nil, errorf(codeUnauthorized, "%s may only be run against the admin database.", name)), nil
	}
	if err := req.parseSessionFields(cmd); err != nil {
		return s.reply(req, nil, err), nil
	}
	if rc, ok := lookup(req.body, "readConcern").(bson.D); ok && has(rc, "atClusterTime") {
		return s.reply(req, nil, errorf(codeBadValue, "mongotest does not support readConcern atClusterTime: it keeps no history to read at a chosen time")), nil
	}

	var wce *failPoint // a fail point that adds a writeConcernError
	if fp := s.triggerFailPoint(c, name); fp != nil {
		if fp.blockConnection {
			if !s.sleep(fp.blockTime) {
				return nil, errCloseConn
			}
		}
		if fp.closeConnection {
			return nil, errCloseConn
		}
		if fp.errorCode != 0 {
			err := &cmdError{Code: fp.errorCode, Msg: "Failing command via 'failCommand' failpoint", Labels: fp.errorLabels, labelsSet: fp.labelsSet}
			if req.inTxn && req.name != "commitTransaction" && req.name != "abortTransaction" {
				// Like any failed statement of a transaction, it aborts it. A
				// failed commit does not: the transaction stays open for the
				// driver to retry the commit, as on mongod.
				s.mu.Lock()
				if id, ok := sessionID(req.body); ok {
					if ss := s.sessions[id]; ss != nil && ss.tx != nil && ss.tx.number == req.txnNumber {
						s.abortTxn(ss.tx, "a statement failed via the failCommand fail point")
					}
				}
				s.mu.Unlock()
			}
			return s.reply(req, nil, err), nil
		}
		wce = fp
	}

	res, err := s.runLocked(req, cmd)
	out := s.reply(req, res, err)
	switch {
	case err != nil:
	case wce != nil && wce.writeConcernError != nil:
		out = withWriteConcernError(req, out, wce)
	default:
		if e := unsatisfiable(req.body); e != nil {
			out = withWriteConcernError(req, out, &failPoint{writeConcernError: e})
		}
	}
	return out, nil
}

// unsatisfiable is the writeConcernError mongod reports for a write
// concern that one node cannot satisfy: w above 1, or an unknown tag.
// Like mongod, the command itself has been applied.
func unsatisfiable(body bson.D) bson.D {
	wc, ok := lookup(body, "writeConcern").(bson.D)
	if !ok {
		return nil
	}
	switch w := lookup(wc, "w").(type) {
	case string:
		if w != "majority" {
			return bson.D{{Key: "code", Value: int32(79)}, {Key: "codeName", Value: "UnknownReplWriteConcern"},
				{Key: "errmsg", Value: fmt.Sprintf("No write concern mode named '%s' found in replica set configuration", w)}}
		}
	default:
		if n, ok := asInt64(w); ok && n > 1 {
			return bson.D{{Key: "code", Value: int32(100)}, {Key: "codeName", Value: "UnsatisfiableWriteConcern"},
				{Key: "errmsg", Value: "Not enough data-bearing nodes"}}
		}
	}
	return nil
}

// parseSessionFields reads lsid, txnNumber, autocommit, startTransaction
// and maxTimeMS; the session itself is resolved under s.mu.
func (req *request) parseSessionFields(cmd command) *cmdError {
	if v := lookup(req.body, "maxTimeMS"); v != nil {
		ms, ok := asInt64(v)
		if !ok || ms < 0 {
			return errorf(codeBadValue, "maxTimeMS must be a non-negative integer, not %v", v)
		}
		if ms > 0 {
			req.deadline = time.Now().Add(time.Duration(ms) * time.Millisecond)
		}
	}
	if v := lookup(req.body, "txnNumber"); v != nil {
		n, ok := asInt64(v)
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

// runLocked runs req with s.mu held. A panic, which would be a bug in
// this package, fails the command with InternalError instead of killing
// the test binary that embeds the server.
func (s *Server) runLocked(req *request, cmd command) (res bson.D, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, errorf(codeInternalError, "mongotest internal error in %s (a bug, please report it): %v", req.name, p)
		}
	}()
	return s.run(req, cmd)
}

// run resolves the session and transaction of req and runs it, with s.mu held.
func (s *Server) run(req *request, cmd command) (bson.D, error) {
	if id, ok := sessionID(req.body); ok {
		req.sess = s.session(id)
	} else if has(req.body, "lsid") {
		return nil, errorf(codeBadValue, "lsid must be a document with a UUID id")
	} else if req.hasTxnNum {
		return nil, errorf(codeInvalidOptions, "txnNumber requires a session id (lsid)")
	}
	ss := req.sess
	switch {
	case req.inTxn:
		if req.name == "commitTransaction" || req.name == "abortTransaction" {
			return cmd.run(s, req)
		}
		if err := s.resolveTxn(req); err != nil {
			return nil, err
		}
		res, err := cmd.run(s, req)
		if err != nil || hasWriteErrors(res) {
			// Any failure inside a transaction aborts it.
			s.abortTxn(req.tx, fmt.Sprintf("its %s statement failed", req.name))
		}
		return res, err
	case req.retryable:
		if req.txnNumber < ss.txnNumber {
			return nil, errTooOld(req.txnNumber, ss.txnNumber)
		}
		if req.txnNumber == ss.txnNumber {
			if ss.retryReply != nil {
				return ss.retryReply, nil // a retry: answer again, apply nothing
			}
			if ss.tx != nil {
				return nil, errorf(codeIllegalOperation, "txnNumber %d was used by a transaction on this session", req.txnNumber)
			}
		}
		if ss.tx != nil {
			s.abortTxn(ss.tx, "a newer txnNumber was used on its session")
		}
		ss.txnNumber, ss.tx, ss.retryReply = req.txnNumber, nil, nil
		res, err := cmd.run(s, req)
		if err == nil {
			ss.retryReply = res
		}
		return res, err
	default:
		return cmd.run(s, req)
	}
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

// hasWriteErrors reports a write command's failed statements: writeErrors,
// or bulkWrite's nErrors.
func hasWriteErrors(res bson.D) bool {
	n, _ := asInt64(lookup(res, "nErrors"))
	return has(res, "writeErrors") || n > 0
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
		if n == ss.txnNumber && (ss.tx != nil || ss.retryReply != nil) {
			return errorf(codeConflictingOperationInProgress, "txnNumber %d has already been used on this session", n)
		}
		if rc, ok := lookup(req.body, "readConcern").(bson.D); ok {
			if lvl, ok := lookup(rc, "level").(string); ok && lvl != "local" && lvl != "majority" && lvl != "snapshot" {
				return errorf(codeInvalidOptions, "read concern level %q is not supported in a transaction", lvl)
			}
		}
		if ss.tx != nil {
			s.abortTxn(ss.tx, "a newer transaction started on its session")
		}
		req.tx = s.beginTxn(ss, n)
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

// reply builds the reply document for res or err, with cluster time.
func (s *Server) reply(req *request, res bson.D, err error) bson.D {
	var out bson.D
	if err != nil {
		ce := asCmdError(err)
		out = bson.D{
			{Key: "ok", Value: 0.0},
			{Key: "errmsg", Value: ce.Msg},
			{Key: "code", Value: ce.Code},
			{Key: "codeName", Value: ce.codeName()},
		}
		labels := ce.Labels
		if !ce.labelsSet && req != nil {
			labels = req.defaultLabels(ce.Code)
		}
		if len(labels) > 0 {
			out = append(out, bson.E{Key: "errorLabels", Value: labels})
		}
		out = append(out, ce.extra...) // keyPattern and keyValue of a duplicate key
	} else {
		out = make(bson.D, 0, len(res)+3)
		out = append(out, res...)
		out = append(out, bson.E{Key: "ok", Value: 1.0})
	}
	ct := s.clusterTime()
	return append(out,
		bson.E{Key: "$clusterTime", Value: bson.D{
			{Key: "clusterTime", Value: ct},
			{Key: "signature", Value: bson.D{
				{Key: "hash", Value: bson.Binary{Data: make([]byte, 20)}},
				{Key: "keyId", Value: int64(0)},
			}},
		}},
		bson.E{Key: "operationTime", Value: ct},
	)
}

// defaultLabels are the error labels mongod adds to a failure with code.
func (req *request) defaultLabels(code int32) []string {
	switch {
	case req.inTxn && (req.name == "commitTransaction" || req.name == "abortTransaction"):
		// mongod: a commit or abort is transient for the codes that are
		// transient everywhere (a write conflict) and for NoSuchTransaction;
		// the codes retryable writes retry make it a retryable write instead.
		if transientTxnCodes[code] {
			return []string{"TransientTransactionError"}
		}
		if retryableCodes[code] {
			return []string{"RetryableWriteError"}
		}
	case req.inTxn:
		if transientTxnCodes[code] || retryableCodes[code] {
			return []string{"TransientTransactionError"}
		}
	case req.retryable:
		if retryableCodes[code] {
			return []string{"RetryableWriteError"}
		}
	}
	return nil
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case float64:
		if x == float64(int64(x)) {
			return int64(x), true
		}
	}
	return 0, false
}

// maxHelloHold bounds how long a streaming hello is held: it is how long
// the driver takes to trust the server again after a "not primary" or
// "shutting down" error from a fail point.
const maxHelloHold = 100 * time.Millisecond

func (s *Server) hello(c *conn, m *message, name string) (bson.D, error) {
	if client, ok := lookup(m.body, "client").(bson.D); ok {
		if app, ok := lookup(client, "application").(bson.D); ok {
			c.appName, _ = lookup(app, "name").(string)
		}
	}
	if _, ok := lookup(m.body, "topologyVersion").(bson.D); ok {
		// A streaming monitor: the topology never changes, so hold the
		// reply as mongod does, but for at most maxHelloHold: after a fail
		// point's state-change error the driver marks the server unknown
		// until this reply comes.
		if wait, ok := asInt64(lookup(m.body, "maxAwaitTimeMS")); ok && wait > 0 {
			d := min(time.Duration(wait)*time.Millisecond, maxHelloHold)
			if !s.sleep(d) {
				return nil, errCloseConn
			}
		}
	}
	res := bson.D{{Key: "helloOk", Value: true}}
	if name == "hello" {
		res = append(res, bson.E{Key: "isWritablePrimary", Value: true})
	} else {
		res = append(res, bson.E{Key: "ismaster", Value: true})
	}
	res = append(res,
		bson.E{Key: "topologyVersion", Value: bson.D{{Key: "processId", Value: s.processID}, {Key: "counter", Value: int64(0)}}},
		bson.E{Key: "hosts", Value: bson.A{s.addr}},
		bson.E{Key: "setName", Value: "rs0"},
		bson.E{Key: "setVersion", Value: int32(1)},
		bson.E{Key: "secondary", Value: false},
		bson.E{Key: "primary", Value: s.addr},
		bson.E{Key: "me", Value: s.addr},
		bson.E{Key: "electionId", Value: s.processID},
		bson.E{Key: "maxBsonObjectSize", Value: int32(maxBSONSize)},
		bson.E{Key: "maxMessageSizeBytes", Value: int32(maxMessageSize)},
		bson.E{Key: "maxWriteBatchSize", Value: int32(100000)},
		bson.E{Key: "localTime", Value: bson.NewDateTimeFromTime(time.Now())},
		bson.E{Key: "logicalSessionTimeoutMinutes", Value: int32(30)},
		bson.E{Key: "connectionId", Value: c.id},
		bson.E{Key: "minWireVersion", Value: int32(0)},
		bson.E{Key: "maxWireVersion", Value: int32(25)},
		bson.E{Key: "readOnly", Value: false},
	)
	return s.reply(nil, res, nil), nil
}

func (s *Server) buildInfo(*request) (bson.D, error) {
	return bson.D{
		{Key: "version", Value: "8.0.0"},
		{Key: "gitVersion", Value: "mongotest"},
		{Key: "versionArray", Value: bson.A{int32(8), int32(0), int32(0), int32(0)}},
		{Key: "bits", Value: int32(64)},
		{Key: "maxBsonObjectSize", Value: int32(maxBSONSize)},
		{Key: "storageEngines", Value: bson.A{"mongotest"}},
	}, nil
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

func (s *Server) endSession(id string) {
	if ss := s.sessions[id]; ss != nil {
		if ss.tx != nil {
			s.abortTxn(ss.tx, "its session ended")
		}
		delete(s.sessions, id)
	}
}

func (s *Server) killAllSessions(*request) (bson.D, error) {
	ids := make([]string, 0, len(s.sessions))
	for id := range s.sessions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		s.endSession(id)
	}
	return bson.D{}, nil
}

// unsupported refuses fields of body that would change a command's
// meaning and that this server does not implement.
func unsupported(req *request, fields ...string) *cmdError {
	for _, f := range fields {
		if v := lookup(req.body, f); v != nil && v != false {
			return errorf(codeBadValue, "mongotest does not support the %q option of %s", f, req.name)
		}
	}
	return nil
}

// checkHint accepts a hint naming an index of c (by name or key pattern):
// a hint chooses a plan, not a result, so a valid one changes nothing here.
// A hint to a missing index fails as on mongod.
func checkHint(c *collection, h any) *cmdError {
	switch v := h.(type) {
	case nil:
		return nil
	case string:
		if v == "" || v == "_id_" || c == nil || slices.ContainsFunc(c.indexes, func(ix *index) bool { return ix.name == v }) {
			return nil
		}
	case bson.D:
		if len(v) == 0 || c == nil || sameDoc(v, bson.D{{Key: "_id", Value: int32(1)}}) ||
			slices.ContainsFunc(c.indexes, func(ix *index) bool { return sameDoc(ix.key, v) }) {
			return nil
		}
	default:
		return errorf(codeFailedToParse, "hint must be a string or a document, not %s", bsonTypeName(h))
	}
	return errorf(codeBadValue, "error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index")
}

// nsName validates and returns the collection name of a collection command.
func collName(req *request) (string, *cmdError) {
	name, ok := req.body[0].Value.(string)
	if !ok || name == "" {
		return "", errorf(codeInvalidNamespace, "collection name for %s must be a non-empty string", req.name)
	}
	if strings.HasPrefix(name, "system.") || strings.Contains(name, "$") || strings.ContainsRune(name, 0) {
		return "", errorf(codeInvalidNamespace, "Invalid collection name: %s.%s", req.db, name)
	}
	return name, nil
}
