package mongotest

import (
	"math"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

func init() {
	register(command{run: (*Server).listDatabases, adminOnly: true, locks: lockListing}, "listDatabases")
	register(command{run: (*Server).listCollections, locks: lockListing}, "listCollections")
	register(command{run: (*Server).create, inTxn: true}, "create")
	register(command{run: (*Server).drop}, "drop")
	register(command{run: (*Server).dropDatabase}, "dropDatabase")
	register(command{run: (*Server).createIndexes, inTxn: true}, "createIndexes")
	register(command{run: (*Server).listIndexes, locks: lockRead}, "listIndexes")
	register(command{run: (*Server).dropIndexes}, "dropIndexes")
}

// This file holds the catalog commands: databases, collections, indexes.

func (s *Server) create(req *request) (bson.D, error) {
	name, err := collName(req)
	if err != nil {
		return nil, err
	}
	for _, e := range req.body[1:] {
		switch e.Key {
		case "$db", "lsid", "$clusterTime", "txnNumber", "autocommit", "startTransaction", "writeConcern",
			"$readPreference", "comment", "maxTimeMS", "apiVersion", "apiStrict", "apiDeprecationErrors", "readConcern":
		default:
			return nil, errorf(codeBadValue, "mongotest does not support the %q option of create", e.Key)
		}
	}
	c, err := s.waitCreator(req, name)
	if err != nil {
		return nil, err
	}
	if req.tx != nil && c != nil {
		return nil, errorf(codeNamespaceExists, "Collection %s.%s already exists.", req.db, name)
	}
	if c == nil {
		if _, _, err := s.collForWrite(req, name); err != nil {
			return nil, err
		}
	}
	return bson.D{}, nil
}

// waitCreator looks collection name up for a catalog change by req: when
// another transaction is creating it, req waits for that transaction to end
// (outside a transaction) or fails with a WriteConflict (inside one).
func (s *Server) waitCreator(req *request, name string) (*collection, *cmdError) {
	for {
		c := s.coll(req.db, name, false)
		o := s.creatorOf(c, req.view())
		if o == nil {
			return s.coll(req.db, name, false), nil // an expired creator's is gone
		}
		wait, err := s.pendingConflict(req, o)
		if err != nil {
			return nil, err
		}
		if err := s.waitTx(req, wait); err != nil {
			return nil, err
		}
	}
}

// waitUnheld waits until no open transaction holds a record of c, creates
// it or has named it in a statement, like mongod's drop waiting for the
// transactions' collection locks. It reports
// whether it waited (the caller must look c up again).
func (s *Server) waitUnheld(req *request, c *collection) (bool, *cmdError) {
	// waitTx may abort an expired holder, which removes the records it
	// inserted from c.order (compacting it in place): collect the holders
	// first, then judge them.
	var holders []*txn
	if c.creator != nil {
		holders = append(holders, c.creator)
	}
	for _, tx := range s.openTxns() {
		if tx.touched[c.ns()] {
			holders = append(holders, tx)
		}
	}
	for _, r := range c.order {
		if r.owner != nil {
			holders = append(holders, r.owner)
		}
	}
	for _, o := range holders {
		if o.state == txnActive {
			return true, s.waitTx(req, o) // which aborts o once it expired
		}
	}
	return false, nil
}

func (s *Server) drop(req *request) (bson.D, error) {
	name, err := collName(req)
	if err != nil {
		return nil, err
	}
	for {
		c := s.coll(req.db, name, false)
		if c == nil {
			return bson.D{}, nil // mongod 7+ drops a missing collection quietly
		}
		waited, err := s.waitUnheld(req, c)
		if err != nil {
			return nil, err
		}
		if waited {
			continue
		}
		s.dropColl(c)
		return bson.D{{Key: "nIndexesWas", Value: int32(len(c.indexes) + 1)}, {Key: "ns", Value: c.ns()}}, nil
	}
}

func (s *Server) dropColl(c *collection) {
	d := s.dbs[c.db]
	delete(d.colls, c.name)
	s.commitMu.Lock()
	s.noteDrop(c)
	s.logCatalog("drop", c.db, c.name)
	s.commitMu.Unlock()
	s.regMu.Lock()
	for id, cur := range s.cursors {
		if cur.ns == c.ns() && cur.stream == nil { // a change stream sees the drop
			delete(s.cursors, id)
		}
	}
	s.regMu.Unlock()
	if len(d.colls) == 0 {
		delete(s.dbs, c.db)
	}
}

func (s *Server) dropDatabase(req *request) (bson.D, error) {
	for {
		d := s.dbs[req.db]
		if d == nil {
			return bson.D{}, nil
		}
		waited := false
		for _, name := range sortedKeys(d.colls) {
			w, err := s.waitUnheld(req, d.colls[name])
			if err != nil {
				return nil, err
			}
			if waited = w; waited {
				break
			}
		}
		if waited {
			continue
		}
		for _, name := range sortedKeys(d.colls) {
			s.dropColl(d.colls[name])
		}
		s.commitMu.Lock()
		s.tick(nil)
		s.logCatalog("dropDatabase", req.db, "")
		s.commitMu.Unlock()
		return bson.D{}, nil
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (s *Server) listDatabases(req *request) (bson.D, error) {
	f, err := parseFilterArg(req.body, "filter")
	if err != nil {
		return nil, err
	}
	nameOnly, _ := lookup(req.body, "nameOnly").(bool)
	dbs := bson.A{}
	for _, name := range sortedKeys(s.dbs) {
		if !s.dbs[name].visible(req.view()) {
			continue // only collections other transactions are creating
		}
		d := bson.D{{Key: "name", Value: name}}
		if !nameOnly {
			d = append(d, bson.E{Key: "sizeOnDisk", Value: int64(0)}, bson.E{Key: "empty", Value: false})
		}
		if f.Match(d) {
			dbs = append(dbs, d)
		}
	}
	out := bson.D{{Key: "databases", Value: dbs}}
	if !nameOnly {
		out = append(out, bson.E{Key: "totalSize", Value: int64(0)}, bson.E{Key: "totalSizeMb", Value: int64(0)})
	}
	return out, nil
}

func (s *Server) listCollections(req *request) (bson.D, error) {
	f, err := parseFilterArg(req.body, "filter")
	if err != nil {
		return nil, err
	}
	nameOnly, _ := lookup(req.body, "nameOnly").(bool)
	batch, cerr := cursorBatch(req.body)
	if cerr != nil {
		return nil, cerr
	}
	var docs []bson.D
	if d := s.dbs[req.db]; d != nil {
		for _, name := range sortedKeys(d.colls) {
			if !visible(d.colls[name], req.view()) {
				continue
			}
			doc := bson.D{{Key: "name", Value: name}, {Key: "type", Value: "collection"}}
			if !nameOnly {
				doc = append(doc,
					bson.E{Key: "options", Value: bson.D{}},
					bson.E{Key: "info", Value: bson.D{{Key: "readOnly", Value: false}}},
					bson.E{Key: "idIndex", Value: idIndexSpec()})
			}
			if f.Match(doc) {
				docs = append(docs, doc)
			}
		}
	}
	return s.openCursor(req.db+".$cmd.listCollections", docs, batch, false), nil
}

func idIndexSpec() bson.D {
	return bson.D{{Key: "v", Value: int32(2)}, {Key: "key", Value: bson.D{{Key: "_id", Value: int32(1)}}}, {Key: "name", Value: "_id_"}}
}

func (s *Server) createIndexes(req *request) (bson.D, error) {
	name, err := collName(req)
	if err != nil {
		return nil, err
	}
	specs, ok := lookup(req.body, "indexes").(bson.A)
	if !ok || len(specs) == 0 {
		return nil, errorf(codeBadValue, "Must specify at least one index to create")
	}
	// The collection is created only once every specification is valid.
	c, err := s.waitCreator(req, name)
	if err != nil {
		return nil, err
	}
	created := c == nil
	// Inside a transaction, indexes can be built only on a collection it
	// creates, as on mongod.
	existing := req.tx != nil && c != nil && c.creator == nil
	if created {
		c = &collection{}
	}
	before := int32(len(c.indexes) + 1)
	var add []*index
	for _, v := range specs {
		spec, ok := v.(bson.D)
		if !ok {
			return nil, errorf(codeTypeMismatch, "each index specification must be a document")
		}
		ix, err := parseIndex(spec)
		if err != nil {
			return nil, err
		}
		if existing, err := c.findIndexConflict(ix); err != nil {
			return nil, err
		} else if existing {
			continue
		}
		for _, a := range add {
			if a.name == ix.name {
				return nil, errorf(codeIndexKeySpecsConflict, "index %q is specified twice", ix.name)
			}
		}
		add = append(add, ix)
	}
	if existing && len(add) > 0 {
		return nil, errorf(codeOperationNotSupportedInTx, "Cannot create new indexes on existing collection %s.%s in a multi-document transaction.", req.db, name)
	}
	// A new unique index must hold for the documents already there.
	for _, ix := range add {
		if err := buildIndex(c, ix); err != nil {
			return nil, err
		}
	}
	if created {
		if c, _, err = s.collForWrite(req, name); err != nil {
			return nil, err
		}
	}
	c.indexes = append(c.indexes, add...)
	return bson.D{
		{Key: "numIndexesBefore", Value: before},
		{Key: "numIndexesAfter", Value: int32(len(c.indexes) + 1)},
		{Key: "createdCollectionAutomatically", Value: created},
	}, nil
}

// findIndexConflict reports whether an index identical to ix exists, or
// the conflict mongod reports when one differs only in name or options.
func (c *collection) findIndexConflict(ix *index) (bool, *cmdError) {
	if ix.name == "_id_" || sameDoc(ix.key, bson.D{{Key: "_id", Value: int32(1)}}) {
		if ix.name == "_id_" && sameDoc(ix.key, bson.D{{Key: "_id", Value: int32(1)}}) && !ix.unique && !ix.sparse {
			return true, nil // the implicit _id index
		}
		return false, errorf(codeBadValue, "mongotest does not support index %s: the _id index is implicit and cannot be changed", bsonString(ix.spec))
	}
	for _, e := range c.indexes {
		sameKey := sameDoc(e.key, ix.key)
		switch {
		case e.name == ix.name && sameKey && e.unique == ix.unique && e.sparse == ix.sparse && sameDoc(e.spec, ix.spec):
			return true, nil
		case e.name == ix.name:
			return false, errorf(codeIndexKeySpecsConflict, "An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: %s, existing index: %s", bsonString(ix.spec), bsonString(e.spec))
		case sameKey:
			return false, errorf(codeIndexOptionsConflict, "An equivalent index already exists with a different name and options. Requested index: %s, existing index: %s", bsonString(ix.spec), bsonString(e.spec))
		}
	}
	return false, nil
}

// sameDoc compares key patterns and specifications as mongod does: by
// field and value, numbers by value (1 and 1.0 are the same direction).
func sameDoc(a, b bson.D) bool { return mql.Compare(a, b) == 0 }

// parseIndex validates one createIndexes specification.
func parseIndex(spec bson.D) (*index, *cmdError) {
	ix := &index{}
	var ttl any
	var err *cmdError
	for _, e := range spec {
		switch e.Key {
		case "key":
			key, ok := e.Value.(bson.D)
			if !ok || len(key) == 0 {
				return nil, errorf(codeBadValue, "index key pattern must be a non-empty document")
			}
			for _, k := range key {
				dir, ok := wholeNumber(k.Value)
				if f, isF := k.Value.(float64); isF && !ok {
					dir, ok = int64(math.Copysign(1, f)), f != 0
				}
				if !ok || dir == 0 {
					return nil, errorf(codeBadValue, "mongotest supports only ascending (1) and descending (-1) index keys, not %s: %s", k.Key, bsonString(k.Value))
				}
				if k.Key == "" || strings.HasPrefix(k.Key, "$") {
					return nil, errorf(codeBadValue, "invalid index key field %q", k.Key)
				}
			}
			ix.key = key
		case "name":
			name, ok := e.Value.(string)
			if !ok || name == "" {
				return nil, errorf(codeBadValue, "index name must be a non-empty string")
			}
			ix.name = name
		case "unique":
			ix.unique, _ = e.Value.(bool)
		case "sparse":
			ix.sparse, _ = e.Value.(bool)
		case "expireAfterSeconds":
			if _, ok := wholeNumber(e.Value); !ok {
				return nil, errorf(codeBadValue, "expireAfterSeconds must be a number")
			}
			ttl = e.Value
		case "partialFilterExpression":
			if ix.partialSpec, ix.partial, err = parsePartialFilter(e.Value); err != nil {
				return nil, err
			}
		case "v", "background", "ns":
			// Harmless: the index version and build mode change nothing here.
		default:
			return nil, errorf(codeBadValue, "mongotest does not support the index option %q", e.Key)
		}
	}
	if ix.key == nil {
		return nil, errorf(codeFailedToParse, "index specification must contain a 'key'")
	}
	if ix.partial != nil && ix.sparse {
		return nil, cannotCreateIndex(`cannot mix "partialFilterExpression" and "sparse" options`)
	}
	if ix.name == "" {
		parts := make([]string, 0, 2*len(ix.key))
		for _, k := range ix.key {
			parts = append(parts, k.Key, bsonNumber(k.Value))
		}
		ix.name = strings.Join(parts, "_")
	}
	ix.spec = bson.D{{Key: "v", Value: int32(2)}, {Key: "key", Value: ix.key}, {Key: "name", Value: ix.name}}
	if ix.unique {
		ix.spec = append(ix.spec, bson.E{Key: "unique", Value: true})
	}
	if ix.sparse {
		ix.spec = append(ix.spec, bson.E{Key: "sparse", Value: true})
	}
	if ttl != nil {
		ix.spec = append(ix.spec, bson.E{Key: "expireAfterSeconds", Value: ttl})
	}
	if ix.partial != nil {
		ix.spec = append(ix.spec, bson.E{Key: "partialFilterExpression", Value: ix.partialSpec})
	}
	return ix, nil
}

func (s *Server) listIndexes(req *request) (bson.D, error) {
	name, err := collName(req)
	if err != nil {
		return nil, err
	}
	c := s.coll(req.db, name, false)
	if !visible(c, req.view()) {
		return nil, errorf(codeNamespaceNotFound, "ns does not exist: %s.%s", req.db, name)
	}
	batch, err := cursorBatch(req.body)
	if err != nil {
		return nil, err
	}
	docs := []bson.D{idIndexSpec()}
	for _, ix := range c.indexes {
		docs = append(docs, ix.spec)
	}
	return s.openCursor(c.ns(), docs, batch, false), nil
}

func (s *Server) dropIndexes(req *request) (bson.D, error) {
	name, err := collName(req)
	if err != nil {
		return nil, err
	}
	c := s.coll(req.db, name, false)
	if !visible(c, req.view()) {
		return nil, errorf(codeNamespaceNotFound, "ns not found %s.%s", req.db, name)
	}
	was := int32(len(c.indexes) + 1)
	out := bson.D{{Key: "nIndexesWas", Value: was}}
	drop := func(match func(*index) bool, what string) error {
		i := slices.IndexFunc(c.indexes, match)
		if i < 0 {
			return errorf(codeIndexNotFound, "index not found with %s", what)
		}
		c.indexes = slices.Delete(c.indexes, i, i+1)
		return nil
	}
	switch v := lookup(req.body, "index").(type) {
	case string:
		if v == "*" {
			c.indexes = nil
			return out, nil
		}
		if v == "_id_" {
			return nil, errorf(codeInvalidOptions, "cannot drop _id index")
		}
		return out, drop(func(ix *index) bool { return ix.name == v }, "name "+v)
	case bson.A:
		for _, n := range v {
			name, ok := n.(string)
			if !ok {
				return nil, errorf(codeTypeMismatch, "index names must be strings")
			}
			if name == "_id_" {
				return nil, errorf(codeInvalidOptions, "cannot drop _id index")
			}
			if !slices.ContainsFunc(c.indexes, func(ix *index) bool { return ix.name == name }) {
				return nil, errorf(codeIndexNotFound, "index not found with name [%s]", name)
			}
		}
		for _, n := range v {
			name := n.(string)
			c.indexes = slices.DeleteFunc(c.indexes, func(ix *index) bool { return ix.name == name })
		}
		return out, nil
	case bson.D:
		if sameDoc(v, bson.D{{Key: "_id", Value: int32(1)}}) {
			return nil, errorf(codeInvalidOptions, "cannot drop _id index")
		}
		return out, drop(func(ix *index) bool { return sameDoc(ix.key, v) }, "key pattern "+bsonString(v))
	default:
		return nil, errorf(codeTypeMismatch, "dropIndexes 'index' must be a name, an array of names, a key pattern or \"*\"")
	}
}
