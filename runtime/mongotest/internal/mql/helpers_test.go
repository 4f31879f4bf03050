package mql

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// D parses relaxed extended JSON into a document: 1 is an int32,
// 3000000000 an int64, 1.0 a double, {"$numberDecimal": "1"} a decimal.
func D(s string) bson.D {
	var d bson.D
	if err := bson.UnmarshalExtJSON([]byte(s), false, &d); err != nil {
		panic("bad test document " + s + ": " + err.Error())
	}
	return d
}

// V parses one relaxed extended JSON value.
func V(s string) any {
	v, _ := lookup(D(`{"v": `+s+`}`), "v")
	return v
}

// Docs parses a JSON array of documents.
func Docs(s string) []bson.D {
	var out []bson.D
	for _, v := range V(s).(bson.A) {
		out = append(out, v.(bson.D))
	}
	return out
}

// wantCode checks that err is an *Error with the given code.
func wantCode(t *testing.T, err error, code int32) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want *Error with code %d", err, code)
	}
	if e.Code != code {
		t.Fatalf("error code = %d (%v), want %d", e.Code, e, code)
	}
	if e.CodeName == "" || e.Message == "" {
		t.Fatalf("error %#v lacks a code name or message", e)
	}
}

// diff compares BSON values strictly (types included), decimals by bits.
func diff(want, got any) string {
	return cmp.Diff(want, got, cmp.Comparer(func(a, b bson.Decimal128) bool { return Identical(a, b) }))
}
