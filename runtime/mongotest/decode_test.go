package mongotest

import (
	"encoding/binary"
	"math"
	"runtime"
	"slices"
	"testing"
	"time"
	"unique"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// sameAsDriver checks that unmarshalD decodes raw exactly as bson.Unmarshal.
func sameAsDriver(t *testing.T, raw []byte) {
	t.Helper()
	var want bson.D
	wantErr := bson.Unmarshal(raw, &want)
	got, err := unmarshalD(raw)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("error %v, driver's error %v", err, wantErr)
	}
	if err == nil && !cmp.Equal(got, want, cmp.Comparer(func(a, b float64) bool {
		return a == b || math.IsNaN(a) && math.IsNaN(b)
	}), cmp.Comparer(func(a, b bson.Decimal128) bool {
		ah, al := a.GetBytes()
		bh, bl := b.GetBytes()
		return ah == bh && al == bl
	})) {
		t.Fatalf("decoded %#v, driver decoded %#v", got, want)
	}
}

func everyType() bson.D {
	dec, _ := bson.ParseDecimal128("12.5")
	return bson.D{
		{Key: "double", Value: 1.5}, {Key: "nan", Value: math.NaN()}, {Key: "string", Value: "s"},
		{Key: "doc", Value: bson.D{{Key: "a", Value: bson.D{}}, {Key: "b", Value: bson.A{}}}},
		{Key: "array", Value: bson.A{int32(1), "x", bson.D{{Key: "y", Value: nil}}, bson.A{int64(2)}}},
		{Key: "binary", Value: bson.Binary{Subtype: 0, Data: []byte{1, 2}}},
		{Key: "uuid", Value: bson.Binary{Subtype: 4, Data: make([]byte, 16)}},
		{Key: "old", Value: bson.Binary{Subtype: 2, Data: []byte{3}}},
		{Key: "undefined", Value: bson.Undefined{}},
		{Key: "oid", Value: bson.NewObjectID()}, {Key: "bool", Value: true},
		{Key: "date", Value: bson.NewDateTimeFromTime(time.Unix(1700000000, 0))}, {Key: "null", Value: nil},
		{Key: "regex", Value: bson.Regex{Pattern: "^a", Options: "im"}},
		{Key: "dbptr", Value: bson.DBPointer{DB: "d.c", Pointer: bson.NewObjectID()}},
		{Key: "js", Value: bson.JavaScript("f()")}, {Key: "symbol", Value: bson.Symbol("s")},
		{Key: "scope", Value: bson.CodeWithScope{Code: "g()", Scope: bson.D{{Key: "x", Value: int32(1)}}}},
		{Key: "int32", Value: int32(-7)}, {Key: "ts", Value: bson.Timestamp{T: 5, I: 6}},
		{Key: "int64", Value: int64(1 << 40)}, {Key: "decimal", Value: dec},
		{Key: "min", Value: bson.MinKey{}}, {Key: "max", Value: bson.MaxKey{}},
	}
}

func TestUnmarshalDMatchesDriver(t *testing.T) {
	for _, d := range []bson.D{{}, everyType(), {{Key: "nested", Value: bson.A{everyType()}}}} {
		raw, err := bson.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		sameAsDriver(t, raw)
	}
}

// FuzzUnmarshalD: on every valid document the fast decoder agrees with the driver's.
func FuzzUnmarshalD(f *testing.F) {
	raw, _ := bson.Marshal(everyType())
	f.Add(raw)
	f.Fuzz(func(t *testing.T, b []byte) {
		// The server decodes documents cut to their declared length.
		if len(b) < 4 || int(binary.LittleEndian.Uint32(b)) != len(b) || bson.Raw(b).Validate() != nil {
			return
		}
		sameAsDriver(t, b)
	})
}

// TestDecodedKeysOutliveTheMessage: field names are interned, not views of
// the message: a stored document keeps its names, equal to the driver's,
// when the buffer it was read from is reused; and documents of one shape
// share their names.
func TestDecodedKeysOutliveTheMessage(t *testing.T) {
	src := bson.D{{Key: "name", Value: "ann"}, {Key: "nested", Value: bson.D{{Key: "inner", Value: bson.A{int32(1), bson.D{{Key: "deep", Value: true}}}}}}}
	raw, err := bson.Marshal(src)
	if err != nil {
		t.Fatal(err)
	}
	// A name is shared while its interned entry lives: hold it, so that a
	// collection between the two decodes does not drop it.
	held := unique.Make("nested")
	defer runtime.KeepAlive(held)
	first, err := unmarshalD(raw)
	if err != nil {
		t.Fatal(err)
	}
	again, err := unmarshalD(slices.Clone(raw))
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		raw[i] = 'X' // the connection's buffer, reused for the next message
	}
	if diff := cmp.Diff(src, first); diff != "" {
		t.Fatalf("decoded document changed with its buffer (-want +got):\n%s", diff)
	}
	if unsafe.StringData(first[1].Key) != unsafe.StringData(again[1].Key) {
		t.Error("two decodes of one shape hold two copies of the field name nested")
	}
}
