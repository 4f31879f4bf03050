package runtime

// Field is the field kind of code generated before field kinds followed the
// Go type: every operation of [OrderedField] plus [Field.Inc], whatever V
// is, so a misspelt field or a value of the wrong type is a compile error
// but an operator the type does not support is the server's to reject:
//
//	AccountFields.Balance.Gte(100)      // Field[int64]
//	AccountFields.Owner.Eq(42)          // does not compile
//
// Code generated now declares the kind that fits each field instead:
// [ValueField], [OrderedField], [NumberField], [StringField], [SliceField]
// or [StructSliceField]. Field keeps working for code generated earlier.
//
// The zero Field has an empty path and must not be used.
type Field[V any] struct {
	OrderedField[V]
}

// NewField returns the field at the dotted BSON path.
func NewField[V any](path string) Field[V] { return Field[V]{OrderedField[V]{path}} }

// Inc is the update that adds v to the field. It is meant for numeric fields;
// on any other type the server rejects the update. [NumberField.Inc] is the
// checked form.
func (f Field[V]) Inc(v V) Update { return fieldUpdate(f.path, "$inc", v) }
