package templates

import (
	"path"
	"time"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// Hand-built models, shaped as the loader builds them, so that the emitter is
// tested on its own.

func basic(name string) model.TypeRef { return model.TypeRef{Kind: model.Basic, Name: name} }

// named is pkgPath.name; the package's name is the path's last element.
func named(pkgPath, name string) model.TypeRef {
	return model.TypeRef{Kind: model.Named, PkgPath: pkgPath, PkgName: path.Base(pkgPath), Name: name}
}

func ptr(elem model.TypeRef) model.TypeRef   { return model.TypeRef{Kind: model.Pointer, Elem: &elem} }
func slice(elem model.TypeRef) model.TypeRef { return model.TypeRef{Kind: model.Slice, Elem: &elem} }

func field(goPath, bsonPath string, t model.TypeRef, line int) *model.Field {
	goName, bsonName := goPath, bsonPath
	for i := len(goPath) - 1; i >= 0; i-- {
		if goPath[i] == '.' {
			goName = goPath[i+1:]
			break
		}
	}
	for i := len(bsonPath) - 1; i >= 0; i-- {
		if bsonPath[i] == '.' {
			bsonName = bsonPath[i+1:]
			break
		}
	}
	f := &model.Field{
		GoName: goName, GoPath: goPath, BSONName: bsonName, BSONPath: bsonPath,
		Type: t, Pos: model.Pos{File: "/src/shop/shop.go", Line: line, Col: 2},
		Kind: loaderKind(t),
	}
	if t.Kind == model.Slice {
		f.Elem = t.Elem
	}
	return f
}

// loaderKind is the field kind the loader chooses for the types these models
// use (slices of structs are set by hand).
func loaderKind(t model.TypeRef) model.FieldKind {
	switch {
	case t.Kind == model.Slice:
		return model.SliceKind
	case t.Kind == model.Basic && t.Name == "string":
		return model.StringKind
	case t.Kind == model.Basic && t.Name != "bool":
		return model.NumberKind
	case t.Kind == model.Named && (t.Name == "Time" || t.Name == "ObjectID"):
		return model.OrderedKind
	}
	return model.ValueKind
}

// accountModel is package shop with the Account type of the package doc: a
// versioned, time-stamped ObjectID document with a nested Address, a unique
// Owner, an indexed Address.City and a compound, named, sparse index.
func accountModel() *model.Package {
	id := field("ID", "_id", named(bsonPath, "ObjectID"), 10)
	owner := field("Owner", "owner", basic("string"), 11)
	owner.Unique = true
	balance := field("Balance", "balance", basic("int64"), 12)
	city := field("Address.City", "address.city", basic("string"), 20)
	city.Index = true
	zip := field("Address.Zip", "address.zip", basic("string"), 21)
	address := field("Address", "address", named("", "Address"), 13)
	address.Nested = []*model.Field{city, zip}
	tags := field("Tags", "tags", slice(basic("string")), 14)
	tags.OmitEmpty = true
	created := field("CreatedAt", "created_at", named("time", "Time"), 15)
	created.Created = true
	updated := field("UpdatedAt", "updated_at", named("time", "Time"), 16)
	updated.Updated = true
	version := field("Version", "version", basic("int64"), 17)
	version.Version = true

	pos := model.Pos{File: "/src/shop/shop.go", Line: 8, Col: 1}
	account := &model.Type{
		Name: "Account", Collection: "accounts", Pos: pos,
		Fields: []*model.Field{id, owner, balance, address, tags, created, updated, version},
		ID:     id, Version: version, Created: created, Updated: updated,
		Indexes: []*model.Index{
			{Name: "owner_1", Keys: []model.IndexKey{{Field: owner}}, Unique: true, Pos: owner.Pos},
			{Name: "address.city_1", Keys: []model.IndexKey{{Field: city}}, Pos: city.Pos},
			{Name: "by_owner_balance", Keys: []model.IndexKey{{Field: owner}, {Field: balance, Desc: true}}, Sparse: true, Pos: pos},
			{Name: "created_at_1", Keys: []model.IndexKey{{Field: created}}, TTL: 30 * 24 * time.Hour, Pos: pos},
		},
	}
	return &model.Package{
		Name: "shop", Path: "example.com/shop", Dir: "/src/shop", Output: "/src/shop/mongotx_gen.go",
		Types: []*model.Type{account, eventType()}, Codecs: shopCodecs(),
	}
}

// eventType is a plain type: a string ID, a pointer to a struct from the
// same package, no indexes, no stamps.
func eventType() *model.Type {
	id := field("Key", "_id", basic("string"), 40)
	at := field("At", "at", named("time", "Time"), 41)
	line := field("Origin.Line", "origin.line", basic("int"), 50)
	origin := field("Origin", "origin", ptr(named("", "Origin")), 42)
	origin.Nested = []*model.Field{line}
	return &model.Type{
		Name: "Event", Collection: "events", Pos: model.Pos{File: "/src/shop/shop.go", Line: 38, Col: 1},
		Fields: []*model.Field{id, at, origin},
		ID:     id,
	}
}

// The fixture package internal/shop declares the types accountModel
// describes and holds the code mongotxgen generates for them.
const (
	fixtureSource    = "internal/shop/shop.go"
	fixtureGenerated = "internal/shop/mongotx_gen.go"
)
