package generator

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/generator/model"
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

// buildSource type-checks one file of package p (standard library imports
// only) and builds its annotated types, returning the types and the errors.
func buildSource(t *testing.T, src string) ([]*model.Type, error) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := (&types.Config{Importer: importer.Default()}).Check("p", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	errs := &errorSink{}
	b := &builder{fset: fset, pkg: pkg, files: []*ast.File{f}, errs: errs}
	var out []*model.Type
	for _, a := range b.scan() {
		cs, ok := b.parseDirectives(a)
		if cs == nil {
			continue
		}
		named := pkg.Scope().Lookup(a.name).Type().(*types.Named)
		if t := b.buildType(a, cs, named.Underlying().(*types.Struct), named); t != nil && ok {
			out = append(out, t)
		}
	}
	return out, errs.result()
}

func TestIndexFieldPaths(t *testing.T) {
	ts, err := buildSource(t, `package p

import "time"

type Geo struct{ Lat float64 }

type Address struct {
	City string
	Geo  `+"`bson:\",inline\"`"+`
}

type Audit struct{ At time.Time }

//mongotxgen:collection docs
//mongotxgen:index City
//mongotxgen:index Address.City,-Lat name=geo
//mongotxgen:index At ttl=24h
//mongotxgen:index Audit.At,Address.Geo.Lat
type Doc struct {
	ID string `+"`bson:\"_id\"`"+`
	Address
	Audit
}
`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ix := range ts[0].Indexes {
		got = append(got, fmt.Sprintf("%s ttl=%v", ix.Name, ix.TTL))
	}
	want := []string{
		"address.city_1 ttl=0s",
		"geo ttl=0s",
		"audit.at_1 ttl=24h0m0s",
		"audit.at_1_address.lat_1 ttl=0s",
	}
	if !slices.Equal(got, want) {
		t.Errorf("indexes %q, want %q", got, want)
	}
}
