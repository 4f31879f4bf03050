package codecfuzz

import (
	"bytes"
	"reflect"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// generated are the types of this package with generated codecs.
var generated = []reflect.Type{
	reflect.TypeFor[Kinds](),
	reflect.TypeFor[Inlines](),
	reflect.TypeFor[Item](),
	reflect.TypeFor[Node](),
	reflect.TypeFor[Zeroish](),
}

// reference is the driver's reflection codec for the generated types: a
// registry where the struct codec and the pointer codec come before their
// MarshalBSON and UnmarshalBSONValue methods.
var reference = func() *bson.Registry {
	reg := bson.NewRegistry()
	structEnc, _ := reg.LookupEncoder(reflect.TypeFor[struct{}]())
	structDec, _ := reg.LookupDecoder(reflect.TypeFor[struct{}]())
	ptrEnc, _ := reg.LookupEncoder(reflect.TypeFor[*int]())
	ptrDec, _ := reg.LookupDecoder(reflect.TypeFor[*int]())
	for _, t := range generated {
		reg.RegisterTypeEncoder(t, structEnc)
		reg.RegisterTypeDecoder(t, structDec)
		reg.RegisterTypeEncoder(reflect.PointerTo(t), ptrEnc)
		reg.RegisterTypeDecoder(reflect.PointerTo(t), ptrDec)
	}
	return reg
}()

// referenceMarshal is bson.Marshal(v) by the driver's reflection codec.
func referenceMarshal(v any) ([]byte, error) {
	rv := reflect.ValueOf(v)
	enc, err := reference.LookupEncoder(rv.Type())
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := enc.EncodeValue(bson.EncodeContext{Registry: reference}, bson.NewDocumentWriter(&buf), rv); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// referenceUnmarshal is bson.Unmarshal(data, ptr) by the driver's
// reflection codec.
func referenceUnmarshal(data []byte, ptr any) error {
	rv := reflect.ValueOf(ptr).Elem()
	dec, err := reference.LookupDecoder(rv.Type())
	if err != nil {
		return err
	}
	return dec.DecodeValue(bson.DecodeContext{Registry: reference}, bson.NewDocumentReader(bytes.NewReader(data)), rv)
}

func TestGeneratedTypesHaveCodecs(t *testing.T) {
	for _, typ := range generated {
		p := reflect.PointerTo(typ)
		for _, iface := range []reflect.Type{reflect.TypeFor[bson.Marshaler](), reflect.TypeFor[bson.Unmarshaler](), reflect.TypeFor[bson.ValueUnmarshaler]()} {
			if !p.Implements(iface) {
				t.Errorf("*%s does not implement %s", typ, iface)
			}
		}
	}
	// The reference really is the reflection codec.
	enc, _ := reference.LookupEncoder(reflect.TypeFor[Item]())
	if reflect.TypeOf(enc).String() != "*bson.structCodec" {
		t.Errorf("reference encoder of Item is %T", enc)
	}
}

// canonical sorts the elements of every document in doc by key, so that
// two encodings differing only in map iteration order compare equal.
func canonical(doc []byte) []byte {
	elems, err := bsoncore.Document(doc).Elements()
	if err != nil {
		return doc
	}
	slices.SortStableFunc(elems, func(a, b bsoncore.Element) int { return bytes.Compare(a.KeyBytes(), b.KeyBytes()) })
	out := []byte{}
	idx, out := bsoncore.AppendDocumentStart(out)
	for _, e := range elems {
		v := e.Value()
		if v.Type == bsoncore.TypeEmbeddedDocument || v.Type == bsoncore.TypeArray {
			v.Data = canonical(v.Data)
		}
		out = bsoncore.AppendValueElement(out, e.Key(), v)
	}
	out, _ = bsoncore.AppendDocumentEnd(out, idx)
	return out
}

// TestUnexportedKept checks what the driver does with a field it does not
// store: decoding a document leaves it, decoding null zeroes the struct.
func TestUnexportedKept(t *testing.T) {
	doc, err := bson.Marshal(bson.D{{Key: "s", Value: "x"}, {Key: "hidden", Value: int32(1)}})
	if err != nil {
		t.Fatal(err)
	}
	want, got := Kinds{hidden: 7}, Kinds{hidden: 7}
	if err := referenceUnmarshal(doc, &want); err != nil {
		t.Fatal(err)
	}
	if err := got.UnmarshalBSON(doc); err != nil {
		t.Fatal(err)
	}
	if got.hidden != want.hidden || got.S != want.S {
		t.Errorf("got hidden %d, s %q; the driver %d, %q", got.hidden, got.S, want.hidden, want.S)
	}
	if err := got.UnmarshalBSONValue(byte(bson.TypeNull), nil); err != nil || got.hidden != 0 {
		t.Errorf("null: hidden %d, err %v; want the zero Kinds", got.hidden, err)
	}
}

// TestNilField checks that a nil pointer to a type with a codec, in a
// struct the driver encodes by reflection, is null: the driver writes null
// for a nil pointer only when MarshalBSON has a value receiver, which is
// why the generated one has.
func TestNilField(t *testing.T) {
	type outer struct{ Item *Item }
	got, err := bson.Marshal(outer{})
	if err != nil {
		t.Fatal(err)
	}
	if v := bson.Raw(got).Lookup("item"); v.Type != bson.TypeNull {
		t.Errorf("nil *Item field written as %v", v.Type)
	}
}
