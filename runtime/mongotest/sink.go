package mongotest

import (
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The aggregation stages that write: $out replaces a collection's documents
// with the results, keeping its indexes; $merge merges the results into a
// collection by _id. Both write all or nothing.

// writeSink runs the final $out or $merge stage on the results docs.
func (s *Server) writeSink(req *request, stage bson.D, docs []bson.D) error {
	name := stage[0].Key
	if req.tx != nil {
		return errorf(codeOperationNotSupportedInTx, "%s cannot be used in a transaction", name)
	}
	if rc, ok := lookup(req.body, "readConcern").(bson.D); ok && lookup(rc, "level") == "linearizable" {
		return errorf(codeInvalidOptions, "%s cannot be used with a 'linearizable' read concern level", name)
	}
	if name == "$out" {
		db, coll, err := sinkTarget(req.db, stage[0].Value, "db", "coll")
		if err != nil {
			return err
		}
		return s.out(req, db, coll, docs)
	}
	m, err := parseMerge(req.db, stage[0].Value)
	if err != nil {
		return err
	}
	return s.merge(req, m, docs)
}

// sinkTarget reads the collection a stage writes to: a name, or a document
// naming the database and collection with the given keys.
func sinkTarget(db string, v any, dbKey, collKey string) (string, string, *cmdError) {
	coll, isName := v.(string)
	if d, ok := v.(bson.D); ok {
		coll, isName = lookup(d, collKey).(string)
		if other, ok := lookup(d, dbKey).(string); ok {
			db = other
		}
	}
	if !isName || coll == "" {
		return "", "", errorf(codeFailedToParse, "the target of the stage must be a collection name or {%s: ..., %s: ...}", dbKey, collKey)
	}
	sub := &request{name: "aggregate", db: db, body: bson.D{{Key: "aggregate", Value: coll}}}
	if _, err := collName(sub); err != nil {
		return "", "", err
	}
	return db, coll, nil
}

// out is $out: the collection's documents become docs.
func (s *Server) out(req *request, db, name string, docs []bson.D) error {
	return s.applyAll(req, func() (*collection, []change, *cmdError) {
		c := s.coll(db, name, true)
		seen := map[*record]bool{}
		var changes []change
		for _, d := range docs {
			d = withID(d)
			r := c.record(d[0].Value, true)
			if seen[r] {
				return nil, nil, dupKeyError(c, "_id_", bson.D{{Key: "_id", Value: int32(1)}}, bson.D{{Key: "_id", Value: d[0].Value}})
			}
			seen[r] = true
			changes = append(changes, change{rec: r, doc: d})
		}
		refs, _ := matching(c, req.view(), nil) // no filter: nothing to fail
		for _, r := range refs {
			if !seen[r.rec] {
				changes = append(changes, change{rec: r.rec})
			}
		}
		return c, changes, nil
	})
}

// applyAll applies the changes build returns, all or none, as the
// command's own failure; when a transaction holds one of the records, it
// waits for it and builds them again.
func (s *Server) applyAll(req *request, build func() (*collection, []change, *cmdError)) error {
	for {
		c, changes, err := build()
		if err != nil {
			return plain(err)
		}
		wait, err := s.apply(req, c, changes)
		if err != nil {
			return plain(err)
		}
		if wait == nil {
			return nil
		}
		if err := s.waitTx(req, wait); err != nil {
			return err
		}
	}
}

// mergeSpec is a parsed $merge stage.
type mergeSpec struct {
	db, coll       string
	whenMatched    string // merge, replace, keepExisting, fail
	whenNotMatched string // insert, discard, fail
}

func parseMerge(db string, v any) (*mergeSpec, *cmdError) {
	m := &mergeSpec{whenMatched: "merge", whenNotMatched: "insert"}
	spec, ok := v.(bson.D)
	if !ok {
		spec = bson.D{{Key: "into", Value: v}}
	}
	for _, e := range spec {
		switch e.Key {
		case "into":
			var err *cmdError
			if m.db, m.coll, err = sinkTarget(db, e.Value, "db", "coll"); err != nil {
				return nil, err
			}
		case "on":
			if !onID(e.Value) {
				return nil, errorf(codeBadValue, "mongotest supports $merge only on _id, not on %s", bsonString(e.Value))
			}
		case "whenMatched":
			w, ok := e.Value.(string)
			if !ok || (w != "merge" && w != "replace" && w != "keepExisting" && w != "fail") {
				return nil, errorf(codeBadValue, "mongotest supports $merge whenMatched merge, replace, keepExisting and fail, not %s", bsonString(e.Value))
			}
			m.whenMatched = w
		case "whenNotMatched":
			w, ok := e.Value.(string)
			if !ok || (w != "insert" && w != "discard" && w != "fail") {
				return nil, errorf(codeBadValue, "Enumeration value '%s' for field '$merge.whenNotMatched' is not a valid value.", bsonString(e.Value))
			}
			m.whenNotMatched = w
		case "let":
			return nil, errorf(codeBadValue, "mongotest does not support the 'let' option of $merge")
		default:
			return nil, errorf(40415, "BSON field '$merge.%s' is an unknown field.", e.Key)
		}
	}
	if m.coll == "" {
		return nil, errorf(40414, "BSON field '$merge.into' is missing but a required field")
	}
	return m, nil
}

func onID(v any) bool {
	if a, ok := v.(bson.A); ok && len(a) == 1 {
		v = a[0]
	}
	return v == "_id"
}

// merge is $merge: each result replaces, is merged into or inserted beside
// the document with its _id, as the stage says.
func (s *Server) merge(req *request, m *mergeSpec, docs []bson.D) error {
	if len(docs) == 0 {
		return nil
	}
	return s.applyAll(req, func() (*collection, []change, *cmdError) {
		if s.coll(m.db, m.coll, false) == nil && req.locks.catalog != lockExclusive {
			s.upgrade(req) // to create it; what this reads is read again after
		}
		c := s.coll(m.db, m.coll, true)
		v := req.view()
		var changes []change
		for _, d := range docs {
			d = withID(d)
			r := c.record(d[0].Value, true)
			old := v.doc(r)
			switch {
			case old == nil && m.whenNotMatched == "insert":
				changes = append(changes, change{rec: r, doc: d})
			case old == nil && m.whenNotMatched == "fail":
				return nil, nil, errorf(13113, "$merge could not find a matching document in the target collection for at least one document in the source collection")
			case old == nil, m.whenMatched == "keepExisting":
			case m.whenMatched == "fail":
				return nil, nil, dupKeyError(c, "_id_", bson.D{{Key: "_id", Value: int32(1)}}, bson.D{{Key: "_id", Value: d[0].Value}})
			case m.whenMatched == "replace":
				changes = append(changes, change{rec: r, doc: d, replace: true})
			default: // merge: the result's fields set over the existing ones
				merged := slices.Clone(old) // top-level fields replaced, never mutated
				for _, e := range d {
					merged = setTop(merged, e)
				}
				changes = append(changes, change{rec: r, doc: merged})
			}
		}
		return c, changes, nil
	})
}

// setTop sets the top-level field e of d, in place when present.
func setTop(d bson.D, e bson.E) bson.D {
	for i := range d {
		if d[i].Key == e.Key {
			d[i].Value = e.Value
			return d
		}
	}
	return append(d, e)
}
