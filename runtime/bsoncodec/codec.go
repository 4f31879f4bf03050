package bsoncodec

import (
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Codec is the generated codec of one struct type T: its stored fields, as
// the driver's struct codec sees them, in the order it writes them. The
// generator writes it as a composite literal, which the compiler lays out
// as data; the methods T gets (MarshalBSON, UnmarshalBSON,
// UnmarshalBSONValue) are one call of Codec's each:
//
//	var codecOfAccount = bsoncodec.Codec{Name: "shop.Account", Doc: (*Account)(nil), Size: 96, Fields: []bsoncodec.Field{
//		{Key: "_id", Go: "ID", Kind: bsoncodec.ObjectID, OmitEmpty: true},
//		{Key: "owner", Go: "Owner", Kind: bsoncodec.String},
//		{Key: "tags", Go: "Tags", Kind: bsoncodec.Slice, Elem: []bsoncodec.Kind{bsoncodec.String}},
//	}}
//
// A Codec finds its fields by reflection once, at its first use, and
// checks that each has the kind it says (a mismatch can only come from a
// generated file older than its types, and panics naming the field); from
// then on it reads and writes them through their offsets.
type Codec struct {
	Name   string  // the Go type, package-qualified, as decode errors name it
	Doc    any     // a nil *T
	Size   int     // the bytes MarshalBSON reserves for a document
	Fields []Field // the stored fields, in the driver's order
	Inline *Field  // the inline map (Kind Map), or nil

	once sync.Once
	plan atomic.Pointer[plan] // built by once, at the first use
}

// Field is one stored field of a [Codec].
type Field struct {
	Key string // the BSON key
	// Go is the selector of the field from the struct: its name, or
	// names joined by dots through inline structs ("Base.Name"). A nil
	// pointer to an inline struct leaves its fields out.
	Go   string
	Kind Kind
	// Elem is the kind of the element of a Pointer, Slice or Map, then of
	// its element, and so on: []*Item is {Kind: Slice, Elem: {Pointer,
	// Struct}}.
	Elem []Kind
	// Codec is the codec of the struct type of kind Struct the field
	// holds (through its Elem kinds), or nil when it is the field's own
	// struct's or is registered (see Register).
	Codec *Codec
	// The tag's options.
	OmitEmpty, MinSize, Truncate bool
	// Zeroer: the field's type has IsZero() bool, which decides omitempty.
	Zeroer bool
}

// Kind is how a Codec stores a value, as the driver's default codec for
// its Go kind does.
type Kind uint8

// The kinds, as the generator decides them (generator/model.CodecKind).
const (
	Fallback Kind = iota // by the driver, as its struct codec would: any type
	Bool                 // bool kinds
	String               // string kinds
	Int32                // int8, int16, int32 kinds: int32
	Int                  // int kinds: int32 when it fits, else int64
	Int64                // int64 kinds
	Uint16               // uint8, uint16 kinds: int32
	Uint                 // uint, uint32, uint64 kinds: int64
	Float                // float32, float64 kinds: double
	ObjectID             // bson.ObjectID
	Time                 // time.Time: datetime
	Bytes                // []byte: binary
	Struct               // a struct type with a generated Codec (see Register)
	Pointer              // *Elem
	Slice                // []Elem
	Map                  // map from a string kind to Elem
)

var kindNames = [...]string{"Fallback", "Bool", "String", "Int32", "Int", "Int64", "Uint16", "Uint", "Float", "ObjectID", "Time", "Bytes", "Struct", "Pointer", "Slice", "Map"}

// String is the name of the constant of k.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// registry maps the struct types with a generated codec to it, for the
// fields of those types in other codecs.
var registry sync.Map // reflect.Type → *Codec

// Register makes the codecs known as the codecs of their types, for the
// fields of kind Struct without a Field.Codec. Generated code registers, in
// an init function, the codecs of types that hold each other (A holds a B
// that holds an A): their literals cannot point at each other, as that is
// an initialization cycle. Such a codec used before the package's init
// functions run (by a package-level variable's initializer) panics.
func Register(codecs ...*Codec) {
	for _, c := range codecs {
		registry.Store(reflect.TypeOf(c.Doc).Elem(), c)
	}
}

// Marshal encodes the struct doc (a *T) points to.
func (c *Codec) Marshal(doc any) ([]byte, error) {
	_, p := c.pointer(doc)
	w := NewWriter(c.Size)
	c.encode(p, w, "")
	return w.Result()
}

// Unmarshal decodes the document data into the struct doc (a *T) points
// to, as UnmarshalBSON does.
func (c *Codec) Unmarshal(doc any, data []byte) error {
	return c.UnmarshalValue(doc, byte(bson.TypeEmbeddedDocument), data)
}

// UnmarshalValue decodes a value of BSON type t into the struct doc (a
// *T) points to, as UnmarshalBSONValue does.
func (c *Codec) UnmarshalValue(doc any, t byte, data []byte) error {
	pl, p := c.pointer(doc)
	v := Value{Type: bson.Type(t), Data: data}
	if pl.arena {
		v.strs = new(stringArena)
	}
	return c.decode(p, v)
}

// pointer is c's plan and the address doc holds, which must be a *T.
func (c *Codec) pointer(doc any) (*plan, unsafe.Pointer) {
	pl := c.resolve()
	if reflect.TypeOf(doc) != pl.ptr {
		panic("bsoncodec: " + c.Name + " codec used with a " + reflect.TypeOf(doc).String())
	}
	return pl, (*[2]unsafe.Pointer)(unsafe.Pointer(&doc))[1]
}

// resolve returns the plan of c, built at its first use. It runs twice
// per document, so the built plan is one atomic load away.
func (c *Codec) resolve() *plan {
	if pl := c.plan.Load(); pl != nil {
		return pl
	}
	c.once.Do(func() { c.plan.Store(newPlan(c)) })
	return c.plan.Load()
}
