package runtime

// OrderedField is the kind of a field whose values MongoDB orders in a way
// an application relies on: times, ObjectIDs, decimals, and the base of the
// number and string kinds. It adds range filters and the $min and $max
// updates to [ValueField].
//
//	LoanFields.Due.Lt(time.Now())           // OrderedField[time.Time]
//	MemberFields.LastSeen.Max(time.Now())   // keeps the latest
type OrderedField[V any] struct {
	path string
}

// NewOrderedField returns the ordered field at the dotted BSON path.
func NewOrderedField[V any](path string) OrderedField[V] {
	return OrderedField[V]{path}
}

// Gt matches documents whose field is greater than v.
func (f OrderedField[V]) Gt(v V) Filter { return fieldOp(f.path, "$gt", v) }

// Gte matches documents whose field is greater than or equal to v.
func (f OrderedField[V]) Gte(v V) Filter { return fieldOp(f.path, "$gte", v) }

// Lt matches documents whose field is less than v.
func (f OrderedField[V]) Lt(v V) Filter { return fieldOp(f.path, "$lt", v) }

// Lte matches documents whose field is less than or equal to v.
func (f OrderedField[V]) Lte(v V) Filter { return fieldOp(f.path, "$lte", v) }

// Min is the update that sets the field to v when v is less than its value
// or the field is missing ($min).
func (f OrderedField[V]) Min(v V) Update { return fieldUpdate(f.path, "$min", v) }

// Max is the update that sets the field to v when v is greater than its
// value or the field is missing ($max).
func (f OrderedField[V]) Max(v V) Update { return fieldUpdate(f.path, "$max", v) }

// Path returns the dotted BSON path of the field ([ValueField.Path]).
func (f OrderedField[V]) Path() string { return f.path }

// Eq matches documents whose field equals v ([ValueField.Eq]).
func (f OrderedField[V]) Eq(v V) Filter { return fieldEq(f.path, v) }

// Ne matches documents whose field does not equal v ([ValueField.Ne]).
func (f OrderedField[V]) Ne(v V) Filter { return fieldOp(f.path, "$ne", v) }

// In matches documents whose field equals any of vs ([ValueField.In]).
func (f OrderedField[V]) In(vs ...V) Filter { return fieldOp(f.path, "$in", list(vs)) }

// Nin matches documents whose field equals none of vs ([ValueField.Nin]).
func (f OrderedField[V]) Nin(vs ...V) Filter { return fieldOp(f.path, "$nin", list(vs)) }

// Exists matches documents that have the field, or lack it ([ValueField.Exists]).
func (f OrderedField[V]) Exists(b bool) Filter { return fieldOp(f.path, "$exists", b) }

// Set is the update that sets the field to v ([ValueField.Set]).
func (f OrderedField[V]) Set(v V) Update { return fieldUpdate(f.path, "$set", v) }

// SetOnInsert sets the field to v only when an upsert inserts ([ValueField.SetOnInsert]).
func (f OrderedField[V]) SetOnInsert(v V) Update { return fieldUpdate(f.path, "$setOnInsert", v) }

// Unset is the update that removes the field ([ValueField.Unset]).
func (f OrderedField[V]) Unset() Update { return fieldUpdate(f.path, "$unset", "") }

// Asc sorts by the field, smallest first.
func (f OrderedField[V]) Asc() SortKey { return SortKey{Path: f.path, Desc: false} }

// Desc sorts by the field, largest first.
func (f OrderedField[V]) Desc() SortKey { return SortKey{Path: f.path, Desc: true} }

// distinctValue: see [ValueField.distinctValue].
func (f OrderedField[V]) distinctValue(V) {}
