package codecfuzz

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// codec is what the differential tests need of a generated type.
type codec[T any] interface {
	*T
	bson.Marshaler
	bson.Unmarshaler
}

var equal = cmp.Options{
	cmpopts.EquateNaNs(),
	cmpopts.IgnoreUnexported(Kinds{}),
	cmp.Comparer(func(a, b bson.Decimal128) bool { return a == b }),
	// Times compare by instant and location.
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.Location().String() == b.Location().String() }),
}

// checkEncode fails unless MarshalBSON of a random T gives the bytes
// bson.Marshal's reflection codec gives (up to map order), or both fail.
func checkEncode[T any, P codec[T]](t *testing.T, data []byte) {
	compareEncode[T](t, data, func(v *T) ([]byte, error) { return P(v).MarshalBSON() })
}

// compareEncode is checkEncode with marshal the codec under test.
func compareEncode[T any](t *testing.T, data []byte, marshal func(*T) ([]byte, error)) {
	var v T
	newSource(data).fill(reflect.ValueOf(&v).Elem(), 0)
	want, wantErr := referenceMarshal(v)
	got, gotErr := marshal(&v)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("MarshalBSON error %v, driver's %v, for %#v", gotErr, wantErr, v)
	}
	if wantErr != nil {
		return
	}
	if bytes.Equal(got, want) {
		return
	}
	if multiEntryMap(reflect.ValueOf(v)) && bytes.Equal(canonical(got), canonical(want)) {
		return
	}
	t.Fatalf("MarshalBSON gives\n%v\nthe driver\n%v\nfor %#v", bson.Raw(got), bson.Raw(want), v)
}

// checkDecode fails unless UnmarshalBSON of random BSON of T's shape
// gives the value (or the failure) bson.Unmarshal's reflection codec
// gives, into a zero T and again into the value decoded.
func checkDecode[T any, P codec[T]](t *testing.T, data []byte) {
	compareDecode[T](t, data, func(doc []byte, v *T) error { return P(v).UnmarshalBSON(doc) })
}

// compareDecode is checkDecode with unmarshal the codec under test.
func compareDecode[T any](t *testing.T, data []byte, unmarshal func([]byte, *T) error, rewrite ...func([]byte) []byte) {
	src := newSource(data)
	var shape T
	src.fill(reflect.ValueOf(&shape).Elem(), 0)
	doc, err := referenceMarshal(shape)
	if err != nil {
		doc = []byte{5, 0, 0, 0, 0}
	}
	var want, got T
	for round := range 2 {
		doc := src.mutate(doc)
		for _, r := range rewrite {
			doc = r(doc)
		}
		wantErr := catch(func() error { return referenceUnmarshal(doc, &want) })
		gotErr := catch(func() error { return unmarshal(doc, &got) })
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("round %d: UnmarshalBSON error %v, driver's %v, for %v", round, gotErr, wantErr, bson.Raw(doc))
		}
		if wantErr != nil {
			return
		}
		if diff := cmp.Diff(want, got, equal); diff != "" {
			t.Fatalf("round %d: UnmarshalBSON of %v differs from the driver's (-driver +generated):\n%s", round, bson.Raw(doc), diff)
		}
	}
}

// addSeeds adds inputs long enough to choose every field of a type, so
// that the seeds alone, run by go test, compare rich values; the fuzzer
// starts from them too. More are committed in testdata/fuzz.
func addSeeds(f *testing.F) {
	f.Add([]byte{})
	r := rand.New(rand.NewPCG(1, 2))
	for range 64 {
		seed := make([]byte, 600)
		for i := range seed {
			seed[i] = byte(r.Uint32())
		}
		f.Add(seed)
	}
}

// catch turns a panic of f into an error: the driver's slice decoder
// panics on a []any holding nil it decodes into again, and the generated
// code, which leaves that field to the driver, must do the same.
func catch(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}

func FuzzEncodeKinds(f *testing.F) {
	addSeeds(f)
	f.Fuzz(checkEncode[Kinds])
}

func FuzzDecodeKinds(f *testing.F) {
	addSeeds(f)
	f.Fuzz(checkDecode[Kinds])
}

func FuzzEncodeInlines(f *testing.F) {
	addSeeds(f)
	f.Fuzz(checkEncode[Inlines])
}

func FuzzDecodeInlines(f *testing.F) {
	addSeeds(f)
	f.Fuzz(checkDecode[Inlines])
}

// hosted is a struct without a codec holding types with one: the driver
// encodes it by reflection and calls their MarshalBSON and
// UnmarshalBSONValue methods for its fields.
type hosted struct {
	K     Kinds
	PK    *Kinds
	Items []Item
	PI    *Item
	M     map[string]*Inlines
	Z     Zeroish `bson:",omitempty"`
}

func FuzzEncodeHosted(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		compareEncode(t, data, func(v *hosted) ([]byte, error) { return bson.Marshal(v) })
	})
}

// FuzzDecodeHosted leaves BSON undefined out (as null): for a nil pointer
// field of a type with UnmarshalBSONValue, the driver allocates the value
// and calls the method for undefined, where its pointer codec stores nil
// (it stores nil for null either way). Undefined is deprecated; the other
// fuzz tests cover it inside generated code.
func FuzzDecodeHosted(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		compareDecode(t, data, func(doc []byte, v *hosted) error { return bson.Unmarshal(doc, v) }, undefinedAsNull)
	})
}

// undefinedAsNull rewrites every undefined value of doc as null.
func undefinedAsNull(doc []byte) []byte {
	elems, err := bsoncore.Document(doc).Elements()
	if err != nil {
		return doc
	}
	idx, out := bsoncore.AppendDocumentStart(nil)
	for _, e := range elems {
		v := e.Value()
		switch v.Type {
		case bsoncore.TypeUndefined:
			v.Type = bsoncore.TypeNull
		case bsoncore.TypeEmbeddedDocument, bsoncore.TypeArray:
			v.Data = undefinedAsNull(v.Data)
		}
		out = bsoncore.AppendValueElement(out, e.Key(), v)
	}
	out, _ = bsoncore.AppendDocumentEnd(out, idx)
	return out
}
