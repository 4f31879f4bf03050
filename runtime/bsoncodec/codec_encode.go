package bsoncodec

import (
	"fmt"
	"reflect"
	"time"
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// encode writes the struct at p as a document at key ("" for the top
// level): its fields in order, then its inline map's entries.
func (c *Codec) encode(p unsafe.Pointer, w *Writer, key string) {
	pl := c.resolve()
	start := w.BeginDocument(key)
	for i := range pl.fields {
		if f := &pl.fields[i]; f.direct {
			f.val.encode(unsafe.Add(p, f.offs[0]), w, f.key)
		} else {
			f.encode(p, w)
		}
	}
	if m := pl.inline; m != nil {
		if at, ok := m.at(p); ok {
			pl.encodeInline(at, w)
		}
	}
	w.End(start)
}

// encode writes one field of the struct at base, unless omitempty or a nil
// inline pointer leaves it out.
func (f *fieldPlan) encode(base unsafe.Pointer, w *Writer) {
	p, ok := f.at(base)
	if !ok {
		return
	}
	v := f.val
	switch {
	case v.kind == Fallback && f.omitEmpty:
		v.encodeFallback(p, w, f.key, v.wrapOmit)
		return
	case v.kind == ObjectID && f.omitEmpty:
		EncodeObjectIDOmitEmpty((*bson.ObjectID)(p), w, f.key)
		return
	case f.omitEmpty && v.empty(p, f.zeroer):
		return
	}
	if f.minSize {
		was := w.MinSize(true)
		v.encode(p, w, f.key)
		w.MinSize(was)
		return
	}
	v.encode(p, w, f.key)
}

// isZeroer is the method the driver's omitempty consults when a type has it.
type isZeroer interface{ IsZero() bool }

// empty reports whether omitempty leaves the value at p out, as the
// driver's isEmpty decides it: by IsZero when the type has it (a pointer:
// also when nil), else the zero value of a scalar, no element, or nil. A
// struct is never empty.
func (v *valuePlan) empty(p unsafe.Pointer, zeroer bool) bool {
	if zeroer {
		switch {
		case v.kind == Time:
			return (*time.Time)(p).IsZero()
		case v.kind == Pointer:
			ptr := *(*unsafe.Pointer)(p)
			return ptr == nil || reflect.NewAt(v.typ.Elem(), ptr).Interface().(isZeroer).IsZero()
		}
		// On a copy: IsZero is of the value's method set, and p stays
		// on the caller's stack.
		c := reflect.New(v.typ)
		v.copyValue(c.UnsafePointer(), p)
		return c.Interface().(isZeroer).IsZero()
	}
	switch v.kind {
	case Bool:
		return !*(*bool)(p)
	case String:
		return *(*string)(p) == ""
	case Int32, Int, Int64, Uint16, Uint, Float:
		return v.isZeroNumber(p)
	case Bytes, Slice:
		return (*sliceHeader)(p).len == 0
	case Map:
		return reflect.NewAt(v.typ, p).Elem().Len() == 0
	case Pointer:
		return *(*unsafe.Pointer)(p) == nil
	}
	return false
}

// isZeroNumber reports v == 0 for the number at p: -0 too is empty, NaN
// is not.
func (v *valuePlan) isZeroNumber(p unsafe.Pointer) bool {
	switch {
	case v.rk == reflect.Float32:
		return *(*float32)(p) == 0
	case v.rk == reflect.Float64:
		return *(*float64)(p) == 0
	case v.size == 1:
		return *(*uint8)(p) == 0
	case v.size == 2:
		return *(*uint16)(p) == 0
	case v.size == 4:
		return *(*uint32)(p) == 0
	}
	return *(*uint64)(p) == 0
}

// sliceHeader is the layout of a slice.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// encode writes the value at p at key.
func (v *valuePlan) encode(p unsafe.Pointer, w *Writer, key string) {
	switch v.op {
	case opBool:
		EncodeBool((*bool)(p), w, key)
	case opString:
		EncodeString((*string)(p), w, key)
	case opInt8:
		EncodeInt32((*int8)(p), w, key)
	case opInt16:
		EncodeInt32((*int16)(p), w, key)
	case opInt32:
		EncodeInt32((*int32)(p), w, key)
	case opInt:
		EncodeInt((*int)(p), w, key)
	case opInt64:
		EncodeInt64((*int64)(p), w, key)
	case opUint8:
		EncodeUint16((*uint8)(p), w, key)
	case opUint16:
		EncodeUint16((*uint16)(p), w, key)
	case opUint32:
		EncodeUint((*uint32)(p), w, key)
	case opUint:
		EncodeUint((*uint)(p), w, key)
	case opUint64:
		EncodeUint((*uint64)(p), w, key)
	case opFloat32:
		EncodeFloat((*float32)(p), w, key)
	case opFloat64:
		EncodeFloat((*float64)(p), w, key)
	case opObjectID:
		EncodeObjectID((*bson.ObjectID)(p), w, key)
	case opTime:
		EncodeTime((*time.Time)(p), w, key)
	case opBytes:
		EncodeBytes((*[]byte)(p), w, key)
	case opStruct:
		v.codec.encode(p, w, key)
	case opPointer:
		if ptr := *(*unsafe.Pointer)(p); ptr != nil {
			v.elem.encode(ptr, w, key)
			return
		}
		w.Null(key)
	case opSlice:
		v.encodeSlice((*sliceHeader)(p), w, key)
	case opMap:
		if *(*unsafe.Pointer)(p) == nil {
			w.Null(key)
			return
		}
		start := w.BeginDocument(key)
		v.encodeEntries(v.mapValue(p), w)
		w.End(start)
	default:
		v.encodeFallback(p, w, key, v.wrap)
	}
}

// encodeSlice writes a slice as an array; a nil slice is null.
func (v *valuePlan) encodeSlice(s *sliceHeader, w *Writer, key string) {
	if s.data == nil {
		w.Null(key)
		return
	}
	start := w.BeginArray(key)
	for i := range s.len {
		v.elem.encode(unsafe.Add(s.data, uintptr(i)*v.elem.size), w, Index(i))
	}
	w.End(start)
}

// encodeEntries writes the entries of the map m, in its iteration order as
// the driver does.
func (v *valuePlan) encodeEntries(m reflect.Value, w *Writer) {
	val := reflect.New(v.elem.typ).Elem() // addressable: the entries are encoded from it
	for it := m.MapRange(); it.Next(); {
		k := it.Key().String()
		if !w.checkKey(k) {
			return
		}
		val.SetIterValue(it)
		v.elem.encode(val.Addr().UnsafePointer(), w, k)
	}
}

// mapValue is the map at p, from a copy of its pointer: iterating over a
// reflect.Value made from p would move the caller's struct to the heap.
func (v *valuePlan) mapValue(p unsafe.Pointer) reflect.Value {
	m := new(unsafe.Pointer)
	*m = *(*unsafe.Pointer)(p)
	return reflect.NewAt(v.typ, unsafe.Pointer(m)).Elem()
}

// encodeInline writes the entries of the inline map at p among the
// struct's fields, which none of its keys may repeat.
func (pl *plan) encodeInline(p unsafe.Pointer, w *Writer) {
	m := pl.inline.val.mapValue(p)
	for it := m.MapRange(); it.Next(); {
		k := it.Key().String()
		for _, f := range pl.fields {
			if f.key == k {
				w.Fail(fmt.Errorf("Key %s of inlined map conflicts with a struct field name", k))
				return
			}
		}
	}
	pl.inline.val.encodeEntries(m, w)
}

// encodeFallback lets the driver write the value at p as the field of
// wrap, a struct{ V T }.
func (v *valuePlan) encodeFallback(p unsafe.Pointer, w *Writer, key string, wrap reflect.Type) {
	wrapped := reflect.New(wrap)
	v.copyValue(wrapped.UnsafePointer(), p) // V is at offset 0
	encodeFallback(w, key, wrapped.Interface())
}

// copyValue copies the value of v's type at src to dst, as reflect.Copy
// copies one-element arrays: unlike reflect.Value.Set, it keeps the
// pointers out of escape analysis' view of the heap, so that a struct
// being encoded or decoded can stay on its caller's stack.
func (v *valuePlan) copyValue(dst, src unsafe.Pointer) {
	reflect.Copy(reflect.NewAt(v.one, dst).Elem(), reflect.NewAt(v.one, src).Elem())
}
