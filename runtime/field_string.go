package runtime

import (
	"regexp"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// StringField is the kind of a string field (any ~string type): the ordered
// filters of [OrderedField] plus regular expressions.
type StringField[V ~string] struct {
	path string
}

// NewStringField returns the string field at the dotted BSON path.
func NewStringField[V ~string](path string) StringField[V] {
	return StringField[V]{path}
}

// Regex matches documents whose field matches the PCRE pattern with the
// MongoDB $options flags ("i" ignores case, "m" multi-line, "s" dot matches
// newlines, "x" extended). The pattern is sent as it is: use [HasPrefix]
// for text typed by a user.
func (f StringField[V]) Regex(pattern, flags string) Filter {
	return fieldOp(f.path, "$regex", bson.Regex{Pattern: pattern, Options: flags})
}

// HasPrefix matches documents whose field starts with prefix, taken
// literally: regular expression metacharacters in it are escaped, so
// HasPrefix("C++") matches "C++ Primer" and not "CCC". The expression is
// anchored and case-sensitive, the form a MongoDB index can serve.
func (f StringField[V]) HasPrefix(prefix string) Filter {
	return fieldOp(f.path, "$regex", bson.Regex{Pattern: "^" + regexp.QuoteMeta(prefix)})
}

// Gt matches documents whose field is greater than v ([OrderedField.Gt]).
func (f StringField[V]) Gt(v V) Filter { return fieldOp(f.path, "$gt", v) }

// Gte matches documents whose field is greater than or equal to v ([OrderedField.Gte]).
func (f StringField[V]) Gte(v V) Filter { return fieldOp(f.path, "$gte", v) }

// Lt matches documents whose field is less than v ([OrderedField.Lt]).
func (f StringField[V]) Lt(v V) Filter { return fieldOp(f.path, "$lt", v) }

// Lte matches documents whose field is less than or equal to v ([OrderedField.Lte]).
func (f StringField[V]) Lte(v V) Filter { return fieldOp(f.path, "$lte", v) }

// Min is the update that keeps the lesser of v and the field ([OrderedField.Min]).
func (f StringField[V]) Min(v V) Update { return fieldUpdate(f.path, "$min", v) }

// Max is the update that keeps the greater of v and the field ([OrderedField.Max]).
func (f StringField[V]) Max(v V) Update { return fieldUpdate(f.path, "$max", v) }

// Path returns the dotted BSON path of the field ([ValueField.Path]).
func (f StringField[V]) Path() string { return f.path }

// Eq matches documents whose field equals v ([ValueField.Eq]).
func (f StringField[V]) Eq(v V) Filter { return fieldEq(f.path, v) }

// Ne matches documents whose field does not equal v ([ValueField.Ne]).
func (f StringField[V]) Ne(v V) Filter { return fieldOp(f.path, "$ne", v) }

// In matches documents whose field equals any of vs ([ValueField.In]).
func (f StringField[V]) In(vs ...V) Filter { return fieldOp(f.path, "$in", list(vs)) }

// Nin matches documents whose field equals none of vs ([ValueField.Nin]).
func (f StringField[V]) Nin(vs ...V) Filter { return fieldOp(f.path, "$nin", list(vs)) }

// Exists matches documents that have the field, or lack it ([ValueField.Exists]).
func (f StringField[V]) Exists(b bool) Filter { return fieldOp(f.path, "$exists", b) }

// Set is the update that sets the field to v ([ValueField.Set]).
func (f StringField[V]) Set(v V) Update { return fieldUpdate(f.path, "$set", v) }

// SetOnInsert sets the field to v only when an upsert inserts ([ValueField.SetOnInsert]).
func (f StringField[V]) SetOnInsert(v V) Update { return fieldUpdate(f.path, "$setOnInsert", v) }

// Unset is the update that removes the field ([ValueField.Unset]).
func (f StringField[V]) Unset() Update { return fieldUpdate(f.path, "$unset", "") }

// Asc sorts by the field, smallest first.
func (f StringField[V]) Asc() SortKey { return SortKey{Path: f.path, Desc: false} }

// Desc sorts by the field, largest first.
func (f StringField[V]) Desc() SortKey { return SortKey{Path: f.path, Desc: true} }

// distinctValue: see [ValueField.distinctValue].
func (f StringField[V]) distinctValue(V) {}
