package templates

import (
	"github.com/dave/jennifer/jen"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// The methods that write documents. Each is one call to the runtime.Repo
// method of the same name, which applies the stamps the schema declares.
// Their doc comments are one-line summaries; the repository's doc says what
// every write stamps (writesNote), Insert's what it sets.

// insertStampsNote names what Insert sets in the document, or "":
// ", setting a zero ID, Updated and Version in doc".
func insertStampsNote(p *typePlan) string {
	var set []string
	if p.insertsID {
		set = append(set, "a zero "+p.t.ID.GoPath)
	}
	for _, f := range []*model.Field{p.t.Created, p.t.Updated, p.t.Version} {
		if f != nil {
			set = append(set, f.GoPath)
		}
	}
	if len(set) == 0 {
		return " as a new document"
	}
	return ", setting " + list(set) + " in doc"
}

// writesNote says in the repository's doc what every write changes besides
// what it is asked to, "" when nothing: " Writes set Updated and increment
// Version, which Replace checks."
func writesNote(p *typePlan) string {
	var parts []string
	if p.t.Updated != nil {
		parts = append(parts, "set "+p.t.Updated.GoPath)
	}
	if v := p.t.Version; v != nil {
		parts = append(parts, "increment "+v.GoPath+", which Replace checks")
	}
	if len(parts) == 0 {
		return ""
	}
	return " Writes " + list(parts) + "."
}

// insertMethod stores one document:
//
//	func (r *AccountRepo) Insert(ctx context.Context, doc *Account) error {
//		return r.core.Insert(ctx, doc)
//	}
func insertMethod(p *typePlan) jen.Code {
	text := "Insert stores doc" + insertStampsNote(p) + "."
	return doc("%s", text).
		Add(method(p, "Insert")).Params(ctxParam(), jen.Id("doc").Add(docPtr(p))).Error().Add(inline(
		delegate("Insert", args("doc")...),
	)).Line()
}

// insertManyMethod stores several documents in one ordered write:
//
//	func (r *AccountRepo) InsertMany(ctx context.Context, docs []*Account) error {
//		return r.core.InsertMany(ctx, docs)
//	}
func insertManyMethod(p *typePlan) jen.Code {
	text := "InsertMany stores docs in one ordered write, each as Insert does."
	return doc("%s", text).
		Add(method(p, "InsertMany")).Params(ctxParam(), jen.Id("docs").Index().Add(docPtr(p))).Error().Add(inline(
		delegate("InsertMany", args("docs")...),
	)).Line()
}

// replaceMethod overwrites a document, checking and bumping its version:
//
//	func (r *AccountRepo) Replace(ctx context.Context, doc *Account) error {
//		return r.core.Replace(ctx, doc)
//	}
func replaceMethod(p *typePlan) jen.Code {
	text := "Replace overwrites the document with doc's ID"
	if v := p.t.Version; v != nil {
		text += " if its " + v.GoPath + " is still doc's"
	}
	text += "."
	return doc("%s", text).
		Add(method(p, "Replace")).Params(ctxParam(), jen.Id("doc").Add(docPtr(p))).Error().Add(inline(
		delegate("Replace", args("doc")...),
	)).Line()
}

// updateByIDMethod updates one document by ID:
//
//	func (r *AccountRepo) UpdateByID(ctx context.Context, id bson.ObjectID, update runtime.Update) error {
//		return r.core.UpdateByID(ctx, id, update)
//	}
func updateByIDMethod(p *typePlan) jen.Code {
	text := "UpdateByID updates the document with the given ID, or runtime.ErrNotFound."
	return doc("%s", text).
		Add(method(p, "UpdateByID")).Params(ctxParam(), jen.Id("id").Add(idType(p)), updateParam()).Error().Add(inline(
		delegate("UpdateByID", args("id", "update")...),
	)).Line()
}

// updateManyMethod updates every document matching a filter:
//
//	func (r *AccountRepo) UpdateMany(ctx context.Context, filter runtime.Filter, update runtime.Update) (int64, error) {
//		return r.core.UpdateMany(ctx, filter, update)
//	}
func updateManyMethod(p *typePlan) jen.Code {
	text := "UpdateMany updates every document matching filter and counts those changed."
	return doc("%s", text).
		Add(method(p, "UpdateMany")).Params(ctxParam(), filterParam(), updateParam()).Params(jen.Int64(), jen.Error()).Add(inline(
		delegate("UpdateMany", args("filter", "update")...),
	)).Line()
}

// findOneAndUpdateMethod updates one document and returns it:
//
//	func (r *AccountRepo) FindOneAndUpdate(ctx context.Context, filter runtime.Filter, update runtime.Update, opts ...runtime.FindOption) (*Account, error) {
//		return runtime.One[*Account](r.core.FindOneAndUpdate(ctx, filter, update, opts...))
//	}
func findOneAndUpdateMethod(p *typePlan) jen.Code {
	text := "FindOneAndUpdate applies update to the first match and returns it updated."
	return doc("%s", text).
		Add(method(p, "FindOneAndUpdate")).Params(ctxParam(), filterParam(), updateParam(), optsParam()).Params(docPtr(p), jen.Error()).Add(inline(
		delegateAs(p, "One", "FindOneAndUpdate", args("filter", "update", "opts...")...),
	)).Line()
}

// deleteMethod deletes one document by ID:
//
//	func (r *AccountRepo) Delete(ctx context.Context, id bson.ObjectID) error {
//		return r.core.Delete(ctx, id)
//	}
func deleteMethod(p *typePlan) jen.Code {
	return doc("%s", deleteDoc(p)).
		Add(method(p, "Delete")).Params(ctxParam(), jen.Id("id").Add(idType(p))).Error().Add(inline(
		delegate("Delete", args("id")...),
	)).Line()
}

// deleteManyMethod deletes every document matching a filter:
//
//	func (r *AccountRepo) DeleteMany(ctx context.Context, filter runtime.Filter) (int64, error) {
//		return r.core.DeleteMany(ctx, filter)
//	}
func deleteManyMethod(p *typePlan) jen.Code {
	return doc("%s", deleteManyDoc(p)).
		Add(method(p, "DeleteMany")).Params(ctxParam(), filterParam()).Params(jen.Int64(), jen.Error()).Add(inline(
		delegate("DeleteMany", args("filter")...),
	)).Line()
}
