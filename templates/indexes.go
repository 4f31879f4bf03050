package templates

import (
	"time"

	"github.com/dave/jennifer/jen"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// ensureIndexesMethod creates the indexes the schema lists:
//
//	func (r *AccountRepo) EnsureIndexes(ctx context.Context) error {
//		return r.core.EnsureIndexes(ctx)
//	}
//
// For a type without indexes the runtime sends nothing; the doc says so.
func ensureIndexesMethod(p *typePlan) jen.Code {
	text := "EnsureIndexes creates the indexes %s declares, in one command."
	if len(p.t.Indexes) == 0 {
		text = "EnsureIndexes does nothing: %s declares no indexes."
	}
	return doc(text, p.t.Name).
		Add(method(p, "EnsureIndexes")).Params(ctxParam()).Error().Add(inline(
		delegate("EnsureIndexes"),
	)).Line()
}

// indexList is the schema's list of the type's indexes, as data, one a
// line (a single one on the line of the list):
//
//	[]runtime.Index{
//		{Keys: bson.D{{Key: "owner", Value: 1}}, Unique: true},
//		{Keys: bson.D{{Key: "address.city", Value: 1}}},
//	}
func indexList(t *model.Type) jen.Code {
	items := make([]jen.Code, len(t.Indexes))
	for i, ix := range t.Indexes {
		items[i] = index(ix)
	}
	if len(items) == 1 {
		return jen.Index().Add(rt("Index")).Values(items...)
	}
	return jen.Index().Add(rt("Index")).Add(multiValues(items...))
}

// index is one element of the list:
//
//	{Keys: bson.D{{Key: "owner", Value: 1}, {Key: "balance", Value: -1}}, Name: "by_owner", Unique: true, Sparse: true, ExpireAfterSeconds: 3600}
//
// The name is given only when it differs from the server's default.
func index(ix *model.Index) jen.Code {
	keys := make([]jen.Code, len(ix.Keys))
	for i, k := range ix.Keys {
		dir := 1
		if k.Desc {
			dir = -1
		}
		keys[i] = elem(jen.Lit(k.Field.BSONPath), jen.Lit(dir))
	}
	items := []jen.Code{jen.Id("Keys").Op(":").Qual(bsonPath, "D").Values(keys...)}
	set := func(name string, value jen.Code) { items = append(items, jen.Id(name).Op(":").Add(value)) }
	if ix.Name != "" && ix.Name != ix.DefaultName() {
		set("Name", jen.Lit(ix.Name))
	}
	if ix.Unique {
		set("Unique", jen.True())
	}
	if ix.Sparse {
		set("Sparse", jen.True())
	}
	if ix.LiveOnly != "" {
		set("PartialFilter", jen.Qual(bsonPath, "D").Values(elem(jen.Lit(ix.LiveOnly), jen.Nil())))
	}
	if ix.TTL > 0 {
		set("ExpireAfterSeconds", jen.Lit(int(ix.TTL/time.Second)))
	}
	return jen.Values(items...)
}
