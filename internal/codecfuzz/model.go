// Package codecfuzz proves the generated BSON codecs equal to the driver's
// reflection codec: its types hold a field of every kind the codecs handle,
// and of kinds they leave to the driver, and its fuzz tests compare the two
// codecs on random values and on random BSON of the types' shape.
package codecfuzz

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

//go:generate go run github.com/mongotxgen/mongotxgen/cmd/mongotxgen

// Kinds has a field of every kind.
//
//mongotxgen:collection kinds
type Kinds struct {
	ID bson.ObjectID `bson:"_id,omitempty"`

	B     bool
	S     string
	I     int
	I8    int8
	I16   int16
	I32   int32
	I64   int64
	U     uint
	U8    uint8
	U16   uint16
	U32   uint32
	U64   uint64
	F32   float32
	F64   float64
	T     time.Time
	OID   bson.ObjectID
	Bytes []byte `bson:"bytes"`

	Status Status
	Level  Level
	Dur    time.Duration
	Flag   Flag

	PI64 *int64
	PS   *string
	PT   *time.Time
	PP   **int32

	Strs   []string
	Ints   []int
	Items  []Item
	PItems []*Item
	Nested [][]string
	Tags   Tags
	M      map[string]int64
	MItems map[string]Item
	MPtr   map[string]*Item
	Attrs  Attrs

	Sub  Item
	PSub *Item
	Tree Node
	Ring Even

	// Left to the driver.
	Any    any
	Arr    [2]int
	MInt   map[int]string
	Custom Custom
	PCust  *Custom
	Dec    bson.Decimal128
	Doc    bson.D
	Raw    bson.Raw `bson:"raw,omitempty"`
	Blob   Blob
	Anys   []any

	OS    string            `bson:"os,omitempty"`
	OB    bool              `bson:"ob,omitempty"`
	OI    int               `bson:"oi,omitempty"`
	OU    uint64            `bson:"ou,omitempty"`
	OF    float64           `bson:"of,omitempty"`
	OT    time.Time         `bson:"ot,omitempty"`
	OOID  bson.ObjectID     `bson:"ooid,omitempty"`
	OP    *int              `bson:"op,omitempty"`
	OPT   *time.Time        `bson:"opt,omitempty"`
	OSl   []int             `bson:"osl,omitempty"`
	OM    map[string]string `bson:"om,omitempty"`
	OSub  Item              `bson:"osub,omitempty"`
	OPSub *Item             `bson:"opsub,omitempty"`
	OAny  any               `bson:"oany,omitempty"`
	OZ    Zeroish           `bson:"oz,omitempty"`
	OByt  []byte            `bson:"obyt,omitempty"`

	Min    int64   `bson:"min,minsize"`
	MinU   uint32  `bson:"minu,minsize"`
	MinSub Item    `bson:"minsub,minsize"`
	MinSl  []int64 `bson:"minsl,minsize"`
	Trunc  int32   `bson:"trunc,truncate"`
	TruncF float32 `bson:"truncf,truncate"`
	TrSub  Item    `bson:"trsub,truncate"`

	Upper  string `bson:"Upper"`
	hidden int
	Skip   string `bson:"-"`
}

// Inlines has inline structs, an inline pointer, an inline map and a
// dominated field.
//
//mongotxgen:collection inlines
type Inlines struct {
	ID    int64 `bson:"_id"`
	Name  string
	Base  `bson:",inline"`
	*Opt  `bson:",inline"`
	Extra map[string]any `bson:",inline"`
}

// Base is inlined: its Name is dominated by Inlines.Name.
type Base struct {
	Name  string
	Label string `bson:"label,omitempty"`
	Deep  Deep   `bson:",inline"`
}

// Deep is inlined twice.
type Deep struct {
	Depth int32
	Note  *string
}

// Opt is inlined through a pointer.
type Opt struct {
	P int64
	Q []string
}

// Item is a sub-document.
type Item struct {
	SKU   string `bson:"sku"`
	Qty   int32  `bson:"qty"`
	Price float64
	Big   int64
	Seen  time.Time `bson:"seen,omitempty"`
}

// Node is a recursive sub-document.
type Node struct {
	Name string
	Kids []Node
	Next *Node
}

// Even and Odd hold each other: their codecs find each other by type.
type Even struct {
	N    int32
	Next *Odd
}

// Odd is Even's other half.
type Odd struct {
	S    string
	Next *Even
}

// Status is a named string.
type Status string

// Level is a named integer.
type Level int32

// Flag is a named bool.
type Flag bool

// Tags is a named slice.
type Tags []string

// Attrs is a named map.
type Attrs map[string]string

// Blob is a named byte slice, which the driver encodes as binary.
type Blob []byte

// Zeroish decides omitempty with its IsZero method.
type Zeroish struct {
	N int
}

// IsZero reports N below 10 as empty.
func (z Zeroish) IsZero() bool { return z.N < 10 }

// Custom encodes itself.
type Custom struct {
	V string
}

// MarshalBSONValue stores Custom as a string.
func (c Custom) MarshalBSONValue() (byte, []byte, error) {
	t, data, err := bson.MarshalValue("custom:" + c.V)
	return byte(t), data, err
}

// UnmarshalBSONValue reads Custom from any string.
func (c *Custom) UnmarshalBSONValue(t byte, data []byte) error {
	var s string
	if err := bson.UnmarshalValue(bson.Type(t), data, &s); err != nil {
		return err
	}
	c.V = s
	return nil
}
