package bsoncodec

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"time"
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// decode decodes v, a document, into the struct at p one element at a
// time, with the rules the driver's struct codec applies around the
// fields: null or undefined set the struct to its zero value; a key not
// found is looked up again in lower case, then stored in the inline map or
// skipped; an error is returned with the key it was decoding.
func (c *Codec) decode(p unsafe.Pointer, v Value) error {
	pl := c.resolve()
	if v.IsNull() {
		reflect.NewAt(pl.typ, p).Elem().SetZero()
		return nil
	}
	it, err := v.Document(c.Name)
	if err != nil {
		return err
	}
	next := 0 // documents usually hold the fields in their order
	for it.Next() {
		key, e := it.Key(), it.Value()
		i := pl.find(key, next)
		if i < 0 {
			if lower, ok := Lower(key); ok {
				key, i = lower, pl.find(lower, 0)
			}
		}
		if i >= 0 {
			next = i + 1
			f := &pl.fields[i]
			if f.truncate {
				e = e.Truncated()
			}
			at := unsafe.Add(p, f.offs[0])
			if f.via != nil {
				at = f.alloc(p)
			}
			if err := f.val.decode(at, e); err != nil {
				return AtKey(key, err)
			}
			continue
		}
		if pl.inline != nil {
			if err := pl.inline.val.decodeEntry(pl.inline.alloc(p), it.Key(), e); err != nil {
				return err
			}
		}
	}
	return it.Err()
}

// find is the index of the field of key, trying hint first, or -1.
func (pl *plan) find(key []byte, hint int) int {
	if hint < len(pl.fields) && pl.fields[hint].key == string(key) {
		return hint
	}
	if pl.index != nil {
		if i, ok := pl.index[string(key)]; ok {
			return i
		}
		return -1
	}
	for i := range pl.fields {
		if pl.fields[i].key == string(key) {
			return i
		}
	}
	return -1
}

// decode decodes e into the value at p; on error the value is as the
// Decode function of its kind leaves it.
func (v *valuePlan) decode(p unsafe.Pointer, e Value) error {
	switch v.op {
	case opBool:
		return DecodeBool((*bool)(p), e)
	case opString:
		return DecodeString((*string)(p), e)
	case opInt8:
		return DecodeInt((*int8)(p), e)
	case opInt16:
		return DecodeInt((*int16)(p), e)
	case opInt32:
		return DecodeInt((*int32)(p), e)
	case opInt:
		return DecodeInt((*int)(p), e)
	case opInt64:
		return DecodeInt((*int64)(p), e)
	case opUint8:
		return DecodeUint((*uint8)(p), e)
	case opUint16:
		return DecodeUint((*uint16)(p), e)
	case opUint32:
		return DecodeUint((*uint32)(p), e)
	case opUint:
		return DecodeUint((*uint)(p), e)
	case opUint64:
		return DecodeUint((*uint64)(p), e)
	case opFloat32:
		return DecodeFloat((*float32)(p), e)
	case opFloat64:
		return DecodeFloat((*float64)(p), e)
	case opObjectID:
		return DecodeObjectID((*bson.ObjectID)(p), e)
	case opTime:
		return DecodeTime((*time.Time)(p), e)
	case opBytes:
		return DecodeBytes((*[]byte)(p), e)
	case opStruct:
		return v.codec.decode(p, e)
	case opPointer:
		ptr := (*unsafe.Pointer)(p)
		if e.IsNull() {
			*ptr = nil
			return nil
		}
		if *ptr == nil {
			*ptr = reflect.New(v.elem.typ).UnsafePointer()
		}
		return v.elem.decode(*ptr, e)
	case opSlice:
		return v.decodeSlice(p, e)
	case opMap:
		return v.decodeMap(p, e)
	}
	return v.decodeFallback(p, e)
}

// decodeSlice decodes an array into the slice at p, each element into a
// fresh zero value, reusing the backing array of a non-nil slice as the
// driver does; null and undefined store nil, an empty array an empty,
// non-nil slice. On error the slice is left as it was.
func (v *valuePlan) decodeSlice(p unsafe.Pointer, e Value) error {
	switch e.Type {
	case bson.TypeArray:
	case bson.TypeNull, bson.TypeUndefined:
		*(*sliceHeader)(p) = sliceHeader{}
		return nil
	case bson.TypeEmbeddedDocument, 0:
		return fmt.Errorf("cannot decode document into %s", v.typ)
	default:
		return fmt.Errorf("cannot decode %v into a slice", e.Type)
	}
	it, err := e.elements()
	if err != nil {
		return err
	}
	if ok, err := v.decodeScalars(p, it); ok {
		return err
	}
	h := (*sliceHeader)(p)
	was := *h
	if h.data == nil {
		// The header is written, not Set: reflect.Value.Set would put p
		// in escape analysis' view of the heap.
		*h = sliceHeader{data: reflect.MakeSlice(v.typ, 0, 4).UnsafePointer(), cap: 4}
	}
	s := reflect.NewAt(v.typ, p).Elem()
	s.SetLen(0)
	for i := 0; it.Next(); i++ {
		if i == s.Cap() {
			s.Grow(1)
		}
		s.SetLen(i + 1)
		slot := s.Index(i)
		slot.SetZero()
		if err := v.elem.decode(slot.Addr().UnsafePointer(), it.Value()); err != nil {
			*h = was
			return atIndex(i, err)
		}
	}
	if err := it.Err(); err != nil {
		*h = was
		return err
	}
	return nil
}

// decodeScalars decodes the elements of an array into the slice at p
// without reflection when their layout is fixed by their kind (a []Tag of
// a string kind is laid out as a []string). It reports false for the
// other kinds. (A switch rather than a function value: p stays out of
// escape analysis' view of the heap.)
func (v *valuePlan) decodeScalars(p unsafe.Pointer, it Elements) (bool, error) {
	switch e := v.elem; {
	case e.kind == Bool:
		return true, decodeElems((*[]bool)(p), it, DecodeBool[bool])
	case e.kind == String:
		return true, decodeElems((*[]string)(p), it, DecodeString[string])
	case e.kind == ObjectID:
		return true, decodeElems((*[]bson.ObjectID)(p), it, DecodeObjectID)
	case e.kind == Time:
		return true, decodeElems((*[]time.Time)(p), it, DecodeTime)
	case e.kind == Bytes:
		return true, decodeElems((*[][]byte)(p), it, DecodeBytes)
	case e.rk == reflect.Int:
		return true, decodeElems((*[]int)(p), it, DecodeInt[int])
	case e.rk == reflect.Int64:
		return true, decodeElems((*[]int64)(p), it, DecodeInt[int64])
	case e.rk == reflect.Int32:
		return true, decodeElems((*[]int32)(p), it, DecodeInt[int32])
	case e.rk == reflect.Float64:
		return true, decodeElems((*[]float64)(p), it, DecodeFloat[float64])
	}
	return false, nil
}

// decodeElems decodes the elements of an array into *dst, each into a
// fresh zero value with elem.
func decodeElems[E any](dst *[]E, it Elements, elem func(*E, Value) error) error {
	out := (*dst)[:0]
	if out == nil {
		out = make([]E, 0, 4)
	}
	for i := 0; it.Next(); i++ {
		var zero E
		out = append(out, zero) // decoded in place: a local would be moved to the heap
		if err := elem(&out[i], it.Value()); err != nil {
			return atIndex(i, err)
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	*dst = out
	return nil
}

// decodeMap decodes a document into the map at p, each value into a fresh
// zero value, adding to the entries of a non-nil map as the driver does;
// null and undefined store nil.
func (v *valuePlan) decodeMap(p unsafe.Pointer, e Value) error {
	switch e.Type {
	case bson.TypeEmbeddedDocument, 0:
	case bson.TypeNull, bson.TypeUndefined:
		*(*unsafe.Pointer)(p) = nil
		return nil
	default:
		return fmt.Errorf("cannot decode %v into a %s", e.Type, v.typ)
	}
	it, err := e.elements()
	if err != nil {
		return err
	}
	m := v.mapAt(p)
	key, val := reflect.New(v.typ.Key()).Elem(), reflect.New(v.elem.typ).Elem()
	for it.Next() {
		if err := v.setEntry(m, key, val, it.Key(), it.Value()); err != nil {
			return AtKey(it.Key(), err)
		}
	}
	return it.Err()
}

// decodeEntry decodes e into a fresh zero value and stores it at key in
// the map at p, a struct's inline map, made when nil.
func (v *valuePlan) decodeEntry(p unsafe.Pointer, key []byte, e Value) error {
	return v.setEntry(v.mapAt(p), reflect.New(v.typ.Key()).Elem(), reflect.New(v.elem.typ).Elem(), key, e)
}

// mapAt is the map at p, made when nil. (Its pointer is written, not
// Set, as decodeSlice's header.)
func (v *valuePlan) mapAt(p unsafe.Pointer) reflect.Value {
	if m := (*unsafe.Pointer)(p); *m == nil {
		*m = reflect.MakeMap(v.typ).UnsafePointer()
	}
	return reflect.NewAt(v.typ, p).Elem()
}

// setEntry decodes e into val, zeroed first, and stores it in m at key,
// through k; k and val are addressable values of m's key and element types.
func (v *valuePlan) setEntry(m, k, val reflect.Value, key []byte, e Value) error {
	val.SetZero()
	if err := v.elem.decode(val.Addr().UnsafePointer(), e); err != nil {
		return err
	}
	k.SetString(string(key))
	m.SetMapIndex(k, val)
	return nil
}

// decodeFallback lets the driver decode e into the value at p as the field
// of a struct{ V T } holding it.
func (v *valuePlan) decodeFallback(p unsafe.Pointer, e Value) error {
	doc := bsoncore.BuildDocumentFromElements(nil, bsoncore.AppendValueElement(nil, "v", bsoncore.Value{Type: bsoncore.Type(e.Type), Data: e.Data}))
	dec := bson.NewDecoder(bson.NewDocumentReader(bytes.NewReader(doc)))
	if e.Truncate {
		dec.AllowTruncatingDoubles()
	}
	wrapped := reflect.New(v.wrap)
	v.copyValue(wrapped.UnsafePointer(), p) // V is at offset 0
	if err := dec.Decode(wrapped.Interface()); err != nil {
		// The driver names the wrapper's key: drop it, the caller adds
		// the field's.
		var de *bson.DecodeError
		if errors.As(err, &de) && len(de.Keys()) == 1 {
			return de.Unwrap()
		}
		return err
	}
	v.copyValue(p, wrapped.UnsafePointer())
	return nil
}
