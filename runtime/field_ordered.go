package runtime

// OrderedField is the kind of a field whose values MongoDB orders in a way
// an application relies on: times, ObjectIDs, decimals, and the base of the
// number and string kinds. It adds range filters and the $min and $max
// updates to [ValueField].
//
//	LoanFields.Due.Lt(time.Now())           // OrderedField[time.Time]
//	MemberFields.LastSeen.Max(time.Now())   // keeps the latest
type OrderedField[V any] struct {
	ValueField[V]
}

// NewOrderedField returns the ordered field at the dotted BSON path.
func NewOrderedField[V any](path string) OrderedField[V] {
	return OrderedField[V]{ValueField[V]{path}}
}

// Gt matches documents whose field is greater than v.
func (f OrderedField[V]) Gt(v V) Filter { return f.op("$gt", v) }

// Gte matches documents whose field is greater than or equal to v.
func (f OrderedField[V]) Gte(v V) Filter { return f.op("$gte", v) }

// Lt matches documents whose field is less than v.
func (f OrderedField[V]) Lt(v V) Filter { return f.op("$lt", v) }

// Lte matches documents whose field is less than or equal to v.
func (f OrderedField[V]) Lte(v V) Filter { return f.op("$lte", v) }

// Min is the update that sets the field to v when v is less than its value
// or the field is missing ($min).
func (f OrderedField[V]) Min(v V) Update { return f.update("$min", v) }

// Max is the update that sets the field to v when v is greater than its
// value or the field is missing ($max).
func (f OrderedField[V]) Max(v V) Update { return f.update("$max", v) }
