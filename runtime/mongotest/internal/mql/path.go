package mql

import (
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// lookup returns the value of the first field named key.
func lookup(d bson.D, key string) (any, bool) {
	for _, e := range d {
		if e.Key == key {
			return normalize(e.Value), true
		}
	}
	return nil, false
}

// fieldIndex returns the position of the first field named key, or -1.
func fieldIndex(d bson.D, key string) int {
	for i, e := range d {
		if e.Key == key {
			return i
		}
	}
	return -1
}

// arrayIndex parses a path component that names an array position: decimal
// digits without a leading zero (except "0" itself).
func arrayIndex(s string) (int, bool) {
	if s == "" || len(s) > 9 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// Values returns the values at a dotted path the way mongod builds index
// keys: arrays met along the path are expanded one level (their documents
// searched for the rest of the path, or indexed positionally when the next
// component is a number and the position exists), a final array contributes
// each of its elements, an empty final array contributes undefined, and a
// missing value contributes nil. The result is sorted in BSON order without
// duplicates and never empty; documents and arrays in it share memory with
// doc.
func Values(doc bson.D, path string) []any {
	var out []any
	collectKeys(doc, strings.Split(path, "."), &out)
	if len(out) == 0 {
		return []any{nil}
	}
	slices.SortStableFunc(out, Compare)
	return slices.CompactFunc(out, Equal)
}

func collectKeys(v any, path []string, out *[]any) {
	v = normalize(v)
	if len(path) == 0 {
		if arr, ok := v.(bson.A); ok {
			if len(arr) == 0 {
				*out = append(*out, bson.Undefined{})
			}
			for _, e := range arr {
				*out = append(*out, normalize(e))
			}
			return
		}
		*out = append(*out, v)
		return
	}
	switch x := v.(type) {
	case bson.D:
		f, ok := lookup(x, path[0])
		if !ok {
			*out = append(*out, nil)
			return
		}
		collectKeys(f, path[1:], out)
	case bson.A:
		if i, ok := arrayIndex(path[0]); ok && i < len(x) {
			collectKeys(x[i], path[1:], out)
			return
		}
		before := len(*out)
		for _, e := range x {
			if d, ok := normalize(e).(bson.D); ok {
				collectKeys(d, path, out)
			}
		}
		if len(*out) == before {
			*out = append(*out, nil)
		}
	default:
		*out = append(*out, nil)
	}
}

// DistinctValues returns the values the distinct command reports for one
// document: the values at path, arrays expanded one level as in Values, but
// missing values and empty arrays contribute nothing. Duplicates are kept;
// the caller merges across documents. Documents and arrays in the result
// share memory with doc.
func DistinctValues(doc bson.D, path string) []any {
	var out []any
	collectDistinct(doc, strings.Split(path, "."), &out)
	return out
}

func collectDistinct(v any, path []string, out *[]any) {
	v = normalize(v)
	if len(path) == 0 {
		if arr, ok := v.(bson.A); ok {
			for _, e := range arr {
				*out = append(*out, normalize(e))
			}
			return
		}
		*out = append(*out, v)
		return
	}
	switch x := v.(type) {
	case bson.D:
		if f, ok := lookup(x, path[0]); ok {
			collectDistinct(f, path[1:], out)
		}
	case bson.A:
		if i, ok := arrayIndex(path[0]); ok && i < len(x) {
			collectDistinct(x[i], path[1:], out)
			return
		}
		for _, e := range x {
			if d, ok := normalize(e).(bson.D); ok {
				collectDistinct(d, path, out)
			}
		}
	}
}

// walk calls fn for the values a query predicate on path sees in v, with
// mongod's array traversal, and reports whether fn returned true for any.
// A missing value is passed as (nil, false). A path that ends early in a
// document, or at a scalar, is missing. An array met before the end of the
// path contributes what its document elements contribute for the same
// path (missing included) and, when the next component is a position, what
// the element at that position contributes for the rest of the path; other
// elements contribute nothing. When expand is set, an array at the end of
// the path is passed element by element and then whole.
func walk(v any, path []string, expand bool, fn func(v any, found bool) bool) bool {
	v = normalize(v)
	if len(path) == 0 {
		if arr, ok := v.(bson.A); ok && expand {
			for _, e := range arr {
				if fn(normalize(e), true) {
					return true
				}
			}
		}
		return fn(v, true)
	}
	switch x := v.(type) {
	case bson.D:
		f, ok := lookup(x, path[0])
		if !ok {
			return fn(nil, false)
		}
		return walk(f, path[1:], expand, fn)
	case bson.A:
		idx, positional := arrayIndex(path[0])
		positional = positional && idx < len(x)
		for i, e := range x {
			e = normalize(e)
			if d, ok := e.(bson.D); ok && walk(d, path, expand, fn) {
				return true
			}
			if !positional || i != idx {
				continue
			}
			switch rest := path[1:]; {
			case len(rest) == 0:
				// The path names this element: it is the value, not expanded.
				if fn(e, true) {
					return true
				}
			default:
				switch e.(type) {
				case bson.D, bson.A:
					if walk(e, rest, expand, fn) {
						return true
					}
				}
			}
		}
		return false
	default:
		return fn(nil, false)
	}
}

// getPath returns the value at path without array expansion; numeric
// components index arrays.
func getPath(doc bson.D, path []string) (any, bool) {
	var cur any = doc
	for _, p := range path {
		switch x := normalize(cur).(type) {
		case bson.D:
			v, ok := lookup(x, p)
			if !ok {
				return nil, false
			}
			cur = v
		case bson.A:
			i, ok := arrayIndex(p)
			if !ok || i >= len(x) {
				return nil, false
			}
			cur = normalize(x[i])
		default:
			return nil, false
		}
	}
	return cur, true
}

// nestedDoc builds {p1: {p2: {...: v}}} for the given path.
func nestedDoc(path []string, v any) any {
	for i := len(path) - 1; i >= 0; i-- {
		v = bson.D{{Key: path[i], Value: v}}
	}
	return v
}

// deepCopy copies documents and arrays so that the copy can be mutated.
func deepCopy(v any) any {
	switch x := v.(type) {
	case bson.D:
		out := make(bson.D, len(x))
		for i, e := range x {
			out[i] = bson.E{Key: e.Key, Value: deepCopy(e.Value)}
		}
		return out
	case bson.A:
		out := make(bson.A, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	case []any:
		return deepCopy(bson.A(x))
	}
	return normalize(v)
}

func copyDoc(d bson.D) bson.D {
	if d == nil {
		return bson.D{}
	}
	return deepCopy(d).(bson.D)
}
