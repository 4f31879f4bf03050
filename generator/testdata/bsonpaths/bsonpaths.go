// Package bsonpaths holds a collection type that exercises every rule the
// bson driver uses to name and nest stored fields. TestBSONPaths loads it
// with go/packages for the model and compiles it in to marshal a value.
package bsonpaths

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Base is embedded and inlined: its fields are stored at the top level.
type Base struct {
	ID      bson.ObjectID `bson:"_id"`
	Tenant  string        `bson:"tenant"`
	Shadow  string        // loses to Doc.Shadow: stored once, from Doc
	private int
}

// Audit is embedded without inline: stored as sub-document "audit" (the
// lowercased type name).
type Audit struct {
	By string
	At time.Time `bson:"at"`
}

// Geo is reached through a pointer inside Address.
type Geo struct {
	Lat float64 `bson:"lat"`
	Lng float64 `bson:"lng"`
}

// Address is a nested struct.
type Address struct {
	City    string `bson:"city"`
	ZipCode string // "zipcode"
	Geo     *Geo   `bson:"geo,omitempty"`
}

// Extra is inlined through a pointer.
type Extra struct {
	Note  string `bson:"note,omitempty"`
	Level int32  `bson:",minsize"`
}

// Money implements bson.ValueMarshaler: the driver stores it with its own
// codec, as one value, not as a document of its fields.
type Money struct {
	Cents int64
}

// MarshalBSONValue stores the amount as a string.
func (m Money) MarshalBSONValue() (byte, []byte, error) {
	typ, data, err := bson.MarshalValue("EUR")
	return byte(typ), data, err
}

// Item is an element of a slice: the slice is one field.
type Item struct {
	SKU string `bson:"sku"`
}

// Doc covers the naming rules.
//
//mongotxgen:collection docs
type Doc struct {
	Base    `bson:",inline"`
	Audit   // sub-document "audit"
	*Extra  `bson:",inline"`
	OwnerID string            // "ownerid": the whole name lowercased
	Named   string            `bson:"named_field"`
	Omit    string            `bson:",omitempty"`
	JSON    string            `json:"json_name"` // json tags are not read: "json"
	Skipped string            `bson:"-"`
	Dash    string            `bson:"-,omitempty"` // only a tag of exactly "-" skips: key "-"
	Shadow  string            `bson:"shadow"`
	Address Address           `bson:"address"`
	Billing *Address          `bson:"billing"`
	When    time.Time         `bson:"when"`
	Amount  bson.Decimal128   `bson:"amount"`
	Blob    bson.Binary       `bson:"blob"`
	Price   Money             `bson:"price"`
	Items   []Item            `bson:"items"`
	Tags    map[string]string `bson:"tags"`
	Raw     []byte            `bson:"raw"`
	Dyn     map[string]any    `bson:",inline"`
	hidden  string
}

// Populated returns a Doc with every field set, so that omitempty drops
// nothing.
func Populated() *Doc {
	d128, _ := bson.ParseDecimal128("12.50")
	return &Doc{
		Base:    Base{ID: bson.NewObjectID(), Tenant: "t", Shadow: "lost", private: 1},
		Audit:   Audit{By: "ann", At: time.Unix(1, 0)},
		Extra:   &Extra{Note: "n", Level: 2},
		OwnerID: "o",
		Named:   "n",
		Omit:    "x",
		JSON:    "j",
		Skipped: "s",
		Dash:    "d",
		Shadow:  "kept",
		Address: Address{City: "Oslo", ZipCode: "0150", Geo: &Geo{Lat: 1, Lng: 2}},
		Billing: &Address{City: "Bergen", ZipCode: "5003", Geo: &Geo{Lat: 3, Lng: 4}},
		When:    time.Unix(2, 0),
		Amount:  d128,
		Blob:    bson.Binary{Subtype: 0, Data: []byte{1}},
		Price:   Money{Cents: 1250},
		Items:   []Item{{SKU: "a"}},
		Tags:    map[string]string{"k": "v"},
		Raw:     []byte{2},
		Dyn:     map[string]any{"dyn_a": 1, "dyn_b": "two"},
		hidden:  "h",
	}
}

// DynKeys are the keys Populated stores through the inline map.
var DynKeys = []string{"dyn_a", "dyn_b"}
