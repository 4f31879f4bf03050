package mongotest

import (
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

func init() {
	register(command{run: (*Server).insert, inTxn: true, retryable: true, locks: lockWrite}, "insert")
	register(command{run: (*Server).update, inTxn: true, retryable: true, locks: lockWrite}, "update")
	register(command{run: (*Server).delete, inTxn: true, retryable: true, locks: lockWrite}, "delete")
}

func (s *Server) insert(req *request) (bson.D, error) {
	name, err := collName(req)
	if err != nil {
		return nil, err
	}
	var n int32
	werrs, serr := eachStatement(req, "documents", func(_ int, doc bson.D) *cmdError {
		if err := s.insertDoc(req, name, withID(doc)); err != nil {
			return err
		}
		n++
		return nil
	})
	if serr != nil {
		return nil, serr
	}
	return withWriteErrors(bson.D{{Key: "n", Value: n}}, werrs), nil
}

// eachStatement runs run on each document of the array body[key] (the
// documents, updates or deletes of a write command) as mongod does: a write
// error goes to writeErrors and, in an ordered batch or a transaction,
// stops the batch; any other error fails the whole command.
func eachStatement(req *request, key string, run func(i int, st bson.D) *cmdError) (bson.A, error) {
	list, ok := lookup(req.body, key).(bson.A)
	if !ok {
		return nil, errorf(codeFailedToParse, "%s needs a '%s' array", req.name, key)
	}
	ordered := true
	if o, ok := lookup(req.body, "ordered").(bool); ok {
		ordered = o
	}
	var werrs bson.A
	for i, v := range list {
		st, ok := v.(bson.D)
		if !ok {
			return nil, errorf(codeTypeMismatch, "%s[%d] is not a document", key, i)
		}
		if err := run(i, st); err != nil {
			if !err.asWriteError {
				return nil, err
			}
			werrs = append(werrs, writeError(i, err))
			if ordered || req.tx != nil {
				break
			}
		}
	}
	return werrs, nil
}

func withWriteErrors(res bson.D, werrs bson.A) bson.D {
	if werrs != nil {
		res = append(res, bson.E{Key: "writeErrors", Value: werrs})
	}
	return res
}

func writeError(i int, err *cmdError) bson.D {
	d := bson.D{{Key: "index", Value: int32(i)}, {Key: "code", Value: err.Code}}
	d = append(d, err.extra...)
	return append(d, bson.E{Key: "errmsg", Value: err.Msg})
}

// insertDoc inserts doc, which has its _id first, into collection name as
// one statement, waiting for transactions that hold its keys.
func (s *Server) insertDoc(req *request, name string, doc bson.D) *cmdError {
	for {
		// Looked up again after a wait: the collection may have been dropped.
		wait, err := s.tryInsert(req, name, doc)
		if wait == nil {
			return err
		}
		if err := s.waitTx(req, wait); err != nil {
			return err
		}
	}
}

// tryInsert inserts doc into collection name unless a transaction holds
// one of its keys (or is creating the collection): then it writes nothing
// and returns that transaction.
func (s *Server) tryInsert(req *request, name string, doc bson.D) (wait *txn, err *cmdError) {
	if err := checkStored(doc, false); err != nil {
		return nil, err
	}
	c, wait, err := s.collForWrite(req, name)
	if err != nil || wait != nil {
		return wait, err
	}
	id := doc[0].Value
	if _, isArr := id.(bson.A); isArr {
		return nil, &cmdError{Code: codeInvalidIDField, Msg: "The '_id' value cannot be of type array", asWriteError: true}
	}
	v := req.view()
	r := c.record(id, false)
	if r != nil {
		if wait, err := s.claim(v, r); err != nil || wait != nil {
			return wait, err
		}
		if v.doc(r) != nil {
			return nil, dupKeyError(c, "_id_", bson.D{{Key: "_id", Value: int32(1)}}, bson.D{{Key: "_id", Value: id}})
		}
	}
	if wait, err := s.checkUnique(c, v, r, doc); err != nil || wait != nil {
		return wait, err
	}
	if r == nil {
		r = c.record(id, true)
	}
	s.put(v, c, r, doc, false)
	return nil, nil
}

// change is one document a write statement replaces (doc nil: deletes);
// replace marks a replacement (not an update), for change streams.
type change struct {
	rec     *record
	doc     bson.D
	replace bool
}

// apply claims and writes the changes of one statement, all or none.
// Outside a transaction, when a record is held by a transaction, nothing
// is written and the transaction to wait for is returned.
func (s *Server) apply(req *request, c *collection, changes []change) (wait *txn, err *cmdError) {
	if len(changes) == 0 {
		return nil, nil // c may be nil: the collection does not exist
	}
	if err := checkChanges(changes); err != nil {
		return nil, err
	}
	v := req.view()
	for _, ch := range changes {
		if wait, err := s.claim(v, ch.rec); err != nil || wait != nil {
			return wait, err
		}
	}
	for _, ch := range changes {
		if ch.doc != nil {
			if wait, err := s.checkUnique(c, v, ch.rec, ch.doc); err != nil || wait != nil {
				return wait, err
			}
		}
	}
	if err := uniqueWithin(c, changes); err != nil {
		return nil, err
	}
	for _, ch := range changes {
		s.put(v, c, ch.rec, ch.doc, ch.replace)
	}
	return nil, nil
}

func (s *Server) update(req *request) (bson.D, error) {
	name, err := collName(req)
	if err != nil {
		return nil, err
	}
	vars, verr := letVars(req)
	if verr != nil {
		return nil, verr
	}
	var n, nModified int32
	var upserted bson.A
	werrs, serr := eachStatement(req, "updates", func(i int, st bson.D) *cmdError {
		u, err := parseUpdateStmt(st, updateKeys, vars)
		if err != nil {
			return err
		}
		res, err := s.updateOne(req, name, u)
		if err != nil {
			return err
		}
		n += res.n
		nModified += res.modified
		if res.upsertedID != nil {
			upserted = append(upserted, bson.D{{Key: "index", Value: int32(i)}, {Key: "_id", Value: res.upsertedID}})
		}
		return nil
	})
	if serr != nil {
		return nil, serr
	}
	out := bson.D{{Key: "n", Value: n}, {Key: "nModified", Value: nModified}}
	if upserted != nil {
		out = append(out, bson.E{Key: "upserted", Value: upserted})
	}
	return withWriteErrors(out, werrs), nil
}

type updateResult struct {
	n, modified int32
	upsertedID  any
}

// updateStmt is one parsed update statement.
type updateStmt struct {
	filter        *query
	upd           *mql.Update
	sorter        *mql.Sort // which document a single update changes
	hint          any
	multi, upsert bool
}

// stmtKeys name the filter and update fields of a statement: the update
// command's {q, u} or the bulkWrite command's {filter, updateMods}.
type stmtKeys struct{ filter, update string }

var updateKeys = stmtKeys{"q", "u"}

// parseUpdateStmt parses an update statement; its errors are write errors.
func parseUpdateStmt(st bson.D, keys stmtKeys, vars mql.Vars) (*updateStmt, *cmdError) {
	if has(st, "c") {
		return nil, &cmdError{Code: codeBadValue, Msg: "mongotest does not support the 'c' option of update", asWriteError: true}
	}
	u := &updateStmt{hint: lookup(st, "hint")}
	u.multi, _ = lookup(st, "multi").(bool)
	u.upsert, _ = lookup(st, "upsert").(bool)
	var perr error
	if u.filter, perr = parseFilterWith(st, keys.filter, vars); perr != nil {
		return nil, fromMQL(perr)
	}
	if has(st, "sort") {
		if u.multi {
			return nil, &cmdError{Code: codeFailedToParse, Msg: "Cannot specify sort with multi=true", asWriteError: true}
		}
		if u.sorter, perr = compile(st, "sort", mql.ParseSort); perr != nil {
			return nil, fromMQL(perr)
		}
	}
	filters, err := arrayFilters(st)
	if err != nil {
		err.asWriteError = true
		return nil, err
	}
	opts := mql.UpdateOptions{Query: u.filter.Filter, ArrayFilters: filters, Vars: vars}
	if u.upd, perr = mql.ParseUpdateWith(lookup(st, keys.update), opts); perr != nil {
		if _, isPipeline := lookup(st, keys.update).(bson.A); isPipeline {
			// mongod parses pipelines with the command: the command fails.
			return nil, asCmdError(perr)
		}
		return nil, fromMQL(perr)
	}
	if u.multi && u.upd.IsReplacement() {
		return nil, &cmdError{Code: codeFailedToParse, Msg: "multi update is not supported for replacement-style update", asWriteError: true}
	}
	if what := u.upd.CollationSensitive(); what != "" && u.filter.collation != nil {
		return nil, &cmdError{Code: codeBadValue, Msg: "mongotest does not support " + what + " under a collation", asWriteError: true}
	}
	return u, nil
}

// targets are the documents of c that u changes, in the order it changes
// them.
func (u *updateStmt) targets(c *collection, v view) ([]docRef, *cmdError) {
	targets, err := matching(c, v, u.filter)
	if err != nil {
		return nil, err
	}
	u.filter.sortRefs(targets, u.sorter)
	if !u.multi && len(targets) > 1 {
		targets = targets[:1]
	}
	return targets, nil
}

// updateOne runs one update statement.
func (s *Server) updateOne(req *request, name string, u *updateStmt) (updateResult, *cmdError) {
	if err := checkHint(s.coll(req.db, name, false), u.hint); err != nil {
		err.asWriteError = true
		return updateResult{}, err
	}
	for {
		c := s.coll(req.db, name, false)
		targets, err := u.targets(c, req.view())
		if err != nil {
			err.asWriteError = true
			return updateResult{}, err
		}
		var changes []change
		for _, t := range targets {
			nd, err := u.upd.Apply(t.doc, false)
			if err != nil {
				return updateResult{}, fromMQL(err)
			}
			if !mql.Identical(nd, t.doc) {
				changes = append(changes, change{rec: t.rec, doc: nd, replace: u.upd.IsReplacement()})
			}
		}
		var wait *txn
		if len(targets) == 0 && u.upsert {
			doc, err := upsertDoc(u.filter, u.upd)
			if err != nil {
				return updateResult{}, err
			}
			wait, err = s.tryInsert(req, name, doc)
			if wait == nil {
				if err != nil {
					return updateResult{}, err
				}
				return updateResult{n: 1, upsertedID: doc[0].Value}, nil
			}
			// A transaction holds the key: once it ends, the statement
			// may match the document it inserted.
		} else if wait, err = s.apply(req, c, changes); err != nil {
			return updateResult{}, err
		}
		if wait == nil {
			return updateResult{n: int32(len(targets)), modified: int32(len(changes))}, nil
		}
		if err := s.waitTx(req, wait); err != nil {
			return updateResult{}, err
		}
	}
}

// upsertDoc is the document an upsert inserts: the query's equality fields
// with the update applied as an insert.
func upsertDoc(f *query, upd *mql.Update) (bson.D, *cmdError) {
	seed, err := f.UpsertDoc()
	if err != nil {
		return nil, fromMQL(err)
	}
	doc, err := upd.Apply(seed, true)
	if err != nil {
		return nil, fromMQL(err)
	}
	return withID(doc), nil
}

func (s *Server) delete(req *request) (bson.D, error) {
	name, err := collName(req)
	if err != nil {
		return nil, err
	}
	vars, verr := letVars(req)
	if verr != nil {
		return nil, verr
	}
	var n int32
	werrs, serr := eachStatement(req, "deletes", func(_ int, st bson.D) *cmdError {
		d, err := parseDeleteStmt(st, vars)
		if err != nil {
			return err
		}
		k, err := s.deleteOne(req, name, d)
		n += k
		return err
	})
	if serr != nil {
		return nil, serr
	}
	return withWriteErrors(bson.D{{Key: "n", Value: n}}, werrs), nil
}

// deleteStmt is one parsed delete statement.
type deleteStmt struct {
	filter *query
	hint   any
	multi  bool
}

// parseDeleteStmt parses a delete command's statement {q, limit, hint}.
func parseDeleteStmt(st bson.D, vars mql.Vars) (*deleteStmt, *cmdError) {
	f, perr := parseFilterWith(st, "q", vars)
	if perr != nil {
		return nil, fromMQL(perr)
	}
	limit, _, err := intArg(st, "limit")
	if err != nil {
		return nil, err
	}
	if limit != 0 && limit != 1 {
		return nil, &cmdError{Code: codeFailedToParse, Msg: "The limit field in delete objects must be 0 or 1. Got " + bsonString(lookup(st, "limit")), asWriteError: true}
	}
	return &deleteStmt{filter: f, hint: lookup(st, "hint"), multi: limit == 0}, nil
}

func (s *Server) deleteOne(req *request, name string, d *deleteStmt) (int32, *cmdError) {
	if err := checkHint(s.coll(req.db, name, false), d.hint); err != nil {
		err.asWriteError = true
		return 0, err
	}
	for {
		c := s.coll(req.db, name, false)
		targets, err := matching(c, req.view(), d.filter)
		if err != nil {
			err.asWriteError = true
			return 0, err
		}
		if !d.multi && len(targets) > 1 {
			targets = targets[:1]
		}
		changes := make([]change, len(targets))
		for i, t := range targets {
			changes[i] = change{rec: t.rec}
		}
		wait, err := s.apply(req, c, changes)
		if err != nil {
			return 0, err
		}
		if wait != nil {
			if err := s.waitTx(req, wait); err != nil {
				return 0, err
			}
			continue
		}
		return int32(len(targets)), nil
	}
}
