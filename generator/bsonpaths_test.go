package generator_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/generator"
	"github.com/mongotxgen/mongotxgen/generator/model"
	"github.com/mongotxgen/mongotxgen/generator/testdata/bsonpaths"
)

// TestBSONPaths checks the model's BSON names and paths against what the
// driver really writes: the type bsonpaths.Doc is loaded from source for the
// model and compiled into this test, and a populated value is marshalled.
// At every level the document's keys must be exactly the model's fields, in
// the model's order, and every BSONPath must reach its value.
func TestBSONPaths(t *testing.T) {
	pkgs, err := generator.Load(context.Background(), &generator.Config{Patterns: []string{"./testdata/bsonpaths"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 || len(pkgs[0].Types) != 1 {
		t.Fatalf("loaded %d packages, want one with one type", len(pkgs))
	}
	typ := pkgs[0].Types[0]
	raw, err := bson.Marshal(bsonpaths.Populated())
	if err != nil {
		t.Fatal(err)
	}
	if typ.ID == nil || typ.ID.BSONPath != "_id" || typ.ID.GoPath != "Base.ID" {
		t.Errorf("ID = %+v, want the field Base.ID stored as _id", typ.ID)
	}

	// The inline map's keys are stored at the top level but have no field.
	checkLevel(t, raw, bson.Raw(raw), "", typ.Fields, bsonpaths.DynKeys)

	// Spot checks of the rules, so that a wrong model cannot pass by
	// matching a wrong driver reading.
	want := map[string]string{
		"OwnerID":         "ownerid",
		"Named":           "named_field",
		"JSON":            "json",
		"Dash":            "-",
		"Shadow":          "shadow",
		"Audit.By":        "audit.by",
		"Base.Tenant":     "tenant",
		"Extra.Level":     "level",
		"Billing.Geo.Lat": "billing.geo.lat",
	}
	got := map[string]string{}
	var walk func([]*model.Field)
	walk = func(fs []*model.Field) {
		for _, f := range fs {
			got[f.GoPath] = f.BSONPath
			walk(f.Nested)
		}
	}
	walk(typ.Fields)
	for goPath, bsonPath := range want {
		if got[goPath] != bsonPath {
			t.Errorf("field %s: BSONPath %q, want %q", goPath, got[goPath], bsonPath)
		}
	}
	for _, absent := range []string{"Skipped", "Base.Shadow", "Base.private", "hidden", "Dyn"} {
		if _, ok := got[absent]; ok {
			t.Errorf("field %s is in the model, but the driver does not store it", absent)
		}
	}
}

// checkLevel compares the fields of one document level with the keys of doc.
func checkLevel(t *testing.T, root, doc bson.Raw, prefix string, fields []*model.Field, extra []string) {
	t.Helper()
	elems, err := doc.Elements()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range elems {
		keys = append(keys, e.Key())
	}
	var names []string
	for _, f := range fields {
		names = append(names, f.BSONName)
	}
	// The driver writes an inline map's keys last, in map order.
	if n := len(keys) - len(extra); n >= 0 {
		slices.Sort(keys[n:])
	}
	names = append(names, extra...)
	if !slices.Equal(keys, names) {
		t.Errorf("document %q has keys %q; the model has %q", prefix, keys, names)
	}
	for _, f := range fields {
		if f.BSONPath != prefix+f.BSONName {
			t.Errorf("field %s: BSONPath %q, want %q", f.GoPath, f.BSONPath, prefix+f.BSONName)
		}
		v, err := root.LookupErr(strings.Split(f.BSONPath, ".")...)
		if err != nil {
			t.Errorf("field %s: path %q not in the document: %v", f.GoPath, f.BSONPath, err)
			continue
		}
		if f.Kind == model.StructSliceKind {
			checkElements(t, v, f)
			continue
		}
		if f.Nested != nil {
			sub, ok := v.DocumentOK()
			if !ok {
				t.Errorf("field %s: model nests it, but the driver stored a %s", f.GoPath, v.Type)
				continue
			}
			checkLevel(t, root, sub, f.BSONPath+".", f.Nested, nil)
		} else if v.Type == bson.TypeEmbeddedDocument && f.Type.Kind != model.Map {
			t.Errorf("field %s: stored as a document, but the model has no nested fields", f.GoPath)
		}
	}
}

// checkElements compares the sub-fields of f, an array of sub-documents,
// with the keys of its first stored element.
func checkElements(t *testing.T, v bson.RawValue, f *model.Field) {
	t.Helper()
	arr, ok := v.ArrayOK()
	if !ok {
		t.Errorf("field %s: a slice of structs, but the driver stored a %s", f.GoPath, v.Type)
		return
	}
	first, err := arr.IndexErr(0)
	if err != nil {
		t.Fatalf("field %s: populate it with one element: %v", f.GoPath, err)
	}
	elem, ok := first.DocumentOK()
	if !ok {
		t.Errorf("field %s: its elements are stored as %s, not documents", f.GoPath, first.Type)
		return
	}
	checkLevel(t, elem, elem, "", relative(f.Nested, f.BSONPath+"."), nil)
	for _, sub := range f.Nested {
		if !sub.Multikey {
			t.Errorf("field %s: inside an array, but not Multikey", sub.GoPath)
		}
	}
}

// relative returns copies of fields with prefix cut from their BSON paths.
func relative(fields []*model.Field, prefix string) []*model.Field {
	if fields == nil {
		return nil
	}
	out := make([]*model.Field, len(fields))
	for i, f := range fields {
		c := *f
		c.BSONPath = strings.TrimPrefix(f.BSONPath, prefix)
		c.Nested = relative(f.Nested, prefix)
		out[i] = &c
	}
	return out
}

// TestLoadDeterministic loads the same package twice: the models are equal
// (the loader sorts everything it collects from maps).
func TestLoadDeterministic(t *testing.T) {
	cfg := &generator.Config{Patterns: []string{"./testdata/bsonpaths"}}
	a, err := generator.Load(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := generator.Load(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("two loads of one package give different models")
	}
}
