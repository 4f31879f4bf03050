package runtime

import "go.mongodb.org/mongo-driver/v2/bson"

// Field is a document field whose values have Go type V, addressed by its
// dotted BSON path. Generated code declares one Field per struct field, so a
// misspelt field is a compile error, and so is a value of the wrong type:
//
//	AccountFields.Balance.Gte(100)      // Field[int64]
//	AccountFields.Owner.Eq(42)          // does not compile
//
// The zero Field has an empty path and must not be used.
type Field[V any] struct {
	path string
}

// NewField returns the field at the dotted BSON path. Generated code calls it;
// applications rarely need to.
func NewField[V any](path string) Field[V] { return Field[V]{path: path} }

// Path returns the dotted BSON path of the field, e.g. "address.city".
func (f Field[V]) Path() string { return f.path }

// Eq matches documents whose field equals v.
func (f Field[V]) Eq(v V) Filter { return fieldFilter{path: f.path, val: v} }

// Ne matches documents whose field does not equal v, including those without it.
func (f Field[V]) Ne(v V) Filter { return f.op("$ne", v) }

// Gt matches documents whose field is greater than v.
func (f Field[V]) Gt(v V) Filter { return f.op("$gt", v) }

// Gte matches documents whose field is greater than or equal to v.
func (f Field[V]) Gte(v V) Filter { return f.op("$gte", v) }

// Lt matches documents whose field is less than v.
func (f Field[V]) Lt(v V) Filter { return f.op("$lt", v) }

// Lte matches documents whose field is less than or equal to v.
func (f Field[V]) Lte(v V) Filter { return f.op("$lte", v) }

// In matches documents whose field equals any of vs. With no values it
// matches nothing, as MongoDB's $in does.
func (f Field[V]) In(vs ...V) Filter { return f.op("$in", list(vs)) }

// Nin matches documents whose field equals none of vs.
func (f Field[V]) Nin(vs ...V) Filter { return f.op("$nin", list(vs)) }

// Exists matches documents that have the field (b true) or lack it (b false).
func (f Field[V]) Exists(b bool) Filter { return f.op("$exists", b) }

// Set is the update that sets the field to v.
func (f Field[V]) Set(v V) Update { return opUpdate{op: "$set", path: f.path, val: v} }

// Unset is the update that removes the field.
func (f Field[V]) Unset() Update { return opUpdate{op: "$unset", path: f.path, val: ""} }

// Inc is the update that adds v to the field. It is meant for numeric fields;
// on any other type the server rejects the update.
func (f Field[V]) Inc(v V) Update { return opUpdate{op: "$inc", path: f.path, val: v} }

// Asc sorts by the field, smallest first.
func (f Field[V]) Asc() SortKey { return SortKey{Path: f.path, Desc: false} }

// Desc sorts by the field, largest first.
func (f Field[V]) Desc() SortKey { return SortKey{Path: f.path, Desc: true} }

func (f Field[V]) op(op string, v any) Filter {
	return fieldFilter{path: f.path, val: bson.D{{Key: op, Value: v}}}
}

// list copies vs into a bson.A so that an empty argument list marshals as an
// empty array rather than null.
func list[V any](vs []V) bson.A {
	a := make(bson.A, len(vs))
	for i, v := range vs {
		a[i] = v
	}
	return a
}
