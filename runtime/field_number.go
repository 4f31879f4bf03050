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
	OrderedField[V]
}

// NewNumberField returns the numeric field at the dotted BSON path.
func NewNumberField[V Number](path string) NumberField[V] {
	return NumberField[V]{OrderedField[V]{ValueField[V]{path}}}
}

// Inc is the update that adds v to the field; a missing field is set to v
// ($inc).
func (f NumberField[V]) Inc(v V) Update { return f.update("$inc", v) }

// Mul is the update that multiplies the field by v; a missing field is set
// to zero ($mul).
func (f NumberField[V]) Mul(v V) Update { return f.update("$mul", v) }
