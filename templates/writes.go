package templates

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// The methods that write documents. Each is one call to the runtime.Repo
// method of the same name, which applies the stamps the schema declares;
// their doc comments say what those stamps are for this type.

// insertStampsDoc describes what Insert changes in the document, or "".
func insertStampsDoc(p *typePlan) string {
	var parts []string
	if p.insertsID {
		parts = append(parts, fmt.Sprintf("a zero %s becomes a new ObjectID", p.t.ID.GoPath))
	}
	if f := p.t.Created; f != nil {
		parts = append(parts, "a zero "+f.GoPath+" is set to the current time (one the caller set is kept, for imported documents)")
	}
	if f := p.t.Updated; f != nil {
		parts = append(parts, f.GoPath+" is set to the current time")
	}
	if p.t.Version != nil {
		parts = append(parts, p.t.Version.GoPath+" starts at 1")
	}
	if len(parts) == 0 {
		return ""
	}
	return list(parts) + ", all in doc itself, so that doc equals the stored document."
}

// inTxRestoreDoc says what a write that changed doc does when the
// transaction attempt it ran in aborts.
const inTxRestoreDoc = " In a transaction, doc gets its old values back when the attempt aborts, so that a function Store.WithTx retries finds doc as the first attempt did."

// updateStampsDoc describes what updates add, or "".
func updateStampsDoc(p *typePlan) string {
	var parts []string
	if p.t.Updated != nil {
		parts = append(parts, "sets "+p.t.Updated.GoPath+" to the current time")
	}
	if p.t.Version != nil {
		parts = append(parts, "adds 1 to "+p.t.Version.GoPath)
	}
	if len(parts) == 0 {
		return ""
	}
	return "Besides update, it " + list(parts) + "."
}

// insertMethod stores one document:
//
//	func (r *AccountRepo) Insert(ctx context.Context, doc *Account) error {
//		return r.core().Insert(ctx, doc)
//	}
func insertMethod(p *typePlan) jen.Code {
	text := "Insert stores doc as a new document."
	if s := insertStampsDoc(p); s != "" {
		text += " " + upperFirst(s) + " When Insert fails doc keeps these values"
		if p.insertsID {
			text += ", so inserting it again reuses its ID: a write that did reach the server is then reported as a duplicate key instead of being stored twice."
		} else {
			text += "."
		}
		text += inTxRestoreDoc
	}
	return doc("%s", text).
		Add(method(p, "Insert")).Params(ctxParam(), jen.Id("doc").Add(docPtr(p))).Error().Block(
		delegate("Insert", args("doc")...),
	).Line()
}

// insertManyMethod stores several documents in one ordered write:
//
//	func (r *AccountRepo) InsertMany(ctx context.Context, docs []*Account) error {
//		return r.core().InsertMany(ctx, docs)
//	}
func insertManyMethod(p *typePlan) jen.Code {
	text := "InsertMany stores docs as new documents in one ordered write: it stops at the first document that fails, and those before it stay stored unless a transaction they are part of aborts. It does nothing when docs is empty."
	if p.hasInsertStamps() {
		text += " Each document is prepared, and in a transaction restored when the attempt aborts, as Insert does."
	}
	return doc("%s", text).
		Add(method(p, "InsertMany")).Params(ctxParam(), jen.Id("docs").Index().Add(docPtr(p))).Error().Block(
		delegate("InsertMany", args("docs")...),
	).Line()
}

// replaceMethod overwrites a document, checking and bumping its version:
//
//	func (r *AccountRepo) Replace(ctx context.Context, doc *Account) error {
//		return r.core().Replace(ctx, doc)
//	}
func replaceMethod(p *typePlan) jen.Code {
	t := p.t
	text := "Replace overwrites the stored document that has doc's ID with doc."
	if t.Version != nil {
		text += fmt.Sprintf(" It fails with an error matching runtime.ErrVersionConflict when the stored %[1]s is no longer doc.%[1]s, that is when the document changed since doc was read. A stored document without the field, written before the type had it, is at %[1]s 0.", t.Version.GoPath)
	}
	text += " It fails with an error matching runtime.ErrNotFound when there is no document with that ID."
	// The fields Replace changes, which get their old values back when it
	// fails.
	var changes []string
	if t.Version != nil {
		changes = append(changes, "doc."+t.Version.GoPath+" is one more")
	}
	if t.Updated != nil {
		changes = append(changes, "doc."+t.Updated.GoPath+" is the time of the write")
	}
	if n := len(changes); n > 0 {
		text += " On success " + list(changes) + "; when Replace fails " + pronoun(n) + " keep" + verbS(n) + " " + pronounPossessive(n) + " old value" + plural(n) + "," +
			" and in a transaction get" + verbS(n) + " " + pronounPossessive(n) + " old value" + plural(n) + " back when the attempt aborts, so that a function Store.WithTx retries does not conflict with its own rolled-back write."
	}
	return doc("%s", text).
		Add(method(p, "Replace")).Params(ctxParam(), jen.Id("doc").Add(docPtr(p))).Error().Block(
		delegate("Replace", args("doc")...),
	).Line()
}

// updateByIDMethod updates one document by ID:
//
//	func (r *AccountRepo) UpdateByID(ctx context.Context, id bson.ObjectID, update runtime.Update) error {
//		return r.core().UpdateByID(ctx, id, update)
//	}
func updateByIDMethod(p *typePlan) jen.Code {
	text := "UpdateByID applies update to the document with the given ID, or fails with an error matching runtime.ErrNotFound when there is none. " + updateStampsDoc(p)
	return doc("%s", text).
		Add(method(p, "UpdateByID")).Params(ctxParam(), jen.Id("id").Add(idType(p)), updateParam()).Error().Block(
		delegate("UpdateByID", args("id", "update")...),
	).Line()
}

// updateManyMethod updates every document matching a filter:
//
//	func (r *AccountRepo) UpdateMany(ctx context.Context, filter runtime.Filter, update runtime.Update) (int64, error) {
//		return r.core().UpdateMany(ctx, filter, update)
//	}
func updateManyMethod(p *typePlan) jen.Code {
	text := "UpdateMany applies update to every document matching filter (all documents for a nil filter) and returns how many documents it modified; a document the update leaves as it was is matched but not counted. " + updateStampsDoc(p)
	return doc("%s", text).
		Add(method(p, "UpdateMany")).Params(ctxParam(), filterParam(), updateParam()).Params(jen.Int64(), jen.Error()).Block(
		delegate("UpdateMany", args("filter", "update")...),
	).Line()
}

// findOneAndUpdateMethod updates one document and returns it:
//
//	func (r *AccountRepo) FindOneAndUpdate(ctx context.Context, filter runtime.Filter, update runtime.Update, opts ...runtime.FindOption) (*Account, error) {
//		return runtime.One[*Account](r.core().FindOneAndUpdate(ctx, filter, update, opts...))
//	}
func findOneAndUpdateMethod(p *typePlan) jen.Code {
	text := "FindOneAndUpdate applies update to the first document matching filter, in the sort order of opts, and returns the document as it is after the update; it fails with an error matching runtime.ErrNotFound when none matches. " + updateStampsDoc(p)
	return doc("%s", text).
		Add(method(p, "FindOneAndUpdate")).Params(ctxParam(), filterParam(), updateParam(), optsParam()).Params(docPtr(p), jen.Error()).Block(
		delegateAs(p, "One", "FindOneAndUpdate", args("filter", "update", "opts...")...),
	).Line()
}

// deleteMethod deletes one document by ID:
//
//	func (r *AccountRepo) Delete(ctx context.Context, id bson.ObjectID) error {
//		return r.core().Delete(ctx, id)
//	}
func deleteMethod(p *typePlan) jen.Code {
	return doc("%s", deleteDoc(p)).
		Add(method(p, "Delete")).Params(ctxParam(), jen.Id("id").Add(idType(p))).Error().Block(
		delegate("Delete", args("id")...),
	).Line()
}

// deleteManyMethod deletes every document matching a filter:
//
//	func (r *AccountRepo) DeleteMany(ctx context.Context, filter runtime.Filter) (int64, error) {
//		return r.core().DeleteMany(ctx, filter)
//	}
func deleteManyMethod(p *typePlan) jen.Code {
	return doc("%s", deleteManyDoc(p)).
		Add(method(p, "DeleteMany")).Params(ctxParam(), filterParam()).Params(jen.Int64(), jen.Error()).Block(
		delegate("DeleteMany", args("filter")...),
	).Line()
}
