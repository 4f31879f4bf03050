package templates

import "github.com/dave/jennifer/jen"

// The methods that read documents. Each is one call to the runtime.Repo
// method of the same name, whose result runtime.One, All or Each gives the
// document type. Their doc comments are one-line summaries (one line keeps
// the output small); the runtime.Repo method's doc is the full contract.

// getMethod reads one document by ID:
//
//	func (r *AccountRepo) Get(ctx context.Context, id bson.ObjectID) (*Account, error) {
//		return runtime.One[*Account](r.core.Get(ctx, id))
//	}
func getMethod(p *typePlan) jen.Code {
	return doc("Get returns the document with the given ID, or runtime.ErrNotFound.").
		Add(method(p, "Get")).Params(ctxParam(), jen.Id("id").Add(idType(p))).Params(docPtr(p), jen.Error()).Add(inline(
		delegateAs(p, "One", "Get", args("id")...),
	)).Line()
}

// findOneMethod reads the first document matching a filter:
//
//	func (r *AccountRepo) FindOne(ctx context.Context, filter runtime.Filter, opts ...runtime.FindOption) (*Account, error) {
//		return runtime.One[*Account](r.core.FindOne(ctx, filter, opts...))
//	}
func findOneMethod(p *typePlan) jen.Code {
	return doc("FindOne returns the first document matching filter, or runtime.ErrNotFound.").
		Add(method(p, "FindOne")).Params(ctxParam(), filterParam(), optsParam()).Params(docPtr(p), jen.Error()).Add(inline(
		delegateAs(p, "One", "FindOne", args("filter", "opts...")...),
	)).Line()
}

// findMethod reads every document matching a filter:
//
//	func (r *AccountRepo) Find(ctx context.Context, filter runtime.Filter, opts ...runtime.FindOption) ([]*Account, error) {
//		return runtime.All[*Account](r.core.Find(ctx, filter, opts...))
//	}
func findMethod(p *typePlan) jen.Code {
	return doc("Find returns the documents matching filter, shaped by opts.").
		Add(method(p, "Find")).Params(ctxParam(), filterParam(), optsParam()).Params(jen.Index().Add(docPtr(p)), jen.Error()).Add(inline(
		delegateAs(p, "All", "Find", args("filter", "opts...")...),
	)).Line()
}

// iterMethod streams the documents matching a filter:
//
//	func (r *AccountRepo) Iter(ctx context.Context, filter runtime.Filter, opts ...runtime.FindOption) iter.Seq2[*Account, error] {
//		return runtime.Each[*Account](r.core.Iter(ctx, filter, opts...))
//	}
func iterMethod(p *typePlan) jen.Code {
	return doc("Iter yields the documents matching filter one at a time, shaped by opts.").
		Add(method(p, "Iter")).Params(ctxParam(), filterParam(), optsParam()).
		Qual("iter", "Seq2").Types(docPtr(p), jen.Error()).Add(inline(
		delegateAs(p, "Each", "Iter", args("filter", "opts...")...),
	)).Line()
}

// countMethod counts the documents matching a filter:
//
//	func (r *AccountRepo) Count(ctx context.Context, filter runtime.Filter, opts ...runtime.FindOption) (int64, error) {
//		return r.core.Count(ctx, filter, opts...)
//	}
func countMethod(p *typePlan) jen.Code {
	return doc("Count returns the exact number of documents matching filter.").
		Add(method(p, "Count")).Params(ctxParam(), filterParam(), optsParam()).Params(jen.Int64(), jen.Error()).Add(inline(
		delegate("Count", args("filter", "opts...")...),
	)).Line()
}

// getByMethod reads a document by a unique field; the runtime names the
// operation in errors after the method:
//
//	func (r *AccountRepo) GetByOwner(ctx context.Context, owner string) (*Account, error) {
//		return runtime.One[*Account](r.core.GetBy(ctx, "getByOwner", AccountFields.Owner.Eq(owner)))
//	}
func getByMethod(p *typePlan, l lookup) jen.Code {
	f := l.node.f
	param := paramName(f.GoName, p.fieldsVar)
	return doc("%s returns the document whose %s is %s, or runtime.ErrNotFound.",
		l.name, f.GoPath, param).
		Add(method(p, l.name)).Params(ctxParam(), jen.Id(param).Add(typeCode(f.Type))).Params(docPtr(p), jen.Error()).Add(inline(
		delegateAs(p, "One", "GetBy", jen.Lit(lowerFirst(l.name)), fieldRef(p, l.node).Dot("Eq").Call(jen.Id(param))),
	)).Line()
}

// findByMethod reads the documents with a value of an indexed field:
//
//	func (r *AccountRepo) FindByAddressCity(ctx context.Context, city string, opts ...runtime.FindOption) ([]*Account, error) {
//		return runtime.All[*Account](r.core.FindBy(ctx, "findByAddressCity", AccountFields.Address.City.Eq(city), opts...))
//	}
func findByMethod(p *typePlan, l lookup) jen.Code {
	f := l.node.f
	param := paramName(f.GoName, p.fieldsVar)
	return doc("%s returns the documents whose %s is %s, shaped by opts as Find.", l.name, f.GoPath, param).
		Add(method(p, l.name)).Params(ctxParam(), jen.Id(param).Add(typeCode(f.Type)), optsParam()).Params(jen.Index().Add(docPtr(p)), jen.Error()).Add(inline(
		delegateAs(p, "All", "FindBy", jen.Lit(lowerFirst(l.name)), fieldRef(p, l.node).Dot("Eq").Call(jen.Id(param)), jen.Id("opts").Op("...")),
	)).Line()
}
