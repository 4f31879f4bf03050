package mongotest

import (
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
		c = &collection{db: db, name: name}
		d.colls[name] = c
	}
	return c
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
	*mql.Filter // as given: seeds upserts, and matches without a collation
	src         bson.D

	collation *mql.Collation // nil: binary comparison
	keyed     *mql.Filter    // with a collation: the filter on collation keys
}

// matches reports whether q matches d, under q's collation if any.
func (q *query) matches(d bson.D) (bool, *cmdError) {
	if q == nil {
		return true, nil
	}
	if q.collation == nil {
		return q.Match(d), nil
	}
	k, err := q.collation.KeyDoc(d)
	if err != nil {
		return false, asCmdError(err)
	}
	return q.keyed.Match(k), nil
}

// sortRefs sorts refs stably by sorter (nil: natural order), comparing
// collation keys when q has a collation.
func (q *query) sortRefs(refs []docRef, sorter *mql.Sort) {
	if sorter == nil {
		return
	}
	if q == nil || q.collation == nil {
		slices.SortStableFunc(refs, func(a, b docRef) int { return sorter.Compare(a.doc, b.doc) })
		return
	}
	keys := make(map[*record]bson.D, len(refs))
	for _, r := range refs {
		keys[r.rec], _ = q.collation.KeyDoc(r.doc) // matches keyed every one
	}
	slices.SortStableFunc(refs, func(a, b docRef) int { return sorter.Compare(keys[a.rec], keys[b.rec]) })
}

// parseQueryWith compiles q with the command's let variables.
func parseQueryWith(q bson.D, vars mql.Vars) (*query, error) {
	f, err := mql.ParseFilterWith(q, vars)
	if err != nil {
		return nil, err
	}
	return &query{Filter: f, src: q}, nil
}

// matching returns the documents of c that q (nil: all) matches in v, in
// natural order. It fails only when a collation cannot compare a document.
func matching(c *collection, v view, q *query) ([]docRef, *cmdError) {
	return queryDocs(c, v, q, nil, nil, 0, 0)
}

// parseFilterArg compiles the filter document body[key] (absent: all).
func parseFilterArg(body bson.D, key string) (*query, error) { return parseFilterWith(body, key, nil) }

// parseFilterWith is parseFilterArg with the command's let variables and
// the collation of body, the document that holds the filter.
func parseFilterWith(body bson.D, key string, vars mql.Vars) (*query, error) {
	coll, err := collationArg(body)
	if err != nil {
		return nil, err
	}
	d, err := docArg(body, key)
	if err != nil {
		return nil, err
	}
	q, perr := parseQueryWith(d, vars)
	if perr != nil || coll == nil {
		return q, perr
	}
	keyed, perr := coll.KeyFilter(d)
	if perr != nil {
		return nil, perr
	}
	if q.keyed, perr = mql.ParseFilterWith(keyed, vars); perr != nil {
		return nil, perr
	}
	q.collation = coll
	return q, nil
}

// letVars evaluates the command's let option.
func letVars(req *request) (mql.Vars, error) {
	let, err := docArg(req.body, "let")
	if err != nil {
		return nil, err
	}
	vars, perr := mql.ParseLet(let)
	if perr != nil {
		return nil, perr
	}
	return vars, nil
}

// arrayFilters reads an update's arrayFilters, a list of documents.
func arrayFilters(body bson.D) ([]bson.D, *cmdError) {
	v := lookup(body, "arrayFilters")
	if v == nil {
		return nil, nil
	}
	list, ok := v.(bson.A)
	if !ok {
		return nil, errorf(codeTypeMismatch, "arrayFilters must be an array, not %s", bsonTypeName(v))
	}
	out := make([]bson.D, len(list))
	for i, f := range list {
		if out[i], ok = f.(bson.D); !ok {
			return nil, errorf(codeTypeMismatch, "each array filter must be an object, not %s", bsonTypeName(f))
		}
	}
	return out, nil
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

// collationArg reads the collation option of body: nil for none or for
// {locale: "simple"}, the binary comparison mongotest always uses. The few
// collations package mql computes exactly are accepted; any other is
// refused, never ignored: mongotest has no ICU.
func collationArg(body bson.D) (*mql.Collation, *cmdError) {
	v := lookup(body, "collation")
	if v == nil {
		return nil, nil
	}
	spec, ok := v.(bson.D)
	if !ok {
		return nil, errorf(codeTypeMismatch, "BSON field 'collation' is the wrong type '%s', expected type 'object'", bsonTypeName(v))
	}
	c, err := mql.ParseCollation(spec)
	if err != nil {
		return nil, asCmdError(err)
	}
	return c, nil
}
