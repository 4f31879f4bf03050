package mongotest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest/internal/mql"
)

// indexKey is one entry a document puts in an index.
type indexKey struct {
	key    string // canonical, for equality
	values []any  // per key field, for keyValue in errors
}

// maxKeysPerDoc bounds the entries one document may put in one index
// (compound keys over arrays multiply).
const maxKeysPerDoc = 1000

// keys returns the entries doc puts in ix; none when ix is sparse and doc
// has none of its fields.
func (ix *index) keys(doc bson.D) ([]indexKey, *cmdError) {
	if ix.partial != nil && !ix.partial.Match(doc) {
		return nil, nil
	}
	if ix.sparse {
		present := false
		for _, k := range ix.key {
			if len(mql.DistinctValues(doc, k.Key)) > 0 {
				present = true
				break
			}
		}
		if !present {
			return nil, nil
		}
	}
	combos := [][]any{nil}
	for _, k := range ix.key {
		vals := mql.Values(doc, k.Key)
		if len(vals) == 0 {
			vals = []any{nil}
		}
		next := make([][]any, 0, len(combos)*len(vals))
		for _, c := range combos {
			for _, v := range vals {
				next = append(next, append(append([]any(nil), c...), v))
			}
		}
		if len(next) > maxKeysPerDoc {
			return nil, &cmdError{Code: codeBadValue, Msg: fmt.Sprintf("mongotest: document puts more than %d keys in index %s", maxKeysPerDoc, ix.name), asWriteError: true}
		}
		combos = next
	}
	// An array holding a value twice puts one entry in the index.
	out := make([]indexKey, 0, len(combos))
	seen := make(map[string]bool, len(combos))
	for _, c := range combos {
		if k := idKey(bson.A(c)); !seen[k] {
			seen[k] = true
			out = append(out, indexKey{key: k, values: c})
		}
	}
	return out, nil
}

// hasKey reports whether doc puts key in ix.
func (ix *index) hasKey(doc bson.D, key string) bool {
	keys, _ := ix.keys(doc)
	for _, k := range keys {
		if k.key == key {
			return true
		}
	}
	return false
}

// indexDoc adds the entries doc (nil: none) puts in c's indexes for r.
func (c *collection) indexDoc(r *record, doc bson.D) {
	if doc == nil {
		return
	}
	for _, ix := range c.indexes {
		ix.addDoc(r, doc)
	}
}

func (ix *index) addDoc(r *record, doc bson.D) {
	keys, _ := ix.keys(doc) // checked before the write: cannot fail
	if !ix.multikey && (len(keys) > 1 || ix.arrayValued(doc)) {
		ix.multikey = true
	}
	for _, k := range keys {
		ix.tree.insert(newEntry(k.values, r))
	}
}

// arrayValued reports whether one of ix's key paths meets an array in doc.
func (ix *index) arrayValued(doc bson.D) bool {
	for _, k := range ix.key {
		var v any = doc
		for _, part := range strings.Split(k.Key, ".") {
			d, ok := v.(bson.D)
			if !ok {
				break
			}
			if v = lookup(d, part); v == nil {
				break
			}
			if _, isArr := v.(bson.A); isArr {
				return true
			}
		}
	}
	return false
}

// unindexDoc removes the entries of doc, a document r no longer holds,
// that r's remaining documents do not also put there.
func (c *collection) unindexDoc(r *record, doc bson.D) {
	if doc == nil || len(c.indexes) == 0 {
		return
	}
	remaining := r.docs()
	for _, ix := range c.indexes {
		keys, _ := ix.keys(doc)
		for _, k := range keys {
			kept := slices.ContainsFunc(remaining, func(d bson.D) bool { return ix.hasVals(d, k.values) })
			if !kept {
				ix.tree.delete(newEntry(k.values, r))
			}
		}
	}
}

// hasVals reports whether doc puts an entry equal to vals in ix.
func (ix *index) hasVals(doc bson.D, vals []any) bool {
	keys, _ := ix.keys(doc)
	for _, k := range keys {
		if ix.tree.compareVals(k.values, vals) == 0 {
			return true
		}
	}
	return false
}

// checkUnique reports a DuplicateKey error when doc, written to record
// self of c, would share a unique index entry with another document
// visible in v. An entry the statement cannot see yet (one another open
// transaction has written, or, for a transaction, one committed after its
// snapshot) is a WriteConflict inside a transaction; outside one, the
// write must wait for the transaction returned, as on mongod. Each key
// costs one index lookup, however many transactions are open.
func (s *Server) checkUnique(c *collection, v view, self *record, doc bson.D) (wait *txn, err *cmdError) {
	for _, ix := range c.indexes {
		if !ix.unique {
			continue
		}
		mine, err := ix.keys(doc)
		if err != nil {
			return nil, err
		}
		for _, k := range mine {
			if wait, err := s.checkUniqueKey(c, ix, v, self, k); err != nil || wait != nil {
				return wait, err
			}
		}
	}
	return nil, nil
}

func (s *Server) checkUniqueKey(c *collection, ix *index, v view, self *record, k indexKey) (wait *txn, err *cmdError) {
	var cands []*record
	for _, r := range ix.tree.equal(k.values) {
		if r != self && !r.removed() {
			cands = append(cands, r)
		}
	}
	// Committed documents that have the key now.
	for _, r := range cands {
		if d := r.latest(); d == nil || !ix.hasKey(d, k.key) {
			continue
		}
		if v.tx == nil {
			return nil, ix.dupKey(c, k)
		}
		if d := v.doc(r); d != nil && ix.hasKey(d, k.key) {
			return nil, ix.dupKey(c, k)
		}
		if _, own := v.tx.writes[r]; !own && r.latestTS() > v.tx.snapshot {
			return nil, errWriteConflict()
		}
	}
	// Documents written by open transactions, oldest first, so that which
	// one a conflict names does not depend on the index's order.
	var holders []pending
	for _, r := range cands {
		if o := r.owner; o != nil && o.state == txnActive {
			if d := o.pendingDoc(r); d != nil && ix.hasKey(d, k.key) {
				holders = append(holders, pending{rec: r})
			}
		}
	}
	slices.SortFunc(holders, func(a, b pending) int { return a.rec.owner.start.Compare(b.rec.owner.start) })
	for _, h := range holders {
		switch tx := h.rec.owner; {
		case tx == nil: // aborted by an earlier expired check
		case tx == v.tx:
			return nil, ix.dupKey(c, k)
		case v.tx != nil:
			return nil, errWriteConflict()
		default: // waitTx aborts tx once it expired
			return tx, nil
		}
	}
	return nil, nil
}

// uniqueWithin checks that the new documents of one statement do not
// share a unique index entry among themselves.
func uniqueWithin(c *collection, changes []change) *cmdError {
	for _, ix := range c.indexes {
		if !ix.unique {
			continue
		}
		seen := map[string]bool{}
		for _, ch := range changes {
			if ch.doc == nil {
				continue
			}
			keys, err := ix.keys(ch.doc)
			if err != nil {
				return err
			}
			for _, k := range keys {
				if seen[k.key] {
					return ix.dupKey(c, k)
				}
				seen[k.key] = true
			}
		}
	}
	return nil
}

// buildIndex fills the new index ix from the documents of c; a unique
// one must hold for the committed documents, as on mongod.
func buildIndex(c *collection, ix *index) *cmdError {
	ix.tree = newKeyTree(ix.key)
	for _, r := range c.order {
		if r.removed() {
			continue
		}
		if d := r.latest(); d != nil && ix.unique {
			keys, err := ix.keys(d)
			if err != nil {
				return err
			}
			for _, k := range keys {
				for _, o := range ix.tree.equal(k.values) {
					if od := o.latest(); od != nil && ix.hasKey(od, k.key) {
						e := ix.dupKey(c, k)
						e.asWriteError = false
						return e
					}
				}
			}
		}
		for _, d := range r.docs() {
			if _, err := ix.keys(d); err != nil {
				return err
			}
			ix.addDoc(r, d)
		}
	}
	return nil
}

func (ix *index) dupKey(c *collection, k indexKey) *cmdError {
	kv := make(bson.D, len(ix.key))
	for i, f := range ix.key {
		kv[i] = bson.E{Key: f.Key, Value: k.values[i]}
	}
	return dupKeyError(c, ix.name, ix.key, kv)
}

// dupKeyError is mongod's E11000 error, with keyPattern and keyValue.
func dupKeyError(c *collection, indexName string, keyPattern, keyValue bson.D) *cmdError {
	return &cmdError{
		Code: codeDuplicateKey,
		Msg: fmt.Sprintf("E11000 duplicate key error collection: %s index: %s dup key: %s",
			c.ns(), indexName, formatKeyValue(keyValue)),
		asWriteError: true,
		extra:        bson.D{{Key: "keyPattern", Value: keyPattern}, {Key: "keyValue", Value: keyValue}},
	}
}

// formatKeyValue renders a key the way mongod's duplicate key messages do:
// { owner: "ann", n: 1 }.
func formatKeyValue(d bson.D) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i, e := range d {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e.Key + ": " + formatValue(e.Value))
	}
	b.WriteString(" }")
	return b.String()
}

func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case int32:
		return strconv.Itoa(int(x))
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		f := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(f, ".eIN") {
			f += ".0" // mongod writes doubles as 1.0
		}
		return f
	case bool:
		return strconv.FormatBool(x)
	case bson.ObjectID:
		return "ObjectId('" + x.Hex() + "')"
	case bson.D:
		return formatKeyValue(x)
	case bson.A:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e)
		}
		return "[ " + strings.Join(parts, ", ") + " ]"
	default:
		return bsonString(v)
	}
}
