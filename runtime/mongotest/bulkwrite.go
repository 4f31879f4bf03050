package mongotest

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

// The bulkWrite command of MongoDB 8.0 (the drivers' client bulk write):
// insert, update and delete operations on any namespaces in one command,
// {bulkWrite: 1, ops: [...], nsInfo: [{ns: "db.coll"}], ordered, errorsOnly,
// let, cursor}, run against admin. Each operation's result, or only its
// error with errorsOnly, comes back through a cursor on
// "admin.$cmd.bulkWrite"; the totals (nInserted, nMatched, nModified,
// nUpserted, nDeleted, nErrors) come in the reply itself.

func init() {
	register(command{run: (*Server).bulkWrite, inTxn: true, retryable: true, adminOnly: true, locks: lockBulk}, "bulkWrite")
}

// maxWriteBatchSize is the most operations one write command may carry,
// as advertised in hello.
const maxWriteBatchSize = 100000

// codeInvalidLength is mongod's InvalidLength.
const codeInvalidLength int32 = 16

// bulkTotals are the counts of a bulkWrite reply.
type bulkTotals struct {
	inserted, matched, modified, upserted, deleted, errors int32
}

func (s *Server) bulkWrite(req *request) (bson.D, error) {
	ops, ok := lookup(req.body, "ops").(bson.A)
	if !ok {
		return nil, errorf(codeFailedToParse, "BSON field 'bulkWrite.ops' is missing but a required field")
	}
	nsList, ok := lookup(req.body, "nsInfo").(bson.A)
	if !ok {
		return nil, errorf(codeFailedToParse, "BSON field 'bulkWrite.nsInfo' is missing but a required field")
	}
	if len(ops) == 0 || len(ops) > maxWriteBatchSize {
		err := errorf(codeInvalidLength, "Write batch sizes must be between 1 and %d. Got %d operations.", maxWriteBatchSize, len(ops))
		err.Name = "InvalidLength"
		return nil, err
	}
	if len(nsList) == 0 || len(nsList) > len(ops) {
		return nil, errorf(codeBadValue, "nsInfo must have between 1 and the number of ops (%d) entries, not %d", len(ops), len(nsList))
	}
	namespaces := make([][2]string, len(nsList))
	for i, v := range nsList {
		db, coll, err := bulkNamespace(v)
		if err != nil {
			return nil, err
		}
		namespaces[i] = [2]string{db, coll}
	}
	vars, err := letVars(req)
	if err != nil {
		return nil, err
	}
	batch, cerr := cursorBatch(req.body)
	if cerr != nil {
		return nil, cerr
	}
	ordered := true
	if o, ok := lookup(req.body, "ordered").(bool); ok {
		ordered = o
	}
	errorsOnly, _ := lookup(req.body, "errorsOnly").(bool)

	var totals bulkTotals
	var results []bson.D
	for i, v := range ops {
		op, ok := v.(bson.D)
		if !ok || len(op) == 0 {
			return nil, errorf(codeTypeMismatch, "BSON field 'bulkWrite.ops' must be an array of objects")
		}
		res, oerr := s.bulkOp(req, op, namespaces, vars, &totals)
		if oerr != nil {
			totals.errors++
			results = append(results, bulkError(i, oerr))
			if ordered || req.tx != nil {
				break
			}
			continue
		}
		if !errorsOnly {
			results = append(results, append(bson.D{{Key: "ok", Value: 1.0}, {Key: "idx", Value: int32(i)}}, res...))
		}
	}
	out := s.openCursor("admin.$cmd.bulkWrite", results, batch, false)
	return append(out,
		bson.E{Key: "nErrors", Value: totals.errors},
		bson.E{Key: "nInserted", Value: totals.inserted},
		bson.E{Key: "nMatched", Value: totals.matched},
		bson.E{Key: "nModified", Value: totals.modified},
		bson.E{Key: "nUpserted", Value: totals.upserted},
		bson.E{Key: "nDeleted", Value: totals.deleted},
	), nil
}

// bulkNamespace validates one nsInfo entry, {ns: "db.coll"}.
func bulkNamespace(v any) (db, coll string, err *cmdError) {
	d, ok := v.(bson.D)
	if !ok {
		return "", "", errorf(codeTypeMismatch, "BSON field 'bulkWrite.nsInfo' must be an array of objects")
	}
	ns, ok := lookup(d, "ns").(string)
	if !ok {
		return "", "", errorf(codeFailedToParse, "BSON field 'bulkWrite.nsInfo.ns' is missing but a required field")
	}
	db, coll, ok = strings.Cut(ns, ".")
	if !ok || db == "" || coll == "" || strings.ContainsAny(db, "/\\. \"$\x00") || len(db) > 63 ||
		strings.HasPrefix(coll, "system.") || strings.ContainsAny(coll, "$\x00") {
		return "", "", errorf(codeInvalidNamespace, "Invalid namespace specified '%s'", ns)
	}
	return db, coll, nil
}

// bulkOp runs one operation and returns its result fields.
func (s *Server) bulkOp(req *request, op bson.D, namespaces [][2]string, vars mql.Vars, t *bulkTotals) (bson.D, *cmdError) {
	kind := op[0].Key
	idx, ok := wholeNumber(op[0].Value)
	if !ok || idx < 0 || idx >= int64(len(namespaces)) {
		return nil, errorf(codeBadValue, "BulkWrite ops entry %s has an invalid nsInfo index %v", kind, op[0].Value)
	}
	sub := *req // the same session and transaction, on the operation's database
	sub.db = namespaces[idx][0]
	coll := namespaces[idx][1]
	switch kind {
	case "insert":
		doc, err := docArg(op, "document")
		if err != nil || doc == nil {
			return nil, errorf(codeFailedToParse, "BSON field 'bulkWrite.ops.document' is missing but a required field")
		}
		if err := s.insertDoc(&sub, coll, withID(doc)); err != nil {
			return nil, err
		}
		t.inserted++
		return bson.D{{Key: "n", Value: int32(1)}}, nil
	case "update":
		u, err := parseUpdateStmt(op, stmtKeys{"filter", "updateMods"}, vars)
		if err != nil {
			return nil, err
		}
		res, err := s.updateOne(&sub, coll, u)
		if err != nil {
			return nil, err
		}
		out := bson.D{{Key: "n", Value: res.n}, {Key: "nModified", Value: res.modified}}
		if res.upsertedID != nil {
			t.upserted++
			return append(out, bson.E{Key: "upserted", Value: bson.D{{Key: "_id", Value: res.upsertedID}}}), nil
		}
		t.matched += res.n
		t.modified += res.modified
		return out, nil
	case "delete":
		f, perr := parseFilterWith(op, "filter", vars)
		if perr != nil {
			return nil, fromMQL(perr)
		}
		multi, _ := lookup(op, "multi").(bool)
		n, err := s.deleteOne(&sub, coll, &deleteStmt{filter: f, hint: lookup(op, "hint"), multi: multi})
		if err != nil {
			return nil, err
		}
		t.deleted += n
		return bson.D{{Key: "n", Value: n}}, nil
	}
	return nil, errorf(codeFailedToParse, "Unrecognized bulkWrite operation: %s", kind)
}

// bulkError is the cursor entry of a failed operation.
func bulkError(i int, err *cmdError) bson.D {
	d := bson.D{
		{Key: "ok", Value: 0.0},
		{Key: "idx", Value: int32(i)},
		{Key: "code", Value: err.Code},
		{Key: "codeName", Value: err.codeName()},
		{Key: "errmsg", Value: err.Msg},
	}
	return append(d, err.extra...)
}
