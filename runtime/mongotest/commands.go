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
	closeConn bool // close the connection instead of replying (a fail point)
	// streamCursor: a getMore of a change stream's cursor.
	streamCursor bool
	// at is the commit time a snapshot read outside a transaction reads.
	at    uint32
	atSet bool
	// locks are what it holds (locks.go), in ownLocks; sub-statements
	// share them.
	locks    *lockSet
	ownLocks lockSet
	// checkedOut: it holds its session's mutex.
	checkedOut bool
}

// view is what req's statements read and write through.
func (req *request) view() view { return view{tx: req.tx, at: req.at, atSet: req.atSet} }

type command struct {
	run func(s *Server, req *request) (bson.D, error)
	// inTxn: allowed as a statement of a transaction.
	inTxn bool
	// retryable: a write the retryable-writes specification retries.
	retryable bool
	// adminOnly: must be sent to the admin database, like on mongod.
	adminOnly bool
	// locks: what the command locks to run (lockplan.go); the zero value
	// takes the whole catalog.
	locks lockKind
}

// commands are the commands the server runs, by name. Each file of a
// command family registers its own (register, in its init), the way
// miniredis does: adding a command is its handler and one register line.
var commands = map[string]command{}

// register adds the commands of a family under their names. A name
// registered twice is a bug of this package.
func register(cmd command, names ...string) {
	for _, name := range names {
		if _, dup := commands[name]; dup {
			panic("mongotest: command " + name + " registered twice")
		}
		commands[name] = cmd
	}
}

func init() {
	register(command{run: func(*Server, *request) (bson.D, error) { return bson.D{}, nil }, locks: lockNothing}, "ping")
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
	if cmd.adminOnly && m.db != "admin" {
		return s.reply(req, nil, errorf(codeUnauthorized, "%s may only be run against the admin database.", name)), nil
	}
	if err := req.parseSessionFields(cmd); err != nil {
		return s.reply(req, nil, err), nil
	}
	if level, rc := readConcern(req.body); has(rc, "atClusterTime") && level != "snapshot" {
		return s.reply(req, nil, errorf(codeInvalidOptions, "readConcern atClusterTime requires level \"snapshot\", not %q", level)), nil
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
			// mongod evaluates failCommand before it checks the session
			// out: the injected error leaves the session and its
			// transaction as they were (a retried statement continues it,
			// a retried first statement starts it).
			err := &cmdError{Code: fp.errorCode, Msg: "Failing command via 'failCommand' failpoint", Labels: fp.errorLabels, labelsSet: fp.labelsSet}
			return s.reply(req, nil, err), nil
		}
		wce = fp
	}

	res, err := s.runLocked(req, cmd)
	if req.closeConn {
		return nil, errCloseConn
	}
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
		if n, ok := wholeNumber(w); ok && n > 1 {
			return bson.D{{Key: "code", Value: int32(100)}, {Key: "codeName", Value: "UnsatisfiableWriteConcern"},
				{Key: "errmsg", Value: "Not enough data-bearing nodes"}}
		}
	}
	return nil
}

// runLocked runs req with its session checked out and the locks it needs
// held (locks.go). A panic, which would be a bug in this package, fails
// the command with InternalError instead of killing the test binary that
// embeds the server.
func (s *Server) runLocked(req *request, cmd command) (res bson.D, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, errorf(codeInternalError, "mongotest internal error in %s (a bug, please report it): %v", req.name, p)
		}
	}()
	if id, ok := sessionID(req.body); ok {
		req.sess = s.session(id)
	} else if has(req.body, "lsid") {
		return nil, errorf(codeBadValue, "lsid must be a document with a UUID id")
	} else if req.hasTxnNum {
		return nil, errorf(codeInvalidOptions, "txnNumber requires a session id (lsid)")
	}
	if req.checksOut() {
		req.sess.mu.Lock()
		defer req.sess.mu.Unlock()
		req.checkedOut = true
	}
	req.locks = &req.ownLocks
	planLocks(req, cmd.locks, req.locks)
	s.acquire(req.locks)
	defer s.release(req.locks)
	if s.lockedHook != nil {
		s.lockedHook(req)
	}
	return s.run(req, cmd)
}

// run resolves the transaction of req and runs it, its locks held.
func (s *Server) run(req *request, cmd command) (bson.D, error) {
	if level, rc := readConcern(req.body); level == "snapshot" && !req.inTxn {
		return s.runSnapshotRead(req, cmd, rc)
	}
	switch {
	case req.inTxn:
		if req.name == "commitTransaction" || req.name == "abortTransaction" {
			return cmd.run(s, req)
		}
		if err := s.resolveTxn(req); err != nil {
			return nil, err
		}
		if coll, ok := req.body[0].Value.(string); ok {
			if err := s.touch(req.tx, req.db+"."+coll); err != nil {
				return nil, err
			}
		}
		res, err := cmd.run(s, req)
		if err != nil || hasWriteErrors(res) {
			// Any failure inside a transaction aborts it.
			s.abortTxn(req.tx, fmt.Sprintf("its %s statement failed", req.name))
		}
		return res, err
	case req.retryable:
		return s.runRetryable(req, cmd)
	default:
		return cmd.run(s, req)
	}
}

// hasWriteErrors reports a write command's failed statements: writeErrors,
// or bulkWrite's nErrors.
func hasWriteErrors(res bson.D) bool {
	n, _ := wholeNumber(lookup(res, "nErrors"))
	return has(res, "writeErrors") || n > 0
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
	case retryableCodes[code] && req.changeStream():
		// mongod's ErrorLabelBuilder: drivers resume a change stream on
		// an error with this label.
		return []string{"ResumableChangeStreamError"}
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
	if err := checkCollName(req.db, name); err != nil {
		return "", err
	}
	return name, nil
}
