package runtime

import "go.mongodb.org/mongo-driver/v2/bson"

// ValueField is the base field kind: a document field whose values have Go
// type V, addressed by its dotted BSON path, with the operations every BSON
// value supports. The other kinds have the same methods and add what their
// type allows: [OrderedField], [NumberField], [StringField], [SliceField]
// and [StructSliceField]. Generated code declares ValueField for booleans,
// sub-documents, maps and any type no other kind fits.
//
// The kinds declare their methods themselves rather than embed one another:
// every package that uses an instantiated kind compiles all its methods
// again, promoted ones included, so an embedded level would multiply that
// work (see BENCHMARKS.md, "Compact output"). Each method is one line over
// the shared rules of this file.
//
// The zero ValueField has an empty path and must not be used.
type ValueField[V any] struct {
	path string
}

// NewValueField returns the field at the dotted BSON path. Generated code
// calls it; applications rarely need to.
func NewValueField[V any](path string) ValueField[V] { return ValueField[V]{path: path} }

// Pather is anything addressed by a dotted BSON path: every field kind.
// [Select] takes Pathers.
type Pather interface {
	Path() string
}

// Path returns the dotted BSON path of the field, e.g. "address.city".
func (f ValueField[V]) Path() string { return f.path }

// Eq matches documents whose field equals v. On an array field MongoDB also
// matches an array that holds v as one of its elements.
func (f ValueField[V]) Eq(v V) Filter { return fieldEq(f.path, v) }

// Ne matches documents whose field does not equal v, including those without it.
func (f ValueField[V]) Ne(v V) Filter { return fieldOp(f.path, "$ne", v) }

// In matches documents whose field equals any of vs. With no values it
// matches nothing, as MongoDB's $in does.
func (f ValueField[V]) In(vs ...V) Filter { return fieldOp(f.path, "$in", list(vs)) }

// Nin matches documents whose field equals none of vs.
func (f ValueField[V]) Nin(vs ...V) Filter { return fieldOp(f.path, "$nin", list(vs)) }

// Exists matches documents that have the field (b true) or lack it (b false).
func (f ValueField[V]) Exists(b bool) Filter { return fieldOp(f.path, "$exists", b) }

// Set is the update that sets the field to v.
func (f ValueField[V]) Set(v V) Update { return fieldUpdate(f.path, "$set", v) }

// SetOnInsert is the update that sets the field to v only when an upsert
// inserts the document ($setOnInsert); an update of an existing document
// leaves the field alone.
func (f ValueField[V]) SetOnInsert(v V) Update { return fieldUpdate(f.path, "$setOnInsert", v) }

// Unset is the update that removes the field.
func (f ValueField[V]) Unset() Update { return fieldUpdate(f.path, "$unset", "") }

// Asc sorts by the field, smallest first.
func (f ValueField[V]) Asc() SortKey { return SortKey{Path: f.path, Desc: false} }

// Desc sorts by the field, largest first.
func (f ValueField[V]) Desc() SortKey { return SortKey{Path: f.path, Desc: true} }

// distinctValue names the Go type of the values [Distinct] returns for the
// field: V itself, except for arrays, whose elements MongoDB returns.
func (f ValueField[V]) distinctValue(V) {}

// fieldOp is the filter {path: {op: v}}. The kinds' methods call it,
// fieldEq and fieldUpdate: functions rather than methods, so that no kind
// carries them in its method set, and not inlined, so that the methods and
// the wrappers the compiler makes of them in every package using a kind
// stay one call.
//
//go:noinline
func fieldOp(path, op string, v any) Filter {
	return fieldFilter{path: path, val: bson.D{{Key: op, Value: v}}}
}

// fieldEq is the filter {path: v}.
//
//go:noinline
func fieldEq(path string, v any) Filter { return fieldFilter{path: path, val: v} }

// fieldUpdate is the update {op: {path: v}}.
//
//go:noinline
func fieldUpdate(path, op string, v any) Update {
	return opUpdate{op: op, path: path, val: v}
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
