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

// indexModels is the schema's list of the type's indexes, one a line (a
// single one on the line of the list):
//
//	[]mongo.IndexModel{
//		{Keys: bson.D{{Key: "owner", Value: 1}}, Options: options.Index().SetUnique(true)},
//		{Keys: bson.D{{Key: "address.city", Value: 1}}},
//	}
func indexModels(t *model.Type) jen.Code {
	models := make([]jen.Code, len(t.Indexes))
	for i, ix := range t.Indexes {
		models[i] = indexModel(ix)
	}
	if len(models) == 1 {
		return jen.Index().Qual(mongoPath, "IndexModel").Values(models...)
	}
	return jen.Index().Qual(mongoPath, "IndexModel").Add(multiValues(models...))
}

// indexModel is one element of the list:
//
//	{Keys: bson.D{{Key: "owner", Value: 1}, {Key: "balance", Value: -1}}, Options: options.Index().SetName("by_owner").SetUnique(true).SetSparse(true).SetExpireAfterSeconds(3600)}
//
// The name is given only when it differs from the server's default; an
// index without options has no Options.
func indexModel(ix *model.Index) jen.Code {
	keys := make([]jen.Code, len(ix.Keys))
	for i, k := range ix.Keys {
		dir := 1
		if k.Desc {
			dir = -1
		}
		keys[i] = elem(jen.Lit(k.Field.BSONPath), jen.Lit(dir))
	}
	items := []jen.Code{jen.Id("Keys").Op(":").Qual(bsonPath, "D").Values(keys...)}

	opts := jen.Qual(optionsPath, "Index").Call()
	set := false
	if ix.Name != "" && ix.Name != ix.DefaultName() {
		opts.Dot("SetName").Call(jen.Lit(ix.Name))
		set = true
	}
	if ix.Unique {
		opts.Dot("SetUnique").Call(jen.True())
		set = true
	}
	if ix.Sparse {
		opts.Dot("SetSparse").Call(jen.True())
		set = true
	}
	if ix.LiveOnly != "" {
		opts.Dot("SetPartialFilterExpression").Call(jen.Qual(bsonPath, "D").Values(elem(jen.Lit(ix.LiveOnly), jen.Nil())))
		set = true
	}
	if ix.TTL > 0 {
		opts.Dot("SetExpireAfterSeconds").Call(jen.Lit(int(ix.TTL / time.Second)))
		set = true
	}
	if set {
		items = append(items, jen.Id("Options").Op(":").Add(opts))
	}
	return jen.Values(items...)
}
