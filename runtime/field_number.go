package runtime

// Number is the constraint of [NumberField]: every integer and float kind,
// named types included (type Cents int64).
type Number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr |
		~float32 | ~float64
}

// NumberField is the kind of a numeric field: the ordered filters and
// updates of [OrderedField] plus arithmetic updates. A field of any other
// type has no Inc, so
//
//	BookFields.Title.Inc("x")   // does not compile: Title is a StringField
type NumberField[V Number] struct {
	path string
}

// NewNumberField returns the numeric field at the dotted BSON path.
func NewNumberField[V Number](path string) NumberField[V] {
	return NumberField[V]{path}
}

// Inc is the update that adds v to the field; a missing field is set to v
// ($inc).
func (f NumberField[V]) Inc(v V) Update { return fieldUpdate(f.path, "$inc", v) }

// Mul is the update that multiplies the field by v; a missing field is set
// to zero ($mul).
func (f NumberField[V]) Mul(v V) Update { return fieldUpdate(f.path, "$mul", v) }

// Gt matches documents whose field is greater than v ([OrderedField.Gt]).
func (f NumberField[V]) Gt(v V) Filter { return fieldOp(f.path, "$gt", v) }

// Gte matches documents whose field is greater than or equal to v ([OrderedField.Gte]).
func (f NumberField[V]) Gte(v V) Filter { return fieldOp(f.path, "$gte", v) }

// Lt matches documents whose field is less than v ([OrderedField.Lt]).
func (f NumberField[V]) Lt(v V) Filter { return fieldOp(f.path, "$lt", v) }

// Lte matches documents whose field is less than or equal to v ([OrderedField.Lte]).
func (f NumberField[V]) Lte(v V) Filter { return fieldOp(f.path, "$lte", v) }

// Min is the update that keeps the lesser of v and the field ([OrderedField.Min]).
func (f NumberField[V]) Min(v V) Update { return fieldUpdate(f.path, "$min", v) }

// Max is the update that keeps the greater of v and the field ([OrderedField.Max]).
func (f NumberField[V]) Max(v V) Update { return fieldUpdate(f.path, "$max", v) }

// Path returns the dotted BSON path of the field ([ValueField.Path]).
func (f NumberField[V]) Path() string { return f.path }

// Eq matches documents whose field equals v ([ValueField.Eq]).
func (f NumberField[V]) Eq(v V) Filter { return fieldEq(f.path, v) }

// Ne matches documents whose field does not equal v ([ValueField.Ne]).
func (f NumberField[V]) Ne(v V) Filter { return fieldOp(f.path, "$ne", v) }

// In matches documents whose field equals any of vs ([ValueField.In]).
func (f NumberField[V]) In(vs ...V) Filter { return fieldOp(f.path, "$in", list(vs)) }

// Nin matches documents whose field equals none of vs ([ValueField.Nin]).
func (f NumberField[V]) Nin(vs ...V) Filter { return fieldOp(f.path, "$nin", list(vs)) }

// Exists matches documents that have the field, or lack it ([ValueField.Exists]).
func (f NumberField[V]) Exists(b bool) Filter { return fieldOp(f.path, "$exists", b) }

// Set is the update that sets the field to v ([ValueField.Set]).
func (f NumberField[V]) Set(v V) Update { return fieldUpdate(f.path, "$set", v) }

// SetOnInsert sets the field to v only when an upsert inserts ([ValueField.SetOnInsert]).
func (f NumberField[V]) SetOnInsert(v V) Update { return fieldUpdate(f.path, "$setOnInsert", v) }

// Unset is the update that removes the field ([ValueField.Unset]).
func (f NumberField[V]) Unset() Update { return fieldUpdate(f.path, "$unset", "") }

// Asc sorts by the field, smallest first.
func (f NumberField[V]) Asc() SortKey { return SortKey{Path: f.path, Desc: false} }

// Desc sorts by the field, largest first.
func (f NumberField[V]) Desc() SortKey { return SortKey{Path: f.path, Desc: true} }

// distinctValue: see [ValueField.distinctValue].
func (f NumberField[V]) distinctValue(V) {}
