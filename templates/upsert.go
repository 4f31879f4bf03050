package templates

import (
	"github.com/dave/jennifer/jen"
)

// The methods of the second part of the repository contract: upsert, the
// find-and-modify pair, bulk writes and the distinct command. As the others,
// each is one call to the runtime.Repo method of the same name.

// upsertMethods are Upsert, FindOneAndReplace, FindOneAndDelete, BulkWrite
// and the two methods that make the repository a runtime.Distincter.
func upsertMethods(p *typePlan) jen.Code {
	return jen.Add(upsertMethod(p)).Line().
		Add(findOneAndReplaceMethod(p)).Line().
		Add(findOneAndDeleteMethod(p)).Line().
		Add(bulkWriteMethod(p)).Line().
		Add(nameMethod(p)).Line().
		Add(distinctMethod(p))
}

// upsertMethod updates or inserts one document:
//
//	func (r *AccountRepo) Upsert(ctx context.Context, filter runtime.Filter, update runtime.Update) (inserted bool, err error) {
//		return r.core().Upsert(ctx, filter, update)
//	}
func upsertMethod(p *typePlan) jen.Code {
	text := "Upsert applies update to the first document matching filter or, when none matches, inserts a new document made of filter's equalities and update; inserted reports which. "
	if p.t.Created != nil {
		text += "A new document gets " + p.t.Created.GoPath + " set to the current time ($setOnInsert). "
	}
	text += updateStampsDoc(p) + " Two concurrent Upserts of one new key may both insert: with a unique index on the key, one of them then fails with an error matching runtime.ErrDuplicateKey, to be retried."
	return doc("%s", text).
		Add(method(p, "Upsert")).Params(ctxParam(), filterParam(), updateParam()).
		Params(jen.Id("inserted").Bool(), jen.Err().Error()).Block(
		delegate("Upsert", args("filter", "update")...),
	).Line()
}

// findOneAndReplaceMethod replaces one document and returns it:
//
//	func (r *AccountRepo) FindOneAndReplace(ctx context.Context, filter runtime.Filter, doc *Account, opts ...runtime.FindOption) (*Account, error) {
//		return runtime.One[*Account](r.core().FindOneAndReplace(ctx, filter, doc, opts...))
//	}
func findOneAndReplaceMethod(p *typePlan) jen.Code {
	text := "FindOneAndReplace replaces the first document matching filter, in the sort order of opts, by doc and returns the document as it is after the replacement; it fails with an error matching runtime.ErrNotFound when none matches. "
	if p.t.Version != nil {
		text += "The stored " + p.t.Version.GoPath + " must be doc's (else an error matching runtime.ErrVersionConflict); "
	}
	text += replaceStampsDoc(p)
	return doc("%s", text).
		Add(method(p, "FindOneAndReplace")).Params(ctxParam(), filterParam(), jen.Id("doc").Add(docPtr(p)), optsParam()).Params(docPtr(p), jen.Error()).Block(
		delegateAs(p, "One", "FindOneAndReplace", args("filter", "doc", "opts...")...),
	).Line()
}

// replaceStampsDoc describes what FindOneAndReplace changes in doc.
func replaceStampsDoc(p *typePlan) string {
	switch {
	case p.t.Updated != nil && p.t.Version != nil:
		return "doc gets " + p.t.Updated.GoPath + " set to the current time and 1 added to " + p.t.Version.GoPath + ", given back when the write fails or its transaction aborts."
	case p.t.Updated != nil:
		return "doc gets " + p.t.Updated.GoPath + " set to the current time, given back when the write fails or its transaction aborts."
	case p.t.Version != nil:
		return "doc gets 1 added to " + p.t.Version.GoPath + ", given back when the write fails or its transaction aborts."
	}
	return ""
}

// findOneAndDeleteMethod deletes one document and returns it:
//
//	func (r *AccountRepo) FindOneAndDelete(ctx context.Context, filter runtime.Filter, opts ...runtime.FindOption) (*Account, error) {
//		return runtime.One[*Account](r.core().FindOneAndDelete(ctx, filter, opts...))
//	}
func findOneAndDeleteMethod(p *typePlan) jen.Code {
	return doc("FindOneAndDelete deletes the first document matching filter, in the sort order of opts, and returns it; it fails with an error matching runtime.ErrNotFound when none matches.").
		Add(method(p, "FindOneAndDelete")).Params(ctxParam(), filterParam(), optsParam()).Params(docPtr(p), jen.Error()).Block(
		delegateAs(p, "One", "FindOneAndDelete", args("filter", "opts...")...),
	).Line()
}

// bulkWriteMethod sends several writes at once:
//
//	func (r *AccountRepo) BulkWrite(ctx context.Context, ops ...runtime.BulkOp[Account]) (runtime.BulkResult, error) {
//		return runtime.BulkWrite(ctx, r.core(), ops)
//	}
func bulkWriteMethod(p *typePlan) jen.Code {
	return doc("BulkWrite sends ops (runtime.InsertOp, UpdateOneOp, UpdateManyOp, ReplaceOp, DeleteOneOp, DeleteManyOp) in one ordered bulk write, which stops at the first failing op. Each op gets the stamps and version of the single-document method of its kind.").
		Add(method(p, "BulkWrite")).Params(ctxParam(), jen.Id("ops").Op("...").Qual(runtimePath, "BulkOp").Types(jen.Id(p.t.Name))).
		Params(rt("BulkResult"), jen.Error()).Block(
		jen.Return(rt("BulkWrite").Call(jen.Id("ctx"), jen.Id("r").Dot("core").Call(), jen.Id("ops"))),
	).Line()
}

// nameMethod and distinctMethod make the repository a runtime.Distincter:
//
//	tags, err := runtime.Distinct(ctx, store.Book, BookFields.Tags, nil) // []string
//
// Go methods cannot have type parameters, so the typed Distinct is the
// generic function, and the repository is its source, in its transaction.
func nameMethod(p *typePlan) jen.Code {
	return doc("Name is the name of the collection, %q.", p.t.Collection).
		Add(method(p, "Name")).Params().String().Block(
		jen.Return(jen.Id("r").Dot("coll").Dot("Name").Call()),
	).Line()
}

func distinctMethod(p *typePlan) jen.Code {
	return doc("Distinct runs the distinct command in the repository's transaction. Call the typed runtime.Distinct(ctx, r, %s.F, filter), which returns the values as a slice of F's type.", p.fieldsVar).
		Add(method(p, "Distinct")).Params(ctxParam(), jen.Id("fieldName").String(), jen.Id("filter").Any(),
		jen.Id("opts").Op("...").Qual(optionsPath, "Lister").Types(jen.Qual(optionsPath, "DistinctOptions"))).
		Op("*").Qual(mongoPath, "DistinctResult").Block(
		jen.Return(coreCall("Distinct", args("fieldName", "filter", "opts...")...)),
	).Line()
}
