package runtime

import "go.mongodb.org/mongo-driver/v2/bson"

// Filter is a MongoDB query predicate. The nil Filter matches every document.
//
// Filters come from the methods of [Field], from [Where], [Or] and [Nor]
// combining them, and from [Raw] for anything the typed API does not cover.
type Filter interface {
	filterDoc() bson.D
}

// Raw is an untyped filter or update document, the escape hatch for
// operators the typed API does not cover:
//
//	runtime.Raw{{Key: "tags", Value: bson.D{{Key: "$size", Value: 2}}}}
//
// A Raw value is both a [Filter] and an [Update] and is sent unchanged.
type Raw bson.D

func (r Raw) filterDoc() bson.D { return bson.D(r) }
func (r Raw) updateDoc() bson.D { return bson.D(r) }

// fieldFilter is {path: val}: an equality when val is a plain value, an
// operator expression when val is an operator document.
type fieldFilter struct {
	path string
	val  any
}

func (f fieldFilter) filterDoc() bson.D { return bson.D{{Key: f.path, Value: f.val}} }

type logicalFilter struct {
	op      string
	filters []Filter
}

func (l logicalFilter) filterDoc() bson.D {
	a := make(bson.A, 0, len(l.filters))
	for _, f := range l.filters {
		a = append(a, FilterDoc(f))
	}
	return bson.D{{Key: l.op, Value: a}}
}

// Where matches documents that match every one of filters (MongoDB $and).
// Nil filters are ignored; Where() with no filters matches every document.
func Where(filters ...Filter) Filter {
	filters = nonNil(filters)
	switch len(filters) {
	case 0:
		return nil
	case 1:
		return filters[0]
	}
	return logicalFilter{op: "$and", filters: filters}
}

// Or matches documents that match at least one of filters (MongoDB $or).
// A nil filter matches everything, so Or with a nil argument matches every
// document; Or() with no filters matches none.
func Or(filters ...Filter) Filter {
	for _, f := range filters {
		if f == nil {
			return nil
		}
	}
	switch len(filters) {
	case 0:
		return matchNone
	case 1:
		return filters[0]
	}
	return logicalFilter{op: "$or", filters: filters}
}

// Nor matches documents that match none of filters (MongoDB $nor). A nil
// filter matches everything, so Nor with a nil argument matches no document;
// Nor() with no filters matches every document.
func Nor(filters ...Filter) Filter {
	for _, f := range filters {
		if f == nil {
			return matchNone
		}
	}
	if len(filters) == 0 {
		return nil
	}
	return logicalFilter{op: "$nor", filters: filters}
}

// matchNone is a filter no document satisfies. MongoDB rejects an empty $or,
// and every document has an _id, so an _id in no values is the plain spelling.
var matchNone Filter = fieldFilter{path: "_id", val: bson.D{{Key: "$in", Value: bson.A{}}}}

// FilterDoc returns the query document of f; nil gives the empty document,
// which matches everything. Generated repositories call it.
func FilterDoc(f Filter) bson.D {
	if f == nil {
		return bson.D{}
	}
	return f.filterDoc()
}

func nonNil(filters []Filter) []Filter {
	out := filters[:0:0]
	for _, f := range filters {
		if f != nil {
			out = append(out, f)
		}
	}
	return out
}
