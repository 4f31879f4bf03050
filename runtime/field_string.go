package runtime

import (
	"regexp"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// StringField is the kind of a string field (any ~string type): the ordered
// filters of [OrderedField] plus regular expressions.
type StringField[V ~string] struct {
	OrderedField[V]
}

// NewStringField returns the string field at the dotted BSON path.
func NewStringField[V ~string](path string) StringField[V] {
	return StringField[V]{OrderedField[V]{ValueField[V]{path}}}
}

// Regex matches documents whose field matches the PCRE pattern with the
// MongoDB $options flags ("i" ignores case, "m" multi-line, "s" dot matches
// newlines, "x" extended). The pattern is sent as it is: use [HasPrefix]
// for text typed by a user.
func (f StringField[V]) Regex(pattern, flags string) Filter {
	return f.op("$regex", bson.Regex{Pattern: pattern, Options: flags})
}

// HasPrefix matches documents whose field starts with prefix, taken
// literally: regular expression metacharacters in it are escaped, so
// HasPrefix("C++") matches "C++ Primer" and not "CCC". The expression is
// anchored and case-sensitive, the form a MongoDB index can serve.
func (f StringField[V]) HasPrefix(prefix string) Filter {
	return f.op("$regex", bson.Regex{Pattern: "^" + regexp.QuoteMeta(prefix)})
}
