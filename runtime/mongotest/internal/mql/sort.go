package mql

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Sort is a compiled sort specification.
type Sort struct {
	keys []sortKey
}

type sortKey struct {
	path string
	dir  int // 1 ascending, -1 descending
}

// ParseSort compiles a sort specification such as {a: 1, "b.c": -1}. Only
// the directions 1 and -1 are accepted; {$meta: ...} is refused. An empty
// specification sorts nothing.
func ParseSort(spec bson.D) (*Sort, error) {
	s := &Sort{}
	for _, e := range spec {
		if e.Key == "" || strings.HasPrefix(e.Key, ".") || strings.HasSuffix(e.Key, ".") || strings.Contains(e.Key, "..") {
			return nil, errorf(CodeBadValue, "Invalid sort key: '%s'", e.Key)
		}
		v := normalize(e.Value)
		if d, ok := v.(bson.D); ok && len(d) > 0 && d[0].Key == "$meta" {
			return nil, unsupported("sort by {$meta: %s}", formatValue(normalize(d[0].Value)))
		}
		f, ok := asFloat(v)
		if !ok || (f != 1 && f != -1) {
			return nil, errorf(15975, "$sort key ordering must be 1 (for ascending) or -1 (for descending)")
		}
		s.keys = append(s.keys, sortKey{path: e.Key, dir: int(f)})
	}
	return s, nil
}

// Compare orders two documents by the specification: -1 when a sorts
// first. An array sorts by its smallest element ascending and its largest
// descending; an empty array sorts before null; a missing field sorts as
// null. A nil *Sort compares every pair as equal (natural order).
func (s *Sort) Compare(a, b bson.D) int {
	if s == nil {
		return 0
	}
	for _, k := range s.keys {
		ka, kb := sortValue(a, k), sortValue(b, k)
		if c := Compare(ka, kb); c != 0 {
			return c * k.dir
		}
	}
	return 0
}

// sortValue is the key a document sorts by for one sort key.
func sortValue(doc bson.D, k sortKey) any {
	vals := Values(doc, k.path) // sorted ascending
	if k.dir > 0 {
		return vals[0]
	}
	return vals[len(vals)-1]
}

// Identical reports whether a and b are the same BSON value, types
// included: unlike Equal, int32(1) and 1.0 differ, as do documents whose
// fields are in a different order. It is what decides whether an update
// modified a document.
func Identical(a, b any) bool {
	a, b = normalize(a), normalize(b)
	switch x := a.(type) {
	case bson.D:
		y, ok := b.(bson.D)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i].Key != y[i].Key || !Identical(x[i].Value, y[i].Value) {
				return false
			}
		}
		return true
	case bson.A:
		y, ok := b.(bson.A)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Identical(x[i], y[i]) {
				return false
			}
		}
		return true
	case float64:
		y, ok := b.(float64)
		return ok && (x == y && (x != 0 || (1/x > 0) == (1/y > 0)) || isNaN(x) && isNaN(y))
	case bson.Decimal128:
		y, ok := b.(bson.Decimal128)
		if !ok {
			return false
		}
		xh, xl := x.GetBytes()
		yh, yl := y.GetBytes()
		return xh == yh && xl == yl
	}
	if typeCode(a) != typeCode(b) {
		return false
	}
	return Compare(a, b) == 0
}
