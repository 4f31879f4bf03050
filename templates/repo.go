package templates

import (
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// repo is the repository of one collection type: its type, constructor,
// the schema and core its methods delegate to, then the public methods in
// the order of the API (reads.go, writes.go, indexes.go) and the GetBy/FindBy
// lookups.
//
// Every method body is one call to the runtime.Repo method of the same name:
// what does not depend on the type lives in package runtime, compiled once,
// and what does is the schema, declared once per type.
func repo(p *typePlan) jen.Code {
	s := jen.Add(repoType(p)).Line().
		Add(repoCtor(p)).Line().
		Add(schemaVar(p)).Line().
		Add(collectionMethod(p)).Line().
		Add(coreMethod(p)).Line().
		Add(insertMethod(p)).Line().
		Add(insertManyMethod(p)).Line().
		Add(getMethod(p)).Line().
		Add(findOneMethod(p)).Line().
		Add(findMethod(p)).Line().
		Add(iterMethod(p)).Line().
		Add(countMethod(p)).Line().
		Add(replaceMethod(p)).Line().
		Add(updateByIDMethod(p)).Line().
		Add(updateManyMethod(p)).Line().
		Add(findOneAndUpdateMethod(p)).Line().
		Add(deleteMethod(p)).Line().
		Add(deleteManyMethod(p)).Line().
		Add(upsertMethods(p)).Line().
		Add(ensureIndexesMethod(p)).Line().
		Add(lifecycleMethods(p))
	for _, l := range p.lookups {
		if l.unique {
			s.Add(getByMethod(p, l)).Line()
		} else {
			s.Add(findByMethod(p, l)).Line()
		}
	}
	return s
}

// repoType declares the repository, which holds its runtime.Repo:
//
//	// AccountRepo reads and writes Account documents in the "accounts" collection. ...
//	type AccountRepo struct{ core runtime.Repo }
func repoType(p *typePlan) jen.Code {
	return doc("%s reads and writes %s documents in the %q collection, in the transaction of the context or of Store.WithTx.%s%s Full contracts: [runtime.Repo].",
		p.repoType, p.t.Name, p.t.Collection, writesNote(p), lifecycleTypeDoc(p)).
		Type().Id(p.repoType).Add(jen.Custom(jen.Options{Open: "struct{ ", Close: " }"}, jen.Id("core").Add(rt("Repo")))).Line()
}

// repoCtor is the repository's constructor:
//
//	// NewAccountRepo returns the repository of the "accounts" collection in db.
//	func NewAccountRepo(db *mongo.Database) *AccountRepo {
//		return &AccountRepo{runtime.NewRepo(db.Collection("accounts"), nil, &schemaOfAccount)}
//	}
func repoCtor(p *typePlan) jen.Code {
	return doc("%s returns the repository of the %q collection in db.", p.repoCtor, p.t.Collection).
		Func().Id(p.repoCtor).Params(jen.Id("db").Op("*").Qual(mongoPath, "Database")).Op("*").Id(p.repoType).Block(
		jen.Return(jen.Op("&").Id(p.repoType).Values(rt("NewRepo").Call(
			jen.Id("db").Dot("Collection").Call(jen.Lit(p.t.Collection)), jen.Nil(), jen.Op("&").Id(p.schemaVar)))),
	).Line()
}

// schemaVar tells the runtime's repository code what is particular to the
// type's documents, as data: a composite literal of constants, which the
// compiler lays out statically (no function literals, nothing run at init).
// Only the entries that apply appear:
//
//	var schemaOfAccount = runtime.Schema{
//		Doc:     (*Account)(nil),
//		ID:      "ID",
//		Updated: &runtime.Stamp{Path: "updated_at", Field: "UpdatedAt"},
//		Version: &runtime.Counter{Path: "version", Field: "Version"},
//		Indexes: []runtime.Index{{Keys: bson.D{{Key: "owner", Value: 1}}, Unique: true}},
//	}
//
// The runtime resolves the Go field names once and finds the hooks, methods
// of the type, itself. There is no Decode entry: reads decode a type with
// generated codecs with its own UnmarshalBSON (see runtime.Schema.Decode).
func schemaVar(p *typePlan) jen.Code {
	t := p.t
	entry := func(name string, value jen.Code) jen.Code { return jen.Id(name).Op(":").Add(value) }
	entries := []jen.Code{
		entry("Doc", jen.Parens(docPtr(p)).Parens(jen.Nil())),
		entry("ID", jen.Lit(t.ID.GoPath)),
	}
	for _, s := range []struct {
		name, kind string
		f          *model.Field
	}{{"Created", "Stamp", t.Created}, {"Updated", "Stamp", t.Updated}, {"Version", "Counter", t.Version}} {
		if s.f != nil {
			entries = append(entries, entry(s.name, jen.Op("&").Add(rt(s.kind)).Values(
				jen.Id("Path").Op(":").Lit(s.f.BSONPath), jen.Id("Field").Op(":").Lit(s.f.GoPath))))
		}
	}
	if len(t.Indexes) > 0 {
		entries = append(entries, entry("Indexes", indexList(t)))
	}
	if f := t.Deleted; f != nil {
		entries = append(entries, entry("Deleted", jen.Lit(f.BSONPath)))
	}
	return jen.Var().Id(p.schemaVar).Op("=").Add(rt("Schema")).Add(multiValues(entries...)).Line()
}

// inline is a function body on one line, { return x }, which gofmt keeps
// when the whole declaration is short (about 100 columns) and breaks into
// three lines otherwise: every one-call method body is written so.
func inline(stmt jen.Code) jen.Code {
	return jen.Custom(jen.Options{Open: "{ ", Close: " }"}, stmt)
}

// coreMethod gives the runtime's generic functions the untyped repository,
// the one method they need: runtime.Aggregate, runtime.AggregateIter and
// runtime.Distinct take a runtime.Corer.
//
//	func (r *AccountRepo) Core() runtime.Repo { return r.core }
func coreMethod(p *typePlan) jen.Code {
	return doc("Core is r's untyped repository, for runtime.Aggregate and runtime.Distinct.").
		Add(method(p, "Core")).Params().Add(rt("Repo")).Add(inline(jen.Return(jen.Id("r").Dot("core")))).Line()
}

// collectionMethod is the escape hatch to the driver:
//
//	func (r *AccountRepo) Collection() *mongo.Collection { return r.core.Collection() }
func collectionMethod(p *typePlan) jen.Code {
	return doc("Collection returns the driver's collection, for what r does not cover.").
		Add(method(p, "Collection")).Params().Op("*").Qual(mongoPath, "Collection").Add(inline(
		jen.Return(jen.Id("r").Dot("core").Dot("Collection").Call()),
	)).Line()
}

// delegate is the body of a public method, a call to the runtime.Repo
// method of the same name with the method's context and other arguments:
//
//	func (r *AccountRepo) Insert(ctx context.Context, doc *Account) error {
//		return r.core.Insert(ctx, doc)
//	}
func delegate(name string, args ...jen.Code) *jen.Statement {
	return jen.Return(coreCall(name, args...))
}

// delegateAs is delegate for a method whose result holds documents, which
// the runtime function as (One, All or Each) gives the document type:
//
//	func (r *AccountRepo) Get(ctx context.Context, id bson.ObjectID) (*Account, error) {
//		return runtime.One[*Account](r.core.Get(ctx, id))
//	}
func delegateAs(p *typePlan, as, name string, args ...jen.Code) *jen.Statement {
	return jen.Return(rt(as).Types(docPtr(p)).Call(coreCall(name, args...)))
}

// coreCall is r.core.name(ctx, args...).
func coreCall(name string, args ...jen.Code) *jen.Statement {
	return jen.Id("r").Dot("core").Dot(name).Call(append([]jen.Code{jen.Id("ctx")}, args...)...)
}

// ctxParam is ctx context.Context.
func ctxParam() *jen.Statement { return jen.Id("ctx").Qual("context", "Context") }

// method starts func (r *AccountRepo) name.
func method(p *typePlan, name string) *jen.Statement {
	return jen.Func().Params(jen.Id("r").Op("*").Id(p.repoType)).Id(name)
}

// docPtr is *Account.
func docPtr(p *typePlan) *jen.Statement { return jen.Op("*").Id(p.t.Name) }

// idType is the Go type of the _id field.
func idType(p *typePlan) jen.Code { return typeCode(p.t.ID.Type) }

func filterParam() *jen.Statement { return jen.Id("filter").Qual(runtimePath, "Filter") }
func updateParam() *jen.Statement { return jen.Id("update").Qual(runtimePath, "Update") }
func optsParam() *jen.Statement {
	return jen.Id("opts").Op("...").Qual(runtimePath, "FindOption")
}

// args are the parameters a method passes on, by name; "opts..." spreads
// the variadic options.
func args(names ...string) []jen.Code {
	out := make([]jen.Code, len(names))
	for i, name := range names {
		if base, ok := strings.CutSuffix(name, "..."); ok {
			out[i] = jen.Id(base).Op("...")
		} else {
			out[i] = jen.Id(name)
		}
	}
	return out
}
