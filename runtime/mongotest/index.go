package mongotest

import (
	"fmt"
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

// reindex moves r's entries in c's unique indexes from its previous latest
// document old to its new one doc (either may be nil).
func (c *collection) reindex(r *record, old, doc bson.D) {
	for _, ix := range c.indexes {
		if ix.entries == nil {
			continue
		}
		if old != nil {
			keys, _ := ix.keys(old)
			for _, k := range keys {
				if recs := ix.entries[k.key]; recs != nil {
					delete(recs, r)
					if len(recs) == 0 {
						delete(ix.entries, k.key)
					}
				}
			}
		}
		if doc != nil {
			keys, _ := ix.keys(doc) // checked before the write: cannot fail
			ix.add(r, keys)
		}
	}
}

func (ix *index) add(r *record, keys []indexKey) {
	for _, k := range keys {
		recs := ix.entries[k.key]
		if recs == nil {
			recs = map[*record]bool{}
			ix.entries[k.key] = recs
		}
		recs[r] = true
	}
}

// checkUnique reports a DuplicateKey error when doc, written to record
// self of c, would share a unique index entry with another document
// visible in v. An entry the statement cannot see yet (one another open
// transaction has written, or, for a transaction, one committed after its
// snapshot) is a WriteConflict inside a transaction; outside one, the
// write must wait for the transaction returned, as on mongod.
func (s *Server) checkUnique(c *collection, v view, self *record, doc bson.D) (wait *txn, err *cmdError) {
	var open []*txn
	if len(s.open) > 0 {
		open = s.openTxns()
	}
	for _, ix := range c.indexes {
		if !ix.unique {
			continue
		}
		mine, err := ix.keys(doc)
		if err != nil {
			return nil, err
		}
		for _, k := range mine {
			// Committed documents that have the key now.
			for r := range ix.entries[k.key] {
				if r == self || r.removed {
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
			// Documents written by open transactions.
			for _, tx := range open {
				for _, p := range tx.order {
					if p.coll != c || p.rec == self {
						continue
					}
					if d := tx.writes[p.rec]; d == nil || !ix.hasKey(d, k.key) {
						continue
					}
					switch {
					case tx == v.tx:
						return nil, ix.dupKey(c, k)
					case v.tx != nil:
						return nil, errWriteConflict()
					case !s.expired(tx):
						return tx, nil
					}
				}
			}
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

// buildUnique fills the entries of the new unique index ix from the
// committed documents of c, failing on a duplicate as mongod does.
func buildUnique(c *collection, ix *index) *cmdError {
	ix.entries = map[string]map[*record]bool{}
	for _, r := range c.order {
		if r.removed || r.latest() == nil {
			continue
		}
		keys, err := ix.keys(r.latest())
		if err != nil {
			return err
		}
		for _, k := range keys {
			if len(ix.entries[k.key]) > 0 {
				e := ix.dupKey(c, k)
				e.asWriteError = false
				return e
			}
		}
		ix.add(r, keys)
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
