package bsoncodec

import (
	"fmt"
	"reflect"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// DecodeSlice decodes an array into *dst, each element into a fresh zero
// value with elem, reusing the backing array of a non-nil *dst as the
// driver does; null and undefined store nil, and an empty array an empty,
// non-nil slice.
func DecodeSlice[E any, S ~[]E](dst *S, v Value, elem func(*E, Value) error) error {
	switch v.Type {
	case bson.TypeArray:
	case bson.TypeNull, bson.TypeUndefined:
		*dst = nil
		return nil
	case bson.TypeEmbeddedDocument, 0:
		return fmt.Errorf("cannot decode document into %s", reflect.TypeFor[S]())
	default:
		return fmt.Errorf("cannot decode %v into a slice", v.Type)
	}
	it, err := v.elements()
	if err != nil {
		return err
	}
	out := (*dst)[:0]
	if out == nil {
		out = make(S, 0, 4)
	}
	for i := 0; it.Next(); i++ {
		var e E
		if err := elem(&e, it.Value()); err != nil {
			return atIndex(i, err)
		}
		out = append(out, e)
	}
	if err := it.Err(); err != nil {
		return err
	}
	*dst = out
	return nil
}

// DecodeMap decodes a document into *dst, each value into a fresh zero
// value with elem, adding to the entries a non-nil *dst holds as the
// driver does; null and undefined store nil.
func DecodeMap[V any, M ~map[string]V](dst *M, v Value, elem func(*V, Value) error) error {
	switch v.Type {
	case bson.TypeEmbeddedDocument, 0:
	case bson.TypeNull, bson.TypeUndefined:
		*dst = nil
		return nil
	default:
		return fmt.Errorf("cannot decode %v into a %s", v.Type, reflect.TypeFor[M]())
	}
	it, err := v.elements()
	if err != nil {
		return err
	}
	if *dst == nil {
		*dst = make(M)
	}
	for it.Next() {
		if err := decodeEntry(*dst, it.Key(), it.Value(), elem); err != nil {
			return AtKey(it.Key(), err)
		}
	}
	return it.Err()
}

// DecodeInlineEntry decodes v into a fresh zero value with elem and stores
// it at key in *dst, a struct's inline map, made when nil.
func DecodeInlineEntry[V any, M ~map[string]V](dst *M, key []byte, v Value, elem func(*V, Value) error) error {
	if *dst == nil {
		*dst = make(M)
	}
	return decodeEntry(*dst, key, v, elem)
}

func decodeEntry[V any, M ~map[string]V](m M, key []byte, v Value, elem func(*V, Value) error) error {
	var x V
	if err := elem(&x, v); err != nil {
		return err
	}
	m[string(key)] = x
	return nil
}

// Alloc points *p at a new zero value when it is nil: the driver's step
// through a nil pointer to an inline struct when it decodes one of its
// fields.
func Alloc[T any](p **T) {
	if *p == nil {
		*p = new(T)
	}
}

// DecodePointer decodes into the value *dst points to with elem, first
// pointing it at a new zero value when nil; null and undefined store nil.
func DecodePointer[E any](dst **E, v Value, elem func(*E, Value) error) error {
	if v.IsNull() {
		*dst = nil
		return nil
	}
	if *dst == nil {
		*dst = new(E)
	}
	return elem(*dst, v)
}
