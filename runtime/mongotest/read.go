package mongotest

import (
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

func init() {
	register(command{run: (*Server).find, inTxn: true, locks: lockRead}, "find")
	register(command{run: (*Server).count, locks: lockRead}, "count")
	register(command{run: (*Server).distinct, inTxn: true, locks: lockRead}, "distinct")
}

func (s *Server) find(req *request) (bson.D, error) {
	name, err := collName(req)
	if err != nil {
		return nil, err
	}
	if err := unsupported(req, "min", "max", "returnKey", "showRecordId", "tailable", "awaitData", "oplogReplay"); err != nil {
		return nil, err
	}
	vars, verr := letVars(req)
	if verr != nil {
		return nil, verr
	}
	f, ferr := parseFilterWith(req.body, "filter", vars)
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
	skip, limit, err := skipLimit(req.body)
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
	refs, err := queryDocs(c, req.view(), f, sortSpec, sorter, skip, limit)
	if err != nil {
		return nil, err
	}
	docs := make([]bson.D, len(refs))
	for i, r := range refs {
		if docs[i], perr = proj.Apply(r.doc); perr != nil {
			return nil, perr
		}
	}
	if limit > 0 && (!hasBatch || batch > limit) {
		batch = limit // the whole result fits the first batch: close the cursor
	}
	return s.openCursor(req.db+"."+name, docs, batch, single), nil
}

func (s *Server) count(req *request) (bson.D, error) {
	name, err := collName(req)
	if err != nil {
		return nil, err
	}
	f, ferr := parseFilterArg(req.body, "query")
	if ferr != nil {
		return nil, ferr
	}
	skip, limit, err := skipLimit(req.body)
	if err != nil {
		return nil, err
	}
	c := s.coll(req.db, name, false)
	if err := checkHint(c, lookup(req.body, "hint")); err != nil {
		return nil, err
	}
	n, err := countDocs(c, req.view(), f)
	if err != nil {
		return nil, err
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
	refs, err := matching(c, req.view(), f)
	if err != nil {
		return nil, err
	}
	// Values are told apart, and sorted, by their collation keys: under a
	// case-insensitive collation "PING" and "ping" are one value, the first
	// one met.
	keyOf := func(v any) any { return v }
	if f.collation != nil {
		keyOf = func(v any) any { k, _ := f.collation.Key(v); return k } // matching keyed the documents
	}
	var values, keys []any
	for _, r := range refs {
		for _, v := range mql.DistinctValues(r.doc, key) {
			k := keyOf(v)
			if !slices.ContainsFunc(keys, func(w any) bool { return mql.Equal(k, w) }) {
				values, keys = append(values, v), append(keys, k)
			}
		}
	}
	order := make([]int, len(values))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return mql.Compare(keys[i], keys[j]) })
	out := bson.A{} // never null: drivers require an array
	for _, i := range order {
		out = append(out, values[i])
	}
	return bson.D{{Key: "values", Value: out}}, nil
}

// skipLimit reads the skip and limit fields of a find or count.
func skipLimit(body bson.D) (skip, limit int64, err *cmdError) {
	if skip, _, err = intArg(body, "skip"); err != nil {
		return 0, 0, err
	}
	if limit, _, err = intArg(body, "limit"); err != nil {
		return 0, 0, err
	}
	return skip, limit, nil
}
