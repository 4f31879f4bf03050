package generator

import (
	"reflect"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestParseBSONTagMatchesDriver compares parseBSONTag with the driver on
// struct tags built at run time (go vet rejects some of these forms in
// source, but the driver accepts them, so the generator must read them the
// same way).
func TestParseBSONTagMatchesDriver(t *testing.T) {
	for _, tag := range []reflect.StructTag{
		``,
		`bson:"name"`,
		`bson:",omitempty"`,
		`bson:"name,omitempty,minsize"`,
		`bson:"-"`,
		`bson:"-,omitempty"`,
		`bson:""`,
		`json:"json_name"`,
		`json:"json_name" bson:"bson_name"`,
		`legacy_key`,
		`legacy_key,omitempty`,
		`-`,
		`mongotxgen:"unique"`,
		`bson:"Mixed_Case"`,
	} {
		typ := reflect.StructOf([]reflect.StructField{{Name: "OwnerID", Type: reflect.TypeFor[string](), Tag: tag}})
		v := reflect.New(typ).Elem()
		v.Field(0).SetString("x")
		raw, err := bson.Marshal(v.Interface())
		if err != nil {
			t.Fatalf("tag %q: %v", tag, err)
		}
		elems, err := bson.Raw(raw).Elements()
		if err != nil {
			t.Fatal(err)
		}
		got := parseBSONTag("OwnerID", tag)
		switch {
		case len(elems) == 0 && !got.skip:
			t.Errorf("tag %q: driver skips the field, parseBSONTag gives key %q", tag, got.name)
		case len(elems) == 1 && got.skip:
			t.Errorf("tag %q: driver stores key %q, parseBSONTag skips it", tag, elems[0].Key())
		case len(elems) == 1 && elems[0].Key() != got.name:
			t.Errorf("tag %q: driver stores key %q, parseBSONTag gives %q", tag, elems[0].Key(), got.name)
		}
	}
}
