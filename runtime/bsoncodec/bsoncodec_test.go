package bsoncodec

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// The differential fuzz tests of internal/codecfuzz hold these functions
// to the driver's codec on random values; these tests pin the rules that
// are easy to get wrong.

func value(t *testing.T, v any) Value {
	t.Helper()
	typ, data, err := bson.MarshalValue(v)
	if err != nil {
		t.Fatal(err)
	}
	return Value{Type: typ, Data: data}
}

func TestDecodeIntRules(t *testing.T) {
	var i8 int8
	if err := DecodeInt(&i8, value(t, int32(200))); err == nil {
		t.Error("200 decoded into an int8")
	}
	var i int64
	if err := DecodeInt(&i, value(t, 2.5)); err == nil {
		t.Error("2.5 decoded into an int64 without truncate")
	}
	if err := DecodeInt(&i, value(t, 2.5).Truncated()); err != nil || i != 2 {
		t.Errorf("2.5 under truncate: %d, %v; want 2", i, err)
	}
	if err := DecodeInt(&i, value(t, true)); err != nil || i != 1 {
		t.Errorf("true: %d, %v; want 1", i, err)
	}
	var u uint16
	if err := DecodeUint(&u, value(t, int32(-1))); err == nil {
		t.Error("-1 decoded into a uint16")
	}
	var f float32
	if err := DecodeFloat(&f, value(t, 0.1)); err == nil {
		t.Error("0.1 decoded into a float32 without truncate")
	}
	if err := DecodeInt(&i, value(t, "1")); err == nil {
		t.Error("a string decoded into an int64")
	}
}

func TestEncodeIntRules(t *testing.T) {
	w := NewWriter(64)
	start := w.BeginDocument("")
	small, big, u := 5, int64(5), uint64(math.MaxInt64)+1
	EncodeInt(&small, w, "int")
	EncodeInt64(&big, w, "int64")
	was := w.MinSize(true)
	EncodeInt64(&big, w, "min")
	w.MinSize(was)
	w.End(start)
	doc, err := w.Result()
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bsoncore.Type{"int": bsoncore.TypeInt32, "int64": bsoncore.TypeInt64, "min": bsoncore.TypeInt32} {
		if got := bsoncore.Document(doc).Lookup(key).Type; got != want {
			t.Errorf("%s written as %v, want %v", key, got, want)
		}
	}
	w = NewWriter(64)
	start = w.BeginDocument("")
	EncodeUint(&u, w, "u")
	w.End(start)
	if _, err := w.Result(); err == nil {
		t.Error("a uint64 above the int64 range encoded")
	}
}

func TestOldBinary(t *testing.T) {
	// Subtype 2 holds a second length, read only when the value is
	// longer than 4 bytes; a shorter one is all data.
	short := Value{Type: bson.TypeBinary, Data: []byte{4, 0, 0, 0, 2, 0, 0, 0, 0}}
	var s string
	if err := DecodeString(&s, short); err != nil || s != "\x00\x00\x00\x00" {
		t.Errorf("short old binary: %q, %v", s, err)
	}
	long := Value{Type: bson.TypeBinary, Data: []byte{6, 0, 0, 0, 2, 2, 0, 0, 0, 'h', 'i'}}
	if err := DecodeString(&s, long); err != nil || s != "hi" {
		t.Errorf("old binary: %q, %v", s, err)
	}
}

func TestStringWithoutNUL(t *testing.T) {
	// A string whose declared length ends on a byte other than NUL is
	// malformed, as the driver says ("string does not end with null byte").
	for _, typ := range []bson.Type{bson.TypeString, bson.TypeSymbol} {
		bad := Value{Type: typ, Data: []byte{3, 0, 0, 0, 'h', 'i', 'x'}}
		var s string
		if err := DecodeString(&s, bad); err == nil {
			t.Errorf("DecodeString of %v without NUL: %q, no error", typ, s)
		}
		var b []byte
		if err := DecodeBytes(&b, bad); err == nil {
			t.Errorf("DecodeBytes of %v without NUL: %q, no error", typ, b)
		}
	}
	doc := []byte{16, 0, 0, 0, 2, 's', 0, 3, 0, 0, 0, 'h', 'i', 'x', 0, 0}
	var d bson.D
	if err := bson.Unmarshal(doc, &d); err == nil {
		t.Fatal("the driver accepts a string without NUL: the rule above is wrong")
	}
	var s string
	if err := DecodeString(&s, value(t, "hi")); err != nil || s != "hi" {
		t.Errorf("a well-formed string: %q, %v", s, err)
	}
}

func TestElements(t *testing.T) {
	doc := bsoncore.NewDocumentBuilder().AppendString("A", "x").AppendRegex("r", "a", "i").AppendInt32("n", 1).Build()
	for _, typ := range []bson.Type{bson.TypeEmbeddedDocument, 0} { // 0: a top-level document
		it, err := Value{Type: typ, Data: doc}.Document("T")
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for it.Next() {
			keys = append(keys, string(it.Key()))
		}
		if it.Err() != nil || len(keys) != 3 || keys[2] != "n" {
			t.Errorf("keys %q, err %v", keys, it.Err())
		}
	}
	if _, err := (Value{Type: bson.TypeString, Data: doc}).Document("T"); err == nil {
		t.Error("a string read as a document")
	}
	if _, err := (Value{Type: bson.TypeEmbeddedDocument, Data: doc[:len(doc)-3]}).Document("T"); err == nil {
		t.Error("a truncated document read without error")
	}
	bad := append([]byte(nil), doc...)
	bad[7] = 0x7f // the string's length, past the end
	it, _ := Value{Type: bson.TypeEmbeddedDocument, Data: bad}.Document("T")
	for it.Next() {
	}
	if it.Err() == nil {
		t.Error("an element running past the document read without error")
	}
	if lower, ok := Lower([]byte("A")); !ok || string(lower) != "a" {
		t.Errorf("Lower(A) = %q, %v", lower, ok)
	}
	err := AtKey([]byte("a"), AtKey([]byte("b"), errors.New("bad")))
	if err.Error() != "error decoding key a.b: bad" {
		t.Errorf("AtKey: %v", err)
	}
}

// TestKeyEnd checks the key terminator search around its switch from a
// loop to bytes.IndexByte at 16 bytes.
func TestKeyEnd(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 40} {
		key := bytes.Repeat([]byte{'k'}, n)
		d := append(append([]byte{byte(bson.TypeInt32)}, key...), 0, 1, 0, 0, 0)
		if got := keyEnd(d); got != n+1 {
			t.Errorf("key of %d bytes: keyEnd = %d, want %d", n, got, n+1)
		}
		if got := keyEnd(d[:n+1]); got != 0 {
			t.Errorf("unterminated key of %d bytes: keyEnd = %d, want 0", n, got)
		}
	}
}
