package bsoncodec

import (
	"fmt"
	"reflect"
	"strings"
	"time"
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// plan is a Codec resolved against its Go type: where each field is and
// how its value is read and written.
type plan struct {
	typ, ptr reflect.Type // T and *T
	fields   []fieldPlan
	inline   *fieldPlan
	index    map[string]int // key → field, for structs of many fields
	// arena: a document of the type holds enough strings for its
	// decoder to make them in a stringArena (see stringValues).
	arena bool
}

// manyFields is the number of fields from which a decoder finds a key in
// a map rather than by comparing it with each.
const manyFields = 12

// fieldPlan is a stored field: its offsets from the struct, a pointer to
// an inline struct between two of them.
type fieldPlan struct {
	key  string
	offs []uintptr      // the field is at base+offs[0], or *(base+offs[0])+offs[1]...
	via  []reflect.Type // the inline struct types those pointers point to
	val  *valuePlan

	omitEmpty, minSize, truncate, zeroer bool
	// direct: the field is at base+offs[0] and is always written as it
	// is, the case the loops take without a call.
	direct bool
}

// valuePlan is how a value of one Go type is stored.
type valuePlan struct {
	kind  Kind
	op    op // kind, and for numbers the Go size: what the coders switch on
	typ   reflect.Type
	rk    reflect.Kind // typ.Kind()
	size  uintptr
	elem  *valuePlan
	codec *Codec // Struct

	// wrap and wrapOmit are the one-field structs the driver encodes and
	// decodes a Fallback value in, its field tagged bson:"v" and
	// bson:"v,omitempty".
	wrap, wrapOmit reflect.Type
	one            reflect.Type // [1]T, for copyValue: Fallback and Zeroer values
}

func newPlan(c *Codec) *plan {
	ptr := reflect.TypeOf(c.Doc)
	if ptr == nil || ptr.Kind() != reflect.Pointer || ptr.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("bsoncodec: the Doc of codec %s is %v, not a nil pointer to a struct", c.Name, ptr))
	}
	pl := &plan{typ: ptr.Elem(), ptr: ptr, fields: make([]fieldPlan, len(c.Fields))}
	for i := range c.Fields {
		pl.fields[i] = newFieldPlan(c, pl.typ, &c.Fields[i])
	}
	if c.Inline != nil {
		f := newFieldPlan(c, pl.typ, c.Inline)
		pl.inline = &f
	}
	pl.arena = stringValues(c, 2) >= arenaFrom
	if len(pl.fields) >= manyFields {
		pl.index = make(map[string]int, len(pl.fields))
		for i, f := range pl.fields {
			pl.index[f.key] = i
		}
	}
	return pl
}

func newFieldPlan(c *Codec, t reflect.Type, f *Field) fieldPlan {
	fp := fieldPlan{key: f.Key, omitEmpty: f.OmitEmpty, minSize: f.MinSize, truncate: f.Truncate, zeroer: f.Zeroer}
	var off uintptr
	names := strings.Split(f.Go, ".")
	for i, name := range names {
		sf, ok := t.FieldByName(name)
		if !ok || len(sf.Index) != 1 {
			panic(fmt.Sprintf("bsoncodec: %s has no field %s: regenerate its codec", c.Name, f.Go))
		}
		off, t = off+sf.Offset, sf.Type
		if i == len(names)-1 {
			break
		}
		if t.Kind() == reflect.Pointer {
			fp.offs, fp.via = append(fp.offs, off), append(fp.via, t.Elem())
			off, t = 0, t.Elem()
		}
	}
	fp.offs = append(fp.offs, off)
	fp.val = newValuePlan(c, f, t, f.Kind, f.Elem)
	if f.Zeroer && fp.val.one == nil {
		fp.val.one = reflect.ArrayOf(1, t) // empty copies the value
	}
	fp.direct = len(fp.offs) == 1 && !f.OmitEmpty && !f.MinSize
	return fp
}

var (
	objectIDType = reflect.TypeFor[bson.ObjectID]()
	timeType     = reflect.TypeFor[time.Time]()
	bytesType    = reflect.TypeFor[[]byte]()
)

// kindOK reports whether a value of Go type t can have kind k: the kind
// the generator gave it.
func kindOK(k Kind, t reflect.Type) bool {
	switch rk := t.Kind(); k {
	case Fallback:
		return true
	case Bool:
		return rk == reflect.Bool
	case String:
		return rk == reflect.String
	case Int32:
		return rk == reflect.Int8 || rk == reflect.Int16 || rk == reflect.Int32
	case Int:
		return rk == reflect.Int
	case Int64:
		return rk == reflect.Int64
	case Uint16:
		return rk == reflect.Uint8 || rk == reflect.Uint16
	case Uint:
		return rk == reflect.Uint || rk == reflect.Uint32 || rk == reflect.Uint64
	case Float:
		return rk == reflect.Float32 || rk == reflect.Float64
	case ObjectID:
		return t == objectIDType
	case Time:
		return t == timeType
	case Bytes:
		return t == bytesType
	case Struct:
		return rk == reflect.Struct
	case Pointer:
		return rk == reflect.Pointer
	case Slice:
		return rk == reflect.Slice
	case Map:
		return rk == reflect.Map && t.Key().Kind() == reflect.String
	}
	return false
}

func newValuePlan(c *Codec, f *Field, t reflect.Type, k Kind, elem []Kind) *valuePlan {
	field := f.Go
	if !kindOK(k, t) {
		panic(fmt.Sprintf("bsoncodec: field %s of %s is a %v, which its codec does not store as kind %v: regenerate it", field, c.Name, t, k))
	}
	vp := &valuePlan{kind: k, op: opOf(k, t.Kind()), typ: t, rk: t.Kind(), size: t.Size()}
	switch k {
	case Struct:
		vp.codec = structCodec(c, f, t)
	case Pointer, Slice, Map:
		if len(elem) == 0 {
			panic(fmt.Sprintf("bsoncodec: field %s of %s: a %v needs the kind of its elements", field, c.Name, t))
		}
		vp.elem = newValuePlan(c, f, t.Elem(), elem[0], elem[1:])
	case Fallback:
		vp.wrap = wrapperOf(t, `bson:"v"`)
		vp.wrapOmit = wrapperOf(t, `bson:"v,omitempty"`)
		vp.one = reflect.ArrayOf(1, t)
	}
	return vp
}

// op is what the encoder and decoder do with a value: one switch, for
// every kind and size of number.
type op uint8

const (
	opFallback op = iota
	opBool
	opString
	opInt8
	opInt16
	opInt32
	opInt
	opInt64
	opUint8
	opUint16
	opUint32
	opUint
	opUint64
	opFloat32
	opFloat64
	opObjectID
	opTime
	opBytes
	opStruct
	opPointer
	opSlice
	opMap
)

// numberOps are the ops of the Go kinds of numbers.
var numberOps = map[reflect.Kind]op{
	reflect.Int8: opInt8, reflect.Int16: opInt16, reflect.Int32: opInt32, reflect.Int: opInt, reflect.Int64: opInt64,
	reflect.Uint8: opUint8, reflect.Uint16: opUint16, reflect.Uint32: opUint32, reflect.Uint: opUint, reflect.Uint64: opUint64,
	reflect.Float32: opFloat32, reflect.Float64: opFloat64,
}

func opOf(k Kind, rk reflect.Kind) op {
	switch k {
	case Int32, Int, Int64, Uint16, Uint, Float:
		return numberOps[rk]
	case Bool:
		return opBool
	case String:
		return opString
	case ObjectID:
		return opObjectID
	case Time:
		return opTime
	case Bytes:
		return opBytes
	case Struct:
		return opStruct
	case Pointer:
		return opPointer
	case Slice:
		return opSlice
	case Map:
		return opMap
	}
	return opFallback
}

// structCodec is the codec of t, the struct type field f of c holds: the
// field's Codec, c itself, or the one registered for t.
func structCodec(c *Codec, f *Field, t reflect.Type) *Codec {
	switch {
	case f.Codec != nil:
		if d := reflect.TypeOf(f.Codec.Doc); d == nil || d.Elem() != t {
			panic(fmt.Sprintf("bsoncodec: field %s of %s holds a %v, not the type of codec %s: regenerate it", f.Go, c.Name, t, f.Codec.Name))
		}
		return f.Codec
	case reflect.TypeOf(c.Doc).Elem() == t:
		return c
	}
	nested, ok := registry.Load(t)
	if !ok {
		panic(fmt.Sprintf("bsoncodec: field %s of %s: no codec is registered for %v (used before the init functions of its package ran?)", f.Go, c.Name, t))
	}
	return nested.(*Codec)
}

// stringValues estimates the strings a document of c's type holds: one a
// string field, four a container of strings, its own estimate a struct
// (to depth levels). Each is an allocation of its own without an arena,
// but a short one is cheap (Go's allocator packs allocations under 16
// bytes holding no pointers together): the arena's allocation pays for
// itself from arenaFrom strings (BENCHMARKS.md, "A string arena").
func stringValues(c *Codec, depth int) int {
	n := 0
	fields := c.Fields
	if c.Inline != nil {
		fields = append(fields[:len(fields):len(fields)], *c.Inline)
	}
	for _, f := range fields {
		last := f.Kind // the kind of the values the field holds
		if len(f.Elem) > 0 {
			last = f.Elem[len(f.Elem)-1]
		}
		switch {
		case last == String && len(f.Elem) == 0:
			n++
		case last == String:
			n += 4
		case last == Struct && depth > 0 && f.Codec != nil:
			n += stringValues(f.Codec, depth-1)
		}
	}
	return n
}

// wrapperOf is struct{ V t `tag` }: the driver encodes or decodes a value
// of a type the codecs do not handle as the only field of such a struct,
// with the rules of its struct codec for the field.
func wrapperOf(t reflect.Type, tag reflect.StructTag) reflect.Type {
	return reflect.StructOf([]reflect.StructField{{Name: "V", Type: t, Tag: tag}})
}

// at is the address of f in the struct at base, or false when a nil
// pointer to an inline struct on its path leaves it out.
func (f *fieldPlan) at(base unsafe.Pointer) (unsafe.Pointer, bool) {
	p := unsafe.Add(base, f.offs[0])
	for _, off := range f.offs[1:] {
		p = *(*unsafe.Pointer)(p)
		if p == nil {
			return nil, false
		}
		p = unsafe.Add(p, off)
	}
	return p, true
}

// alloc is the address of f in the struct at base for a decoder, which
// points each nil pointer to an inline struct on its path at a new one, as
// the driver does.
func (f *fieldPlan) alloc(base unsafe.Pointer) unsafe.Pointer {
	p := unsafe.Add(base, f.offs[0])
	for i, off := range f.offs[1:] {
		next := (*unsafe.Pointer)(p)
		if *next == nil {
			*next = reflect.New(f.via[i]).UnsafePointer()
		}
		p = unsafe.Add(*next, off)
	}
	return p
}
