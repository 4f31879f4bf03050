package mongotest

import (
	"reflect"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

// coll returns collection db.name, creating it (and db) when create is set.
func (s *Server) coll(db, name string, create bool) *collection {
	d := s.dbs[db]
	if d == nil {
		if !create {
			return nil
		}
		d = &database{name: db, colls: map[string]*collection{}}
		s.dbs[db] = d
	}
	c := d.colls[name]
	if c == nil && create {
		c = &collection{db: db, name: name, records: map[string]*record{}}
		d.colls[name] = c
	}
	return c
}

// docArg returns the document field key of body; absent is nil.
func docArg(body bson.D, key string) (bson.D, *cmdError) {
	switch v := lookup(body, key).(type) {
	case nil:
		return nil, nil
	case bson.D:
		return v, nil
	default:
		return nil, errorf(codeTypeMismatch, "'%s' must be a document, not %s", key, bsonTypeName(v))
	}
}

func bsonTypeName(v any) string {
	t, _, err := bson.MarshalValue(v)
	if err != nil {
		return reflect.TypeOf(v).String()
	}
	return t.String()
}

func intArg(body bson.D, key string) (int64, bool, *cmdError) {
	v := lookup(body, key)
	if v == nil {
		return 0, false, nil
	}
	n, ok := asInt64(v)
	if !ok {
		return 0, false, errorf(codeTypeMismatch, "'%s' must be a number, not %s", key, bsonTypeName(v))
	}
	return n, true, nil
}

// withID returns doc with _id first, generating an ObjectID when missing.
func withID(doc bson.D) bson.D {
	for i, e := range doc {
		if e.Key == "_id" {
			if i == 0 {
				return doc
			}
			out := make(bson.D, 0, len(doc))
			out = append(out, e)
			out = append(out, doc[:i]...)
			return append(out, doc[i+1:]...)
		}
	}
	out := make(bson.D, 0, len(doc)+1)
	out = append(out, bson.E{Key: "_id", Value: bson.NewObjectID()})
	return append(out, doc...)
}

// query is a compiled filter with its source, which the planner reads
// (planner.go).
type query struct {
	*mql.Filter
	src bson.D
}

func parseQuery(q bson.D) (*query, error) {
	f, err := mql.ParseFilter(q)
	if err != nil {
		return nil, err
	}
	return &query{Filter: f, src: q}, nil
}

// matching returns the documents of c that q (nil: all) matches in v, in
// natural order.
func matching(c *collection, v view, q *query) []docRef {
	refs, _ := queryDocs(c, v, q, nil, nil, 0, 0) // no collation: cannot fail
	return refs
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
	key := idKey(id)
	v := req.view()
	r := c.record(key, false)
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
		r = c.record(key, true)
	}
	s.put(v, c, r, doc)
	return nil, nil
}

// change is one document a write statement replaces (doc nil: deletes).
type change struct {
	rec *record
	doc bson.D
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
		s.put(v, c, ch.rec, ch.doc)
	}
	return nil, nil
}

func (s *Server) update(req *request) (bson.D, error) {
	name, err := collName(req)
	if err != nil {
		return nil, err
	}
	if err := unsupported(req, "let"); err != nil {
		return nil, err
	}
	var n, nModified int32
	var upserted bson.A
	werrs, serr := eachStatement(req, "updates", func(i int, st bson.D) *cmdError {
		res, err := s.updateOne(req, name, st)
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

// updateOne runs one update statement {q, u, upsert, multi}.
func (s *Server) updateOne(req *request, name string, st bson.D) (updateResult, *cmdError) {
	for _, f := range []string{"arrayFilters", "collation", "c", "sort"} {
		if has(st, f) {
			return updateResult{}, &cmdError{Code: codeBadValue, Msg: "mongotest does not support the '" + f + "' option of update", asWriteError: true}
		}
	}
	if err := checkHint(s.coll(req.db, name, false), lookup(st, "hint")); err != nil {
		err.asWriteError = true
		return updateResult{}, err
	}
	f, perr := parseFilterArg(st, "q")
	if perr != nil {
		return updateResult{}, fromMQL(perr)
	}
	upd, perr := mql.ParseUpdate(lookup(st, "u"))
	if perr != nil {
		return updateResult{}, fromMQL(perr)
	}
	multi, _ := lookup(st, "multi").(bool)
	upsert, _ := lookup(st, "upsert").(bool)
	if multi && upd.IsReplacement() {
		return updateResult{}, &cmdError{Code: codeFailedToParse, Msg: "multi update is not supported for replacement-style update", asWriteError: true}
	}
	for {
		c := s.coll(req.db, name, false)
		targets := matching(c, req.view(), f)
		if !multi && len(targets) > 1 {
			targets = targets[:1]
		}
		var changes []change
		for _, t := range targets {
			nd, err := upd.Apply(t.doc, false)
			if err != nil {
				return updateResult{}, fromMQL(err)
			}
			if !mql.Identical(nd, t.doc) {
				changes = append(changes, change{t.rec, nd})
			}
		}
		if len(targets) == 0 && upsert {
			doc, err := upsertDoc(f, upd)
			if err != nil {
				return updateResult{}, err
			}
			wait, err := s.tryInsert(req, name, doc)
			if wait == nil {
				if err != nil {
					return updateResult{}, err
				}
				return updateResult{n: 1, upsertedID: doc[0].Value}, nil
			}
			// A transaction holds the key: once it ends, the statement
			// may match the document it inserted.
			if err := s.waitTx(req, wait); err != nil {
				return updateResult{}, err
			}
			continue
		}
		wait, err := s.apply(req, c, changes)
		if err != nil {
			return updateResult{}, err
		}
		if wait != nil {
			if err := s.waitTx(req, wait); err != nil {
				return updateResult{}, err
			}
			continue
		}
		return updateResult{n: int32(len(targets)), modified: int32(len(changes))}, nil
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
	if err := unsupported(req, "let"); err != nil {
		return nil, err
	}
	var n int32
	werrs, serr := eachStatement(req, "deletes", func(_ int, st bson.D) *cmdError {
		k, err := s.deleteOne(req, name, st)
		n += k
		return err
	})
	if serr != nil {
		return nil, serr
	}
	return withWriteErrors(bson.D{{Key: "n", Value: n}}, werrs), nil
}

func (s *Server) deleteOne(req *request, name string, st bson.D) (int32, *cmdError) {
	if has(st, "collation") {
		return 0, &cmdError{Code: codeBadValue, Msg: "mongotest does not support the 'collation' option of delete", asWriteError: true}
	}
	if err := checkHint(s.coll(req.db, name, false), lookup(st, "hint")); err != nil {
		err.asWriteError = true
		return 0, err
	}
	f, perr := parseFilterArg(st, "q")
	if perr != nil {
		return 0, fromMQL(perr)
	}
	limit, _, err := intArg(st, "limit")
	if err != nil {
		return 0, err
	}
	if limit != 0 && limit != 1 {
		return 0, &cmdError{Code: codeFailedToParse, Msg: "The limit field in delete objects must be 0 or 1. Got " + bsonString(lookup(st, "limit")), asWriteError: true}
	}
	for {
		c := s.coll(req.db, name, false)
		targets := matching(c, req.view(), f)
		if limit == 1 && len(targets) > 1 {
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

func (s *Server) findAndModify(req *request) (bson.D, error) {
	name, err := collName(req)
	if err != nil {
		return nil, err
	}
	if err := unsupported(req, "arrayFilters", "collation", "let"); err != nil {
		return nil, err
	}
	f, perr := parseFilterArg(req.body, "query")
	if perr != nil {
		return nil, perr
	}
	sorter, perr := compile(req.body, "sort", mql.ParseSort)
	if perr != nil {
		return nil, perr
	}
	proj, perr := compile(req.body, "fields", mql.ParseProjection)
	if perr != nil {
		return nil, perr
	}
	remove, _ := lookup(req.body, "remove").(bool)
	returnNew, _ := lookup(req.body, "new").(bool)
	upsert, _ := lookup(req.body, "upsert").(bool)
	var upd *mql.Update
	if u := lookup(req.body, "update"); u != nil {
		if remove {
			return nil, errorf(codeFailedToParse, "Cannot specify both an update and remove=true")
		}
		if upd, perr = mql.ParseUpdate(u); perr != nil {
			return nil, perr
		}
	} else if !remove {
		return nil, errorf(codeFailedToParse, "Either an update or remove=true must be specified")
	}
	if remove && (returnNew || upsert) {
		return nil, errorf(codeFailedToParse, "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document")
	}
	if err := checkHint(s.coll(req.db, name, false), lookup(req.body, "hint")); err != nil {
		return nil, err
	}
	project := func(d bson.D) any {
		if d == nil {
			return nil
		}
		return proj.Apply(d)
	}
	for {
		c := s.coll(req.db, name, false)
		targets := matching(c, req.view(), f)
		if sorter != nil {
			slices.SortStableFunc(targets, func(a, b docRef) int { return sorter.Compare(a.doc, b.doc) })
		}
		if len(targets) == 0 {
			if !upsert || remove {
				return famReply(bson.D{{Key: "n", Value: int32(0)}, {Key: "updatedExisting", Value: false}}, nil), nil
			}
			doc, err := upsertDoc(f, upd)
			if err != nil {
				return nil, plain(err)
			}
			wait, err := s.tryInsert(req, name, doc)
			if wait != nil {
				if err := s.waitTx(req, wait); err != nil {
					return nil, err
				}
				continue
			}
			if err != nil {
				return nil, plain(err)
			}
			var value any
			if returnNew {
				value = project(doc)
			}
			return famReply(bson.D{{Key: "n", Value: int32(1)}, {Key: "updatedExisting", Value: false}, {Key: "upserted", Value: doc[0].Value}}, value), nil
		}
		t := targets[0]
		var nd bson.D
		if !remove {
			d, err := upd.Apply(t.doc, false)
			if err != nil {
				return nil, err
			}
			nd = d
		}
		var changes []change
		if remove || !mql.Identical(nd, t.doc) {
			changes = []change{{t.rec, nd}}
		}
		wait, err := s.apply(req, c, changes)
		if err != nil {
			return nil, plain(err)
		}
		if wait != nil {
			if err := s.waitTx(req, wait); err != nil {
				return nil, err
			}
			continue
		}
		if remove {
			return famReply(bson.D{{Key: "n", Value: int32(1)}}, project(t.doc)), nil
		}
		value := project(t.doc)
		if returnNew {
			value = project(nd)
		}
		return famReply(bson.D{{Key: "n", Value: int32(1)}, {Key: "updatedExisting", Value: true}}, value), nil
	}
}

// plain reports a write error as the command's own failure, as
// findAndModify does.
func plain(err *cmdError) *cmdError {
	e := *err
	e.asWriteError = false
	return &e
}

func famReply(lastErr bson.D, value any) bson.D {
	return bson.D{{Key: "lastErrorObject", Value: lastErr}, {Key: "value", Value: value}}
}

// parseFilterArg compiles the filter document body[key] (absent: all).
func parseFilterArg(body bson.D, key string) (*query, error) {
	return compile(body, key, parseQuery)
}

// compile parses the document body[key] (absent: nil) with parse.
func compile[T any](body bson.D, key string, parse func(bson.D) (T, error)) (T, error) {
	d, err := docArg(body, key)
	if err != nil {
		var zero T
		return zero, err
	}
	return parse(d)
}

func (s *Server) find(req *request) (bson.D, error) {
	name, err := collName(req)
	if err != nil {
		return nil, err
	}
	if err := unsupported(req, "collation", "let", "min", "max", "returnKey", "showRecordId", "tailable", "awaitData", "oplogReplay"); err != nil {
		return nil, err
	}
	f, ferr := parseFilterArg(req.body, "filter")
	if ferr != nil {
		return nil, ferr
	}
	sorter, perr := compile(req.body, "sort", mql.ParseSort)
	if perr != nil {
		return nil, perr
	}
	proj, perr := compile(req.body, "projection", mql.ParseProjection)
	if perr != nil {
		return nil, perr
	}
	skip, _, err := intArg(req.body, "skip")
	if err != nil {
		return nil, err
	}
	limit, _, err := intArg(req.body, "limit")
	if err != nil {
		return nil, err
	}
	batch, hasBatch, err := intArg(req.body, "batchSize")
	if err != nil {
		return nil, err
	}
	if skip < 0 || limit < 0 || batch < 0 {
		return nil, errorf(codeBadValue, "skip, limit and batchSize must be non-negative")
	}
	if !hasBatch {
		batch = defaultFirstBatch
	}
	single, _ := lookup(req.body, "singleBatch").(bool)
	c := s.coll(req.db, name, false)
	if err := checkHint(c, lookup(req.body, "hint")); err != nil {
		return nil, err
	}
	sortSpec, _ := lookup(req.body, "sort").(bson.D)
	refs, qerr := queryDocs(c, req.view(), f, sortSpec, sorter, skip, limit)
	if qerr != nil {
		return nil, qerr
	}
	docs := make([]bson.D, len(refs))
	for i, r := range refs {
		docs[i] = proj.Apply(r.doc)
	}
	if limit > 0 && (!hasBatch || batch > limit) {
		batch = limit // the whole result fits the first batch: close the cursor
	}
	return s.openCursor(req.db+"."+name, docs, batch, single), nil
}

func (s *Server) aggregate(req *request) (bson.D, error) {
	name, ok := req.body[0].Value.(string)
	if !ok {
		return nil, errorf(codeCommandNotSupported, "mongotest supports only collection aggregates, not aggregate: %v", req.body[0].Value)
	}
	if _, err := collName(req); err != nil {
		return nil, err
	}
	if err := unsupported(req, "explain", "collation", "let"); err != nil {
		return nil, err
	}
	pipeline, ok := lookup(req.body, "pipeline").(bson.A)
	if !ok {
		return nil, errorf(codeTypeMismatch, "'pipeline' must be an array of stages")
	}
	stages := make([]bson.D, len(pipeline))
	for i, st := range pipeline {
		if stages[i], ok = st.(bson.D); !ok {
			return nil, errorf(codeTypeMismatch, "each pipeline stage must be a document")
		}
	}
	if !has(req.body, "cursor") {
		return nil, errorf(codeFailedToParse, "The 'cursor' option is required, except for aggregate with the explain argument")
	}
	batch, err := cursorBatch(req.body)
	if err != nil {
		return nil, err
	}
	c := s.coll(req.db, name, false)
	if err := checkHint(c, lookup(req.body, "hint")); err != nil {
		return nil, err
	}
	q, rest := leadingMatch(stages)
	var docs []bson.D
	for _, r := range matching(c, req.view(), q) {
		docs = append(docs, r.doc)
	}
	out, perr := mql.RunPipeline(docs, rest)
	if perr != nil {
		return nil, perr
	}
	return s.openCursor(req.db+"."+name, out, batch, false), nil
}

func (s *Server) count(req *request) (bson.D, error) {
	name, err := collName(req)
	if err != nil {
		return nil, err
	}
	if err := unsupported(req, "collation"); err != nil {
		return nil, err
	}
	f, ferr := parseFilterArg(req.body, "query")
	if ferr != nil {
		return nil, ferr
	}
	skip, _, err := intArg(req.body, "skip")
	if err != nil {
		return nil, err
	}
	limit, _, err := intArg(req.body, "limit")
	if err != nil {
		return nil, err
	}
	c := s.coll(req.db, name, false)
	if err := checkHint(c, lookup(req.body, "hint")); err != nil {
		return nil, err
	}
	n, qerr := countDocs(c, req.view(), f)
	if qerr != nil {
		return nil, qerr
	}
	n = max(0, n-max(0, skip))
	if limit < 0 {
		limit = -limit
	}
	if limit > 0 {
		n = min(n, limit)
	}
	return bson.D{{Key: "n", Value: int32(n)}}, nil
}

func (s *Server) distinct(req *request) (bson.D, error) {
	name, err := collName(req)
	if err != nil {
		return nil, err
	}
	if err := unsupported(req, "collation"); err != nil {
		return nil, err
	}
	key, ok := lookup(req.body, "key").(string)
	if !ok || key == "" {
		return nil, errorf(codeTypeMismatch, "distinct needs a non-empty string 'key'")
	}
	f, ferr := parseFilterArg(req.body, "query")
	if ferr != nil {
		return nil, ferr
	}
	c := s.coll(req.db, name, false)
	if err := checkHint(c, lookup(req.body, "hint")); err != nil {
		return nil, err
	}
	var values []any
	for _, r := range matching(c, req.view(), f) {
		for _, v := range mql.DistinctValues(r.doc, key) {
			if !slices.ContainsFunc(values, func(w any) bool { return mql.Equal(v, w) }) {
				values = append(values, v)
			}
		}
	}
	slices.SortStableFunc(values, mql.Compare)
	return bson.D{{Key: "values", Value: bson.A(values)}}, nil
}

// bsonString renders v as relaxed extended JSON, for error messages.
func bsonString(v any) string {
	d, err := bson.Marshal(bson.D{{Key: "v", Value: v}})
	if err != nil {
		return "?"
	}
	return bson.Raw(d).Lookup("v").String()
}
