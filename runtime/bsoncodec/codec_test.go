package bsoncodec_test

import (
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime/bsoncodec"
)

// point is a struct with a hand-written Codec, as the generator writes one.
type point struct {
	X, Y int64
	Name string
}

var codecOfPoint = bsoncodec.Codec{Name: "bsoncodec_test.point", Doc: (*point)(nil), Size: 40, Fields: []bsoncodec.Field{
	{Key: "x", Go: "X", Kind: bsoncodec.Int64},
	{Key: "y", Go: "Y", Kind: bsoncodec.Int64},
	{Key: "name", Go: "Name", Kind: bsoncodec.String, OmitEmpty: true},
}}

func TestCodecRoundTrip(t *testing.T) {
	in := point{X: 1, Y: -2}
	data, err := codecOfPoint.Marshal(&in)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := bson.Marshal(bson.D{{Key: "x", Value: int64(1)}, {Key: "y", Value: int64(-2)}})
	if string(data) != string(want) {
		t.Fatalf("Marshal = %v, want %v", bson.Raw(data), bson.Raw(want))
	}
	var out point
	if err := codecOfPoint.Unmarshal(&out, data); err != nil || out != in {
		t.Fatalf("Unmarshal = %+v, %v; want %+v", out, err, in)
	}
}

// pair has no strings: its decoder needs no string arena.
type pair struct{ X, Y int64 }

var codecOfPair = bsoncodec.Codec{Name: "bsoncodec_test.pair", Doc: (*pair)(nil), Size: 32, Fields: []bsoncodec.Field{
	{Key: "x", Go: "X", Kind: bsoncodec.Int64},
	{Key: "y", Go: "Y", Kind: bsoncodec.Int64},
}}

// TestCodecKeepsValuesOnTheStack checks that a struct handed to a Codec is
// not moved to the heap: the generated MarshalBSON has a value receiver
// and passes its address, which would cost an allocation per call.
func TestCodecKeepsValuesOnTheStack(t *testing.T) {
	data, _ := bson.Marshal(bson.D{{Key: "x", Value: int64(3)}, {Key: "y", Value: int64(4)}})
	allocs := testing.AllocsPerRun(100, func() {
		var p pair
		if err := codecOfPair.Unmarshal(&p, data); err != nil || p.X != 3 {
			t.Fatal(p, err)
		}
	})
	if allocs != 0 {
		t.Errorf("Unmarshal into a local struct: %v allocations, want 0", allocs)
	}
	allocs = testing.AllocsPerRun(100, func() {
		p := point{X: 5, Name: "p"}
		if _, err := codecOfPoint.Marshal(&p); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 1 { // the document's bytes
		t.Errorf("Marshal of a local struct: %v allocations, want 1", allocs)
	}
}

// tagged has short strings, in a slice too, and a long one.
type tagged struct {
	A, B, Long string
	Tags       []string
}

var codecOfTagged = bsoncodec.Codec{Name: "bsoncodec_test.tagged", Doc: (*tagged)(nil), Size: 64, Fields: []bsoncodec.Field{
	{Key: "a", Go: "A", Kind: bsoncodec.String},
	{Key: "b", Go: "B", Kind: bsoncodec.String},
	{Key: "long", Go: "Long", Kind: bsoncodec.String},
	{Key: "tags", Go: "Tags", Kind: bsoncodec.Slice, Elem: []bsoncodec.Kind{bsoncodec.String}},
}}

// TestCodecStringArena checks that the short strings of a document share
// one allocation, a long one has its own, and that strings decoded into
// one value do not change when another document is decoded.
func TestCodecStringArena(t *testing.T) {
	long := strings.Repeat("l", 100)
	data, _ := bson.Marshal(bson.D{{Key: "a", Value: "alpha"}, {Key: "b", Value: "beta"}, {Key: "long", Value: long}, {Key: "tags", Value: bson.A{"x", "y", "z"}}})
	var got tagged
	allocs := testing.AllocsPerRun(100, func() {
		got = tagged{}
		if err := codecOfTagged.Unmarshal(&got, data); err != nil {
			t.Fatal(err)
		}
	})
	// The arena with its first chunk, the long string, the slice.
	if allocs != 3 {
		t.Errorf("decoding 6 strings: %v allocations, want 3", allocs)
	}
	want := tagged{A: "alpha", B: "beta", Long: long, Tags: []string{"x", "y", "z"}}
	other, _ := bson.Marshal(bson.D{{Key: "a", Value: "ALPHA"}, {Key: "b", Value: "BETA"}})
	var next tagged
	if err := codecOfTagged.Unmarshal(&next, other); err != nil {
		t.Fatal(err)
	}
	if got.A != want.A || got.B != want.B || got.Long != want.Long || strings.Join(got.Tags, ",") != "x,y,z" || next.A != "ALPHA" {
		t.Errorf("decoded %+v then %+v, want %+v then ALPHA", got, next, want)
	}
}

// segment holds a point, whose codec is not registered.
type segment struct{ From point }

// TestCodecStale checks that a Codec that does not fit its type (a
// generated file older than the types) fails at its first use, naming the
// field, and that one used with another type panics.
func TestCodecStale(t *testing.T) {
	cases := map[string]*bsoncodec.Codec{
		"no field Z": {Name: "p", Doc: (*point)(nil), Fields: []bsoncodec.Field{{Key: "z", Go: "Z", Kind: bsoncodec.Int64}}},
		"field Name of p is a string, which its codec does not store as kind Int64": {Name: "p", Doc: (*point)(nil), Fields: []bsoncodec.Field{{Key: "name", Go: "Name", Kind: bsoncodec.Int64}}},
		"no codec is registered for bsoncodec_test.point":                           {Name: "s", Doc: (*segment)(nil), Fields: []bsoncodec.Field{{Key: "from", Go: "From", Kind: bsoncodec.Struct}}},
		"codec used with a *int": &codecOfPoint,
	}
	for want, c := range cases {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), want) {
					t.Errorf("panic %v, want one saying %q", r, want)
				}
			}()
			_, _ = c.Marshal(new(int))
		}()
	}
}
