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
	if ix.sparse {
		present := false
		for _, k := range ix.key {
			if len(walk(doc, k.Key)) > 0 {
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

// checkUnique reports a DuplicateKey error when doc, written to record
// self of c, would share a unique index entry with another document
// visible in v. An entry an open transaction has written but not committed
// (or, for a transaction, one committed after its snapshot) is a
// WriteConflict inside a transaction; outside one, the write waits for the
// transaction to end, as on mongod.
func (s *Server) checkUnique(c *collection, v view, self *record, doc bson.D) (wait *txn, err *cmdError) {
	for _, ix := range c.indexes {
		if !ix.unique {
			continue
		}
		mine, err := ix.keys(doc)
		if err != nil {
			return nil, err
		}
		if len(mine) == 0 {
			continue
		}
		want := make(map[string]indexKey, len(mine))
		for _, k := range mine {
			want[k.key] = k
		}
		clash := func(other bson.D) (indexKey, bool, *cmdError) {
			theirs, err := ix.keys(other)
			if err != nil {
				return indexKey{}, false, err
			}
			for _, k := range theirs {
				if hit, ok := want[k.key]; ok {
					return hit, true, nil
				}
			}
			return indexKey{}, false, nil
		}
		for _, r := range c.order {
			if r == self || r.removed {
				continue
			}
			if other := v.doc(r); other != nil {
				if hit, ok, err := clash(other); err != nil || ok {
					if err != nil {
						return nil, err
					}
					return nil, ix.dupKey(c, hit)
				}
			}
			// Entries the statement cannot see yet.
			var unseen []bson.D
			if v.tx != nil && r.latestTS() > v.tx.snapshot && r.latest() != nil {
				unseen = append(unseen, r.latest())
			}
			if o := r.owner; o != nil && o != v.tx && !s.expired(o) && o.writes[r] != nil {
				unseen = append(unseen, o.writes[r])
			}
			for _, other := range unseen {
				_, ok, err := clash(other)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
				if v.tx != nil {
					return nil, errWriteConflict()
				}
				return r.owner, nil
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

// uniqueOverAll checks that the committed documents of c satisfy the new
// unique index ix.
func uniqueOverAll(c *collection, ix *index) *cmdError {
	seen := map[string]bool{}
	for _, r := range c.order {
		if r.removed || r.latest() == nil {
			continue
		}
		keys, err := ix.keys(r.latest())
		if err != nil {
			return err
		}
		for _, k := range keys {
			if seen[k.key] {
				e := ix.dupKey(c, k)
				e.asWriteError = false
				return e
			}
			seen[k.key] = true
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
		return strconv.FormatFloat(x, 'g', -1, 64)
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
