package templates

import (
	"github.com/dave/jennifer/jen"
)

// The methods of the second part of the repository contract: upsert, the
// find-and-modify pair and bulk writes. As the others, each is one call to
// the runtime.Repo method of the same name. The typed distinct command is
// runtime.Distinct on the repository (Go methods cannot have type
// parameters), through its Core method.

// upsertMethods are Upsert, FindOneAndReplace, FindOneAndDelete and
// BulkWrite.
func upsertMethods(p *typePlan) jen.Code {
	return jen.Add(upsertMethod(p)).Line().
		Add(findOneAndReplaceMethod(p)).Line().
		Add(findOneAndDeleteMethod(p)).Line().
		Add(bulkWriteMethod(p))
}

// upsertMethod updates or inserts one document:
//
//	func (r *AccountRepo) Upsert(ctx context.Context, filter runtime.Filter, update runtime.Update) (inserted bool, err error) {
//		return r.core.Upsert(ctx, filter, update)
//	}
func upsertMethod(p *typePlan) jen.Code {
	text := "Upsert updates the first document matching filter, or inserts one if none."
	return doc("%s", text).
		Add(method(p, "Upsert")).Params(ctxParam(), filterParam(), updateParam()).
		Params(jen.Id("inserted").Bool(), jen.Err().Error()).Add(inline(
		delegate("Upsert", args("filter", "update")...),
	)).Line()
}

// findOneAndReplaceMethod replaces one document and returns it:
//
//	func (r *AccountRepo) FindOneAndReplace(ctx context.Context, filter runtime.Filter, doc *Account, opts ...runtime.FindOption) (*Account, error) {
//		return runtime.One[*Account](r.core.FindOneAndReplace(ctx, filter, doc, opts...))
//	}
func findOneAndReplaceMethod(p *typePlan) jen.Code {
	text := "FindOneAndReplace replaces the first match by doc, as Replace does."
	return doc("%s", text).
		Add(method(p, "FindOneAndReplace")).Params(ctxParam(), filterParam(), jen.Id("doc").Add(docPtr(p)), optsParam()).Params(docPtr(p), jen.Error()).Add(inline(
		delegateAs(p, "One", "FindOneAndReplace", args("filter", "doc", "opts...")...),
	)).Line()
}

// findOneAndDeleteMethod deletes one document and returns it:
//
//	func (r *AccountRepo) FindOneAndDelete(ctx context.Context, filter runtime.Filter, opts ...runtime.FindOption) (*Account, error) {
//		return runtime.One[*Account](r.core.FindOneAndDelete(ctx, filter, opts...))
//	}
func findOneAndDeleteMethod(p *typePlan) jen.Code {
	return doc("%s", findOneAndDeleteDoc(p)).
		Add(method(p, "FindOneAndDelete")).Params(ctxParam(), filterParam(), optsParam()).Params(docPtr(p), jen.Error()).Add(inline(
		delegateAs(p, "One", "FindOneAndDelete", args("filter", "opts...")...),
	)).Line()
}

// bulkWriteMethod sends several writes at once:
//
//	func (r *AccountRepo) BulkWrite(ctx context.Context, ops ...runtime.BulkOp[Account]) (runtime.BulkResult, error) {
//		return r.core.BulkWrite(ctx, ops)
//	}
func bulkWriteMethod(p *typePlan) jen.Code {
	return doc("BulkWrite sends ops in one ordered bulk write, each stamped as its method.").
		Add(method(p, "BulkWrite")).Params(ctxParam(), jen.Id("ops").Op("...").Qual(runtimePath, "BulkOp").Types(jen.Id(p.t.Name))).
		Params(rt("BulkResult"), jen.Error()).Add(inline(
		delegate("BulkWrite", jen.Id("ops")),
	)).Line()
}
