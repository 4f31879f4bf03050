package mql

import (
	"fmt"
	"math"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func dec(s string) bson.Decimal128 {
	d, err := bson.ParseDecimal128(s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestCompareOrder checks Compare against a list of groups of values in
// ascending BSON order: values in one group are equal, and every value is
// less than every value of a later group.
func TestCompareOrder(t *testing.T) {
	oid1, _ := bson.ObjectIDFromHex("000000000000000000000001")
	oid2, _ := bson.ObjectIDFromHex("000000000000000000000002")
	groups := [][]any{
		{bson.MinKey{}},
		{bson.Undefined{}},
		{nil, bson.Null{}},
		{math.NaN(), dec("NaN")},
		{math.Inf(-1), dec("-Infinity")},
		{int64(math.MinInt64), float64(math.MinInt64)},
		{int32(-5), -5.0, dec("-5.00")},
		{int32(0), int64(0), 0.0, math.Copysign(0, -1), dec("0"), dec("-0.0")},
		{dec("0.1")}, // exactly 1/10, below the double nearest to 0.1
		{0.1},
		{int32(1), 1.0, dec("1"), 1, uint8(1)},
		{1.5, dec("1.50")},
		{float64(1 << 53)},
		{int64(1<<53 + 1)},
		{float64(math.MaxInt64)},
		{math.Inf(1), dec("Infinity")},
		{"", bson.Symbol("")},
		{"A"},
		{"a", bson.Symbol("a")},
		{"ab"},
		{"b"},
		{bson.D{}},
		{bson.D{{Key: "a", Value: nil}}},
		{bson.D{{Key: "a", Value: int32(5)}}, bson.D{{Key: "a", Value: 5.0}}},
		{bson.D{{Key: "a", Value: int32(5)}, {Key: "b", Value: int32(0)}}},
		{bson.D{{Key: "b", Value: int32(1)}}},
		{bson.D{{Key: "a", Value: "x"}}},
		{bson.A{}, []any{}},
		{bson.A{nil}},
		{bson.A{int32(1)}},
		{bson.A{int32(1), int32(2)}},
		{bson.A{int32(2)}},
		{bson.A{"a"}},
		{bson.Binary{Subtype: 5, Data: []byte{9}}},
		{bson.Binary{Subtype: 0, Data: []byte{1, 1}}, []byte{1, 1}},
		{bson.Binary{Subtype: 0, Data: []byte{1, 2}}},
		{bson.Binary{Subtype: 4, Data: []byte{0, 0}}},
		{oid1},
		{oid2},
		{false},
		{true},
		{bson.DateTime(-1)},
		{bson.DateTime(0)},
		{bson.Timestamp{T: 1, I: 9}},
		{bson.Timestamp{T: 2, I: 0}},
		{bson.Regex{Pattern: "a", Options: "i"}},
		{bson.Regex{Pattern: "b"}},
		{bson.DBPointer{DB: "db", Pointer: oid1}},
		{bson.JavaScript("f()")},
		{bson.CodeWithScope{Code: "f()", Scope: bson.D{}}},
		{bson.MaxKey{}},
	}
	for gi, g := range groups {
		for _, a := range g {
			for gj, h := range groups {
				for _, b := range h {
					want := 0
					switch {
					case gi < gj:
						want = -1
					case gi > gj:
						want = 1
					}
					if got := Compare(a, b); got != want {
						t.Errorf("Compare(%s, %s) = %d, want %d", show(a), show(b), got, want)
					}
					if got := Equal(a, b); got != (want == 0) {
						t.Errorf("Equal(%s, %s) = %v", show(a), show(b), got)
					}
				}
			}
		}
	}
}

func show(v any) string { return fmt.Sprintf("%T(%s)", v, formatValue(v)) }

func TestIdentical(t *testing.T) {
	tests := []struct {
		a, b any
		want bool
	}{
		{int32(1), int32(1), true},
		{int32(1), int64(1), false},
		{int32(1), 1.0, false},
		{0.0, math.Copysign(0, -1), false},
		{math.NaN(), math.NaN(), true},
		{dec("1.0"), dec("1.00"), false},
		{dec("1.0"), dec("1.0"), true},
		{"a", bson.Symbol("a"), false},
		{D(`{"a": 1, "b": 2}`), D(`{"a": 1, "b": 2}`), true},
		{D(`{"a": 1, "b": 2}`), D(`{"b": 2, "a": 1}`), false},
		{V(`[1, {"x": 1}]`), V(`[1, {"x": 1}]`), true},
		{V(`[1, {"x": 1}]`), V(`[1, {"x": 1.0}]`), false},
		{nil, bson.Undefined{}, false},
	}
	for _, tt := range tests {
		if got := Identical(tt.a, tt.b); got != tt.want {
			t.Errorf("Identical(%s, %s) = %v, want %v", show(tt.a), show(tt.b), got, tt.want)
		}
	}
}
