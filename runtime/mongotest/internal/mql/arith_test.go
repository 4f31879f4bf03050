package mql

import (
	"math"
	"testing"
)

func TestArith(t *testing.T) {
	tests := []struct {
		op   arithOp
		a, b any
		want any
	}{
		{opAdd, int32(1), int32(2), int32(3)},
		{opAdd, int32(math.MaxInt32), int32(1), int64(math.MaxInt32 + 1)},
		{opAdd, int32(math.MinInt32), int32(-1), int64(math.MinInt32 - 1)},
		{opAdd, int32(1), int64(2), int64(3)},
		{opAdd, int64(1), 0.5, 1.5},
		{opMul, int32(-3), int32(4), int32(-12)},
		{opMul, int32(1 << 20), int32(1 << 20), int64(1 << 40)},
		{opMul, int64(1 << 31), int64(1 << 31), int64(1 << 62)},
		{opMul, int64(0), int64(math.MinInt64), int64(0)},
		{opMul, 2.5, int32(2), 5.0},
		{opAdd, dec("1.10"), int32(1), dec("2.10")},
		{opAdd, dec("0.1"), 0.2, dec("0.300000000000000")}, // the double counts with 15 significant digits
		{opMul, dec("1.5"), dec("-2"), dec("-3.0")},
		{opAdd, dec("9999999999999999999999999999999999"), int32(1), dec("1.000000000000000000000000000000000E+34")},
		{opAdd, dec("1234567890123456789012345678901234"), dec("0.5"), dec("1234567890123456789012345678901234")},
		{opAdd, dec("1234567890123456789012345678901235"), dec("0.5"), dec("1234567890123456789012345678901236")},
		{opAdd, dec("Infinity"), int32(1), dec("Infinity")},
		{opAdd, dec("Infinity"), dec("-Infinity"), dec("NaN")},
		{opMul, dec("-Infinity"), dec("0"), dec("NaN")},
		{opMul, dec("-Infinity"), int32(-2), dec("Infinity")},
		{opAdd, dec("NaN"), int32(1), dec("NaN")},
		{opAdd, math.Inf(1), dec("1"), dec("Infinity")},
	}
	for _, tt := range tests {
		got, err := arith(tt.op, tt.a, tt.b)
		if err != nil {
			t.Errorf("arith(%d, %s, %s): %v", tt.op, show(tt.a), show(tt.b), err)
			continue
		}
		if !Identical(got, tt.want) {
			t.Errorf("arith(%d, %s, %s) = %s, want %s", tt.op, show(tt.a), show(tt.b), show(got), show(tt.want))
		}
	}
	for _, tt := range []struct {
		op   arithOp
		a, b int64
	}{
		{opAdd, math.MaxInt64, 1},
		{opAdd, math.MinInt64, -1},
		{opMul, math.MaxInt64, 2},
		{opMul, math.MinInt64, -1},
		{opMul, -1, math.MinInt64},
	} {
		if got, err := arith(tt.op, tt.a, tt.b); err == nil {
			t.Errorf("arith(%d, %d, %d) = %v, want an overflow error", tt.op, tt.a, tt.b, got)
		}
	}
}

func TestDecimalQuo(t *testing.T) {
	tests := []struct {
		d    string
		n    int64
		want string
	}{
		{"3", 2, "1.5"},
		{"10", 4, "2.5"},
		{"1", 3, "0.3333333333333333333333333333333333"},
		{"2.00", 1, "2"},
		{"NaN", 2, "NaN"},
		{"-Infinity", 2, "-Infinity"},
	}
	for _, tt := range tests {
		if got := decimalQuo(dec(tt.d), tt.n); !Equal(got, dec(tt.want)) {
			t.Errorf("decimalQuo(%s, %d) = %s, want %s", tt.d, tt.n, got, tt.want)
		}
	}
}
