package model

import (
	"slices"
	"testing"
)

func TestGeneratedNames(t *testing.T) {
	city := &Field{GoName: "City", GoPath: "Address.City"}
	geo := &Field{GoName: "Geo", GoPath: "Address.Geo", Nested: []*Field{{GoName: "Lat", GoPath: "Address.Geo.Lat"}}}
	addr := &Field{GoName: "Address", GoPath: "Address", Nested: []*Field{city, geo}}
	for _, c := range []struct {
		typ  *Type
		want []string
	}{
		{&Type{Name: "Account", Fields: []*Field{addr}}, []string{"AccountFields", "AccountRepo", "NewAccountRepo", "AccountAddressFields", "AccountAddressGeoFields"}},
		{&Type{Name: "account"}, []string{"accountFields", "accountRepo", "newAccountRepo"}},
	} {
		if got := c.typ.GeneratedNames(); !slices.Equal(got, c.want) {
			t.Errorf("%s: GeneratedNames() = %v, want %v", c.typ.Name, got, c.want)
		}
	}
}

func TestPosString(t *testing.T) {
	for _, c := range []struct {
		pos        Pos
		str, short string
	}{
		{Pos{}, "-", "-"},
		{Pos{File: "/src/shop/a.go", Line: 5, Col: 2}, "/src/shop/a.go:5:2", "a.go:5:2"},
		{Pos{File: `C:\src\a.go`, Line: 5}, `C:\src\a.go:5`, "a.go:5"},
		{Pos{File: "dir"}, "dir", "dir"},
	} {
		if got := c.pos.String(); got != c.str {
			t.Errorf("%#v.String() = %q, want %q", c.pos, got, c.str)
		}
		if got := c.pos.Short(); got != c.short {
			t.Errorf("%#v.Short() = %q, want %q", c.pos, got, c.short)
		}
	}
}

func TestStampTypeError(t *testing.T) {
	if msg := StampTypeError(TypeRef{Kind: Named, PkgPath: "time", Name: "Time"}); msg != "" {
		t.Errorf("time.Time refused: %s", msg)
	}
	for _, ref := range []TypeRef{
		{Kind: Pointer, Elem: &TypeRef{Kind: Named, PkgPath: "time", Name: "Time"}},
		{Kind: Named, Name: "Time"}, // a type of the package, an alias say
		{Kind: Basic, Name: "int64"},
	} {
		if StampTypeError(ref) == "" {
			t.Errorf("%+v accepted as a stamp", ref)
		}
	}
}
