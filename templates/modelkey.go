package templates

import (
	"cmp"
	"encoding/binary"
	"math"
	"reflect"
	"slices"
	"sync"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// A chunk's cache key holds the model it is rendered from, encoded by
// appendModel: every exported field, in declaration order, so that a field
// added to the model is part of the key without a change here, and no
// model.Pos, so that a type that only moved in its file is taken from the
// cache. The encoding is compact and unambiguous (lengths before contents,
// a byte for nil), for one build of mongotxgen, whose hash the key also
// holds. (It replaced JSON with the positions cut out: about 13 kB per
// type, and three times the CPU, the largest cost of a run after an edit.)

var posType = reflect.TypeFor[model.Pos]()

// maxModelDepth bounds the pointers followed: a model is a tree.
const maxModelDepth = 64

// appendModel appends the encoding of v to b, or reports false for a
// value it cannot encode (a func, a chan, a cycle): no key then.
func appendModel(b []byte, v reflect.Value, depth int) ([]byte, bool) {
	if depth > maxModelDepth {
		return b, false
	}
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			return append(b, 1), true
		}
		return append(b, 0), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return binary.AppendVarint(b, v.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return binary.AppendUvarint(b, v.Uint()), true
	case reflect.Float32, reflect.Float64:
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Float())), true
	case reflect.String:
		return append(binary.AppendUvarint(b, uint64(v.Len())), v.String()...), true
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return append(b, 0), true
		}
		b = append(b, 1)
		if v.Kind() == reflect.Interface {
			b = append(binary.AppendUvarint(b, uint64(len(v.Elem().Type().String()))), v.Elem().Type().String()...)
		}
		return appendModel(b, v.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return append(b, 0), true
		}
		b = binary.AppendUvarint(append(b, 1), uint64(v.Len()))
		for i := range v.Len() {
			var ok bool
			if b, ok = appendModel(b, v.Index(i), depth); !ok {
				return b, false
			}
		}
		return b, true
	case reflect.Map:
		return appendMap(b, v, depth)
	case reflect.Struct:
		if v.Type() == posType {
			return b, true
		}
		for _, i := range exportedFields(v.Type()) {
			var ok bool
			if b, ok = appendModel(b, v.Field(i), depth); !ok {
				return b, false
			}
		}
		return b, true
	}
	return b, false
}

// appendMap appends the entries of the map v, sorted by their keys'
// encodings.
func appendMap(b []byte, v reflect.Value, depth int) ([]byte, bool) {
	if v.IsNil() {
		return append(b, 0), true
	}
	type entry struct{ key, elem []byte }
	var entries []entry
	for it := v.MapRange(); it.Next(); {
		k, ok := appendModel(nil, it.Key(), depth)
		if !ok {
			return b, false
		}
		e, ok := appendModel(nil, it.Value(), depth)
		if !ok {
			return b, false
		}
		entries = append(entries, entry{k, e})
	}
	slices.SortFunc(entries, func(x, y entry) int { return cmp.Compare(string(x.key), string(y.key)) })
	b = binary.AppendUvarint(append(b, 1), uint64(len(entries)))
	for _, e := range entries {
		b = append(append(b, e.key...), e.elem...)
	}
	return b, true
}

// exportedFields returns the indexes of the exported fields of the struct
// type t (reflect.Type.Field builds a StructField each call: looking them
// up once per type cuts the cost of a key by three quarters).
func exportedFields(t reflect.Type) []int {
	if f, ok := fieldsOf.Load(t); ok {
		return f.([]int)
	}
	var f []int
	for i := range t.NumField() {
		if t.Field(i).IsExported() {
			f = append(f, i)
		}
	}
	fieldsOf.Store(t, f)
	return f
}

var fieldsOf sync.Map // reflect.Type → []int
