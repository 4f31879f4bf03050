package runtime

import (
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// StructSliceField is the kind of an array of sub-documents, a field of Go
// type []S with S a struct. It has every method of [SliceField] and two
// that take filters on the elements. Generated code embeds it in a struct
// that also holds the fields of S, at "path.sub":
//
//	BookFields.Editions.Year.Gte(2000)   // some edition is from 2000 or later
//	BookFields.Editions.ElemMatch(       // one edition is both
//		BookFields.Editions.Year.Gte(2000),
//		BookFields.Editions.Format.Eq("hb"))
//
// A filter on a sub-field has MongoDB's any-element meaning: Where(Year.Gte(2000),
// Format.Eq("hb")) matches a book with a paperback of 2001 and a hardback of
// 1990. ElemMatch requires one element to match all its filters.
//
// An update of a sub-field (Editions.Year.Set(2002)) names no one element,
// and MongoDB refuses it ("Cannot create field 'year' in element ..."):
// update the elements with Push, AddToSet, Pull, PullMatch or a Set of the
// whole array.
type StructSliceField[S any] struct {
	SliceField[S]
}

// NewStructSliceField returns the field of an array of sub-documents at the
// dotted BSON path.
func NewStructSliceField[S any](path string) StructSliceField[S] {
	return StructSliceField[S]{SliceField[S]{path}}
}

// ElemMatch matches documents whose array holds at least one element that
// matches every one of filters ($elemMatch). The filters are built from the
// sub-fields of this field (and Where, Or, Nor of them); their paths are made
// relative to the element. A filter on any other path makes the operation
// fail with an error matching [ErrInvalidQuery]. Nil filters are ignored.
func (f StructSliceField[S]) ElemMatch(filters ...Filter) Filter {
	cond, err := f.elementFilter("ElemMatch", filters)
	if err != nil {
		return fieldFilter{path: f.path, val: invalid{err}}
	}
	return fieldOp(f.path, "$elemMatch", cond)
}

// PullMatch is the update that removes every element matching all of
// filters ($pull with a condition), built and checked as for
// [StructSliceField.ElemMatch]. [SliceField.Pull] removes elements equal to
// given values instead.
func (f StructSliceField[S]) PullMatch(filters ...Filter) Update {
	cond, err := f.elementFilter("PullMatch", filters)
	if err != nil {
		return fieldUpdate(f.path, "$pull", invalid{err})
	}
	return fieldUpdate(f.path, "$pull", cond)
}

// elementFilter is the conjunction of filters with paths relative to an
// element: one document when their fields differ, an $and when one field
// has several conditions.
func (f StructSliceField[S]) elementFilter(method string, filters []Filter) (bson.D, error) {
	var out bson.D
	var docs bson.A
	seen := make(map[string]bool)
	merge := true
	for _, filter := range nonNil(filters) {
		d, err := relativeFilter(f.path+".", filter.filterDoc())
		if err != nil {
			return nil, fmt.Errorf("%s on %q: %w", method, f.path, err)
		}
		for _, e := range d {
			if seen[e.Key] {
				merge = false
			}
			seen[e.Key] = true
		}
		out = append(out, d...)
		docs = append(docs, d)
	}
	if !merge {
		return bson.D{{Key: "$and", Value: docs}}, nil
	}
	if out == nil {
		out = bson.D{}
	}
	return out, nil
}

// relativeFilter rewrites the paths of the filter document d, which must
// all start with prefix, to the rest of each path. $and, $or and $nor are
// rewritten inside.
func relativeFilter(prefix string, d bson.D) (bson.D, error) {
	out := make(bson.D, 0, len(d))
	for _, e := range d {
		switch e.Key {
		case "$and", "$or", "$nor":
			a, ok := e.Value.(bson.A)
			if !ok {
				return nil, fmt.Errorf("%w: %s takes an array of filters, got %T", ErrInvalidQuery, e.Key, e.Value)
			}
			rel := make(bson.A, len(a))
			for i, x := range a {
				xd, ok := x.(bson.D)
				if !ok {
					return nil, fmt.Errorf("%w: %s takes an array of filters, got an element of type %T", ErrInvalidQuery, e.Key, x)
				}
				r, err := relativeFilter(prefix, xd)
				if err != nil {
					return nil, err
				}
				rel[i] = r
			}
			out = append(out, bson.E{Key: e.Key, Value: rel})
			continue
		}
		rest, ok := strings.CutPrefix(e.Key, prefix)
		if !ok || rest == "" {
			return nil, fmt.Errorf("%w: the filter on %q is not on a field of the elements of %q", ErrInvalidQuery, e.Key, strings.TrimSuffix(prefix, "."))
		}
		out = append(out, bson.E{Key: rest, Value: e.Value})
	}
	return out, nil
}
