package templates

import (
	"fmt"
	"strings"
	"time"

	"github.com/dave/jennifer/jen"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// repo is the repository of one collection type: its type, constructor,
// public methods in the order of the API, GetBy/FindBy lookups, then the
// unexported helpers they share.
func repo(p *typePlan) jen.Code {
	s := jen.Add(repoType(p)).Line().
		Add(repoCtor(p)).Line().
		Add(collectionMethod(p)).Line().
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
		Add(ensureIndexesMethod(p)).Line()
	for _, l := range p.lookups {
		if l.unique {
			s.Add(getByMethod(p, l)).Line()
		} else {
			s.Add(findByMethod(p, l)).Line()
		}
	}
	s.Add(findOneHelper(p)).Line().Add(findHelper(p)).Line()
	if p.hasInsertStamps() {
		s.Add(beforeInsertHelper(p)).Line()
	}
	if p.hasUpdateStamps() {
		s.Add(stampedHelper(p)).Line()
	}
	if p.t.Version != nil {
		s.Add(conflictOrNotFoundHelper(p)).Line()
	}
	return s
}

// hasInsertStamps reports whether Insert changes the document before writing it.
func (p *typePlan) hasInsertStamps() bool {
	return p.insertsID || p.t.Version != nil || p.t.Created != nil || p.t.Updated != nil
}

// hasUpdateStamps reports whether updates carry extra operators.
func (p *typePlan) hasUpdateStamps() bool { return p.t.Version != nil || p.t.Updated != nil }

// ctxParam is ctx context.Context.
func ctxParam() *jen.Statement { return jen.Id("ctx").Qual("context", "Context") }

// bindCtx is ctx = r.tx.Bind(ctx): every repository method starts with it, so
// that a repository bound to a transaction runs in it whatever ctx it gets.
func bindCtx() *jen.Statement {
	return jen.Id("ctx").Op("=").Id("r").Dot("tx").Dot("Bind").Call(jen.Id("ctx"))
}

// method starts func (r *AccountRepo) name.
func method(p *typePlan, name string) *jen.Statement {
	return jen.Func().Params(jen.Id("r").Op("*").Id(p.repoType)).Id(name)
}

// docPtr is *Account.
func docPtr(p *typePlan) *jen.Statement { return jen.Op("*").Id(p.t.Name) }

// idType is the Go type of the _id field.
func idType(p *typePlan) jen.Code { return typeCode(p.t.ID.Type) }

// ifErrReturn is if err != nil { return results..., runtime.Failed(ctx, r.coll.Name(), op, err) }.
func ifErrReturn(op string, results ...jen.Code) *jen.Statement {
	return jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(append(results, opErr(op, jen.Err()))...))
}

// repoType declares the repository:
//
//	// AccountRepo reads and writes Account documents in the "accounts" collection. ...
//	type AccountRepo struct {
//		coll *mongo.Collection
//		tx   *runtime.Tx // nil, or the transaction every call joins
//	}
func repoType(p *typePlan) jen.Code {
	return doc("%s reads and writes %s documents in the %q collection. Every method runs in the transaction of its context, if any; a repository of the Store that Store.WithTx passes to its function always runs in that transaction. Errors are *runtime.OpError values naming the collection and the operation.",
		p.repoType, p.t.Name, p.t.Collection).
		Type().Id(p.repoType).Struct(
		jen.Id("coll").Op("*").Qual(mongoPath, "Collection"),
		jen.Id("tx").Op("*").Qual(runtimePath, "Tx").Comment("nil, or the transaction every call joins"),
	).Line()
}

// repoCtor is the repository's constructor:
//
//	// NewAccountRepo returns the repository of the "accounts" collection in db.
//	func NewAccountRepo(db *mongo.Database) *AccountRepo {
//		return &AccountRepo{coll: db.Collection("accounts")}
//	}
func repoCtor(p *typePlan) jen.Code {
	return doc("%s returns the repository of the %q collection in db.", p.repoCtor, p.t.Collection).
		Func().Id(p.repoCtor).Params(jen.Id("db").Op("*").Qual(mongoPath, "Database")).Op("*").Id(p.repoType).Block(
		jen.Return(jen.Op("&").Id(p.repoType).Values(jen.Dict{
			jen.Id("coll"): jen.Id("db").Dot("Collection").Call(jen.Lit(p.t.Collection)),
		})),
	).Line()
}

// collectionMethod is the escape hatch to the driver:
//
//	func (r *AccountRepo) Collection() *mongo.Collection { return r.coll }
func collectionMethod(p *typePlan) jen.Code {
	return doc("Collection returns the driver's collection, for what the repository does not cover. Calls on it run in a transaction only when their context carries it.").
		Add(method(p, "Collection")).Params().Op("*").Qual(mongoPath, "Collection").Block(
		jen.Return(jen.Id("r").Dot("coll")),
	).Line()
}

// insertStampsDoc describes what Insert changes in the document, or "". It
// may start with a lower-case word, to follow a colon.
func insertStampsDoc(p *typePlan) string {
	var parts []string
	if p.insertsID {
		parts = append(parts, fmt.Sprintf("a zero %s becomes a new ObjectID", p.t.ID.GoPath))
	}
	if t := timeFields(p.t.Created, p.t.Updated); t != "" {
		parts = append(parts, t+" "+isAre(p.t.Created, p.t.Updated)+" set to the current time")
	}
	if p.t.Version != nil {
		parts = append(parts, p.t.Version.GoPath+" starts at 1")
	}
	if len(parts) == 0 {
		return ""
	}
	return list(parts) + ", all in doc itself, so that doc equals the stored document."
}

// insertMethod stores one document:
//
//	func (r *AccountRepo) Insert(ctx context.Context, doc *Account) error {
//		ctx = r.tx.Bind(ctx)
//		r.beforeInsert(doc)
//		if _, err := r.coll.InsertOne(ctx, doc); err != nil {
//			return runtime.Failed(ctx, r.coll.Name(), "insert", err)
//		}
//		return nil
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
	}
	body := []jen.Code{bindCtx()}
	if p.hasInsertStamps() {
		body = append(body, jen.Id("r").Dot("beforeInsert").Call(jen.Id("doc")))
	}
	body = append(body,
		jen.If(
			jen.List(jen.Id("_"), jen.Err()).Op(":=").Id("r").Dot("coll").Dot("InsertOne").Call(jen.Id("ctx"), jen.Id("doc")),
			jen.Err().Op("!=").Nil(),
		).Block(jen.Return(opErr("insert", jen.Err()))),
		jen.Return(jen.Nil()),
	)
	return doc("%s", text).
		Add(method(p, "Insert")).Params(ctxParam(), jen.Id("doc").Add(docPtr(p))).Error().Block(body...).Line()
}

// insertManyMethod stores several documents in one ordered write:
//
//	func (r *AccountRepo) InsertMany(ctx context.Context, docs []*Account) error {
//		ctx = r.tx.Bind(ctx)
//		if len(docs) == 0 {
//			return nil
//		}
//		for _, doc := range docs {
//			r.beforeInsert(doc)
//		}
//		if _, err := r.coll.InsertMany(ctx, docs); err != nil {
//			return runtime.Failed(ctx, r.coll.Name(), "insertMany", err)
//		}
//		return nil
//	}
func insertManyMethod(p *typePlan) jen.Code {
	text := "InsertMany stores docs as new documents in one ordered write: it stops at the first document that fails, and those before it stay stored unless a transaction they are part of aborts. It does nothing when docs is empty."
	if p.hasInsertStamps() {
		text += " Each document is prepared as Insert prepares it."
	}
	body := []jen.Code{
		bindCtx(),
		jen.If(jen.Len(jen.Id("docs")).Op("==").Lit(0)).Block(jen.Return(jen.Nil())),
	}
	if p.hasInsertStamps() {
		body = append(body, jen.For(jen.List(jen.Id("_"), jen.Id("doc")).Op(":=").Range().Id("docs")).Block(
			jen.Id("r").Dot("beforeInsert").Call(jen.Id("doc")),
		))
	}
	body = append(body,
		jen.If(
			jen.List(jen.Id("_"), jen.Err()).Op(":=").Id("r").Dot("coll").Dot("InsertMany").Call(jen.Id("ctx"), jen.Id("docs")),
			jen.Err().Op("!=").Nil(),
		).Block(jen.Return(opErr("insertMany", jen.Err()))),
		jen.Return(jen.Nil()),
	)
	return doc("%s", text).
		Add(method(p, "InsertMany")).Params(ctxParam(), jen.Id("docs").Index().Add(docPtr(p))).Error().Block(body...).Line()
}

// getMethod reads one document by ID:
//
//	func (r *AccountRepo) Get(ctx context.Context, id bson.ObjectID) (*Account, error) {
//		ctx = r.tx.Bind(ctx)
//		return r.findOne(ctx, "get", bson.D{{Key: "_id", Value: id}}, nil)
//	}
func getMethod(p *typePlan) jen.Code {
	return doc("Get returns the document with the given ID, or an error matching runtime.ErrNotFound when there is none.").
		Add(method(p, "Get")).Params(ctxParam(), jen.Id("id").Add(idType(p))).Params(docPtr(p), jen.Error()).Block(
		bindCtx(),
		jen.Return(jen.Id("r").Dot("findOne").Call(jen.Id("ctx"), jen.Lit("get"), byID(jen.Id("id")), jen.Nil())),
	).Line()
}

// findOneMethod reads the first document matching a filter:
//
//	func (r *AccountRepo) FindOne(ctx context.Context, filter runtime.Filter, opts ...runtime.FindOption) (*Account, error) {
//		ctx = r.tx.Bind(ctx)
//		return r.findOne(ctx, "findOne", runtime.FilterDoc(filter), runtime.FindOneArgs(opts))
//	}
func findOneMethod(p *typePlan) jen.Code {
	return doc("FindOne returns the first document matching filter (any document for a nil filter) in the order opts give, or an error matching runtime.ErrNotFound when none matches. Of opts, only sort and skip apply.").
		Add(method(p, "FindOne")).Params(ctxParam(), filterParam(), optsParam()).Params(docPtr(p), jen.Error()).Block(
		bindCtx(),
		jen.Return(jen.Id("r").Dot("findOne").Call(jen.Id("ctx"), jen.Lit("findOne"), filterDoc(jen.Id("filter")), rt("FindOneArgs").Call(jen.Id("opts")))),
	).Line()
}

// findMethod reads every document matching a filter:
//
//	func (r *AccountRepo) Find(ctx context.Context, filter runtime.Filter, opts ...runtime.FindOption) ([]*Account, error) {
//		ctx = r.tx.Bind(ctx)
//		return r.find(ctx, "find", runtime.FilterDoc(filter), runtime.FindArgs(opts))
//	}
func findMethod(p *typePlan) jen.Code {
	return doc("Find returns the documents matching filter (all documents for a nil filter), shaped by opts: sort, skip, limit and batch size. No match gives an empty slice and a nil error. Use Iter for results too large to hold at once.").
		Add(method(p, "Find")).Params(ctxParam(), filterParam(), optsParam()).Params(jen.Index().Add(docPtr(p)), jen.Error()).Block(
		bindCtx(),
		jen.Return(jen.Id("r").Dot("find").Call(jen.Id("ctx"), jen.Lit("find"), filterDoc(jen.Id("filter")), rt("FindArgs").Call(jen.Id("opts")))),
	).Line()
}

// iterMethod streams the documents matching a filter:
//
//	func (r *AccountRepo) Iter(ctx context.Context, filter runtime.Filter, opts ...runtime.FindOption) iter.Seq2[*Account, error] {
//		ctx = r.tx.Bind(ctx)
//		return func(yield func(*Account, error) bool) {
//			cur, err := r.coll.Find(ctx, runtime.FilterDoc(filter), runtime.FindArgs(opts))
//			if err != nil {
//				yield(nil, runtime.Failed(ctx, r.coll.Name(), "iter", err))
//				return
//			}
//			defer cur.Close(ctx)
//			for cur.Next(ctx) {
//				doc := new(Account)
//				if err := cur.Decode(doc); err != nil {
//					yield(nil, runtime.Failed(ctx, r.coll.Name(), "iter", err))
//					return
//				}
//				if !yield(doc, nil) {
//					return
//				}
//			}
//			if err := cur.Err(); err != nil {
//				yield(nil, runtime.Failed(ctx, r.coll.Name(), "iter", err))
//			}
//		}
//	}
func iterMethod(p *typePlan) jen.Code {
	yieldErr := func(err jen.Code) jen.Code { return jen.Id("yield").Call(jen.Nil(), opErr("iter", err)) }
	return doc("Iter returns the documents matching filter (all documents for a nil filter) one at a time, shaped by opts like Find. The query runs when the loop starts; breaking out of the loop closes the cursor. An error is yielded as (nil, err) and ends the sequence.").
		Add(method(p, "Iter")).Params(ctxParam(), filterParam(), optsParam()).
		Qual("iter", "Seq2").Types(docPtr(p), jen.Error()).Block(
		bindCtx(),
		jen.Return(jen.Func().Params(jen.Id("yield").Func().Params(docPtr(p), jen.Error()).Bool()).Block(
			jen.List(jen.Id("cur"), jen.Err()).Op(":=").Id("r").Dot("coll").Dot("Find").Call(jen.Id("ctx"), filterDoc(jen.Id("filter")), rt("FindArgs").Call(jen.Id("opts"))),
			jen.If(jen.Err().Op("!=").Nil()).Block(yieldErr(jen.Err()), jen.Return()),
			jen.Defer().Id("cur").Dot("Close").Call(jen.Id("ctx")),
			jen.For(jen.Id("cur").Dot("Next").Call(jen.Id("ctx"))).Block(
				jen.Id("doc").Op(":=").New(jen.Id(p.t.Name)),
				jen.If(jen.Err().Op(":=").Id("cur").Dot("Decode").Call(jen.Id("doc")), jen.Err().Op("!=").Nil()).Block(yieldErr(jen.Err()), jen.Return()),
				jen.If(jen.Op("!").Id("yield").Call(jen.Id("doc"), jen.Nil())).Block(jen.Return()),
			),
			jen.If(jen.Err().Op(":=").Id("cur").Dot("Err").Call(), jen.Err().Op("!=").Nil()).Block(yieldErr(jen.Err())),
		)),
	).Line()
}

// countMethod counts the documents matching a filter:
//
//	func (r *AccountRepo) Count(ctx context.Context, filter runtime.Filter) (int64, error) {
//		ctx = r.tx.Bind(ctx)
//		n, err := r.coll.CountDocuments(ctx, runtime.FilterDoc(filter))
//		if err != nil {
//			return 0, runtime.Failed(ctx, r.coll.Name(), "count", err)
//		}
//		return n, nil
//	}
func countMethod(p *typePlan) jen.Code {
	return doc("Count returns the number of documents matching filter (all documents for a nil filter). It counts exactly, and works inside transactions.").
		Add(method(p, "Count")).Params(ctxParam(), filterParam()).Params(jen.Int64(), jen.Error()).Block(
		bindCtx(),
		jen.List(jen.Id("n"), jen.Err()).Op(":=").Id("r").Dot("coll").Dot("CountDocuments").Call(jen.Id("ctx"), filterDoc(jen.Id("filter"))),
		ifErrReturn("count", jen.Lit(0)),
		jen.Return(jen.Id("n"), jen.Nil()),
	).Line()
}

// replaceMethod overwrites a document, checking and bumping its version:
//
//	func (r *AccountRepo) Replace(ctx context.Context, doc *Account) error {
//		ctx = r.tx.Bind(ctx)
//		oldVersion, oldUpdatedAt := doc.Version, doc.UpdatedAt
//		filter := bson.D{{Key: "_id", Value: doc.ID}, {Key: "version", Value: oldVersion}}
//		doc.Version++
//		doc.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
//		res, err := r.coll.ReplaceOne(ctx, filter, doc)
//		if err == nil && res.MatchedCount == 0 {
//			err = r.conflictOrNotFound(ctx, doc.ID)
//		}
//		if err != nil {
//			doc.Version, doc.UpdatedAt = oldVersion, oldUpdatedAt
//			return runtime.Failed(ctx, r.coll.Name(), "replace", err)
//		}
//		return nil
//	}
func replaceMethod(p *typePlan) jen.Code {
	t := p.t
	text := "Replace overwrites the stored document that has doc's ID with doc."
	var saved []*model.Field // fields Replace changes, restored when it fails
	if t.Version != nil {
		text += fmt.Sprintf(" It fails with an error matching runtime.ErrVersionConflict when the stored %[1]s is no longer doc.%[1]s, that is when the document changed since doc was read.", t.Version.GoPath)
		saved = append(saved, t.Version)
	}
	if t.Updated != nil {
		saved = append(saved, t.Updated)
	}
	text += " It fails with an error matching runtime.ErrNotFound when there is no document with that ID."
	if len(saved) > 0 {
		var changes []string
		if t.Version != nil {
			changes = append(changes, "doc."+t.Version.GoPath+" is one more")
		}
		if t.Updated != nil {
			changes = append(changes, "doc."+t.Updated.GoPath+" is the time of the write")
		}
		text += " On success " + list(changes) + "; when Replace fails " + pronoun(len(saved)) + " keep" + verbS(len(saved)) + " " + pronounPossessive(len(saved)) + " old value" + plural(len(saved)) + "."
	}

	body := []jen.Code{bindCtx()}
	var olds, currents, docFields []jen.Code
	for _, f := range saved {
		old := "old" + strings.ReplaceAll(f.GoPath, ".", "")
		olds = append(olds, jen.Id(old))
		currents = append(currents, docPath(f))
		docFields = append(docFields, docPath(f))
	}
	if len(saved) > 0 {
		body = append(body, jen.List(olds...).Op(":=").List(currents...))
	}
	filter := []jen.Code{elem(jen.Lit("_id"), docPath(t.ID))}
	if t.Version != nil {
		filter = append(filter, elem(jen.Lit(t.Version.BSONPath), olds[0]))
	}
	body = append(body, jen.Id("filter").Op(":=").Qual(bsonPath, "D").Values(filter...))
	if t.Version != nil {
		body = append(body, docPath(t.Version).Op("++"))
	}
	if t.Updated != nil {
		body = append(body, docPath(t.Updated).Op("=").Add(now()))
	}
	var missing jen.Code = rt("ErrNotFound")
	if t.Version != nil {
		missing = jen.Id("r").Dot("conflictOrNotFound").Call(jen.Id("ctx"), docPath(t.ID))
	}
	body = append(body,
		jen.List(jen.Id("res"), jen.Err()).Op(":=").Id("r").Dot("coll").Dot("ReplaceOne").Call(jen.Id("ctx"), jen.Id("filter"), jen.Id("doc")),
		jen.If(jen.Err().Op("==").Nil().Op("&&").Id("res").Dot("MatchedCount").Op("==").Lit(0)).Block(
			jen.Err().Op("=").Add(missing),
		),
	)
	onErr := []jen.Code{}
	if len(saved) > 0 {
		onErr = append(onErr, jen.List(docFields...).Op("=").List(olds...))
	}
	onErr = append(onErr, jen.Return(opErr("replace", jen.Err())))
	body = append(body, jen.If(jen.Err().Op("!=").Nil()).Block(onErr...), jen.Return(jen.Nil()))

	return doc("%s", text).
		Add(method(p, "Replace")).Params(ctxParam(), jen.Id("doc").Add(docPtr(p))).Error().Block(body...).Line()
}

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

// updateDoc is runtime.UpdateDoc(r.stamped(update)), or
// runtime.UpdateDoc(update) when updates carry nothing extra.
func updateDoc(p *typePlan) jen.Code {
	u := jen.Id("update")
	if p.hasUpdateStamps() {
		u = jen.Id("r").Dot("stamped").Call(jen.Id("update"))
	}
	return rt("UpdateDoc").Call(u)
}

// updateByIDMethod updates one document by ID:
//
//	func (r *AccountRepo) UpdateByID(ctx context.Context, id bson.ObjectID, update runtime.Update) error {
//		ctx = r.tx.Bind(ctx)
//		res, err := r.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, runtime.UpdateDoc(r.stamped(update)))
//		if err != nil {
//			return runtime.Failed(ctx, r.coll.Name(), "updateByID", err)
//		}
//		if res.MatchedCount == 0 {
//			return runtime.Failed(ctx, r.coll.Name(), "updateByID", runtime.ErrNotFound)
//		}
//		return nil
//	}
func updateByIDMethod(p *typePlan) jen.Code {
	text := "UpdateByID applies update to the document with the given ID, or fails with an error matching runtime.ErrNotFound when there is none. " + updateStampsDoc(p)
	return doc("%s", text).
		Add(method(p, "UpdateByID")).Params(ctxParam(), jen.Id("id").Add(idType(p)), updateParam()).Error().Block(
		bindCtx(),
		jen.List(jen.Id("res"), jen.Err()).Op(":=").Id("r").Dot("coll").Dot("UpdateOne").Call(jen.Id("ctx"), byID(jen.Id("id")), updateDoc(p)),
		ifErrReturn("updateByID"),
		jen.If(jen.Id("res").Dot("MatchedCount").Op("==").Lit(0)).Block(
			jen.Return(opErr("updateByID", rt("ErrNotFound"))),
		),
		jen.Return(jen.Nil()),
	).Line()
}

// updateManyMethod updates every document matching a filter:
//
//	func (r *AccountRepo) UpdateMany(ctx context.Context, filter runtime.Filter, update runtime.Update) (int64, error) {
//		ctx = r.tx.Bind(ctx)
//		res, err := r.coll.UpdateMany(ctx, runtime.FilterDoc(filter), runtime.UpdateDoc(r.stamped(update)))
//		if err != nil {
//			return 0, runtime.Failed(ctx, r.coll.Name(), "updateMany", err)
//		}
//		return res.ModifiedCount, nil
//	}
func updateManyMethod(p *typePlan) jen.Code {
	text := "UpdateMany applies update to every document matching filter (all documents for a nil filter) and returns how many documents it modified; a document the update leaves as it was is matched but not counted. " + updateStampsDoc(p)
	return doc("%s", text).
		Add(method(p, "UpdateMany")).Params(ctxParam(), filterParam(), updateParam()).Params(jen.Int64(), jen.Error()).Block(
		bindCtx(),
		jen.List(jen.Id("res"), jen.Err()).Op(":=").Id("r").Dot("coll").Dot("UpdateMany").Call(jen.Id("ctx"), filterDoc(jen.Id("filter")), updateDoc(p)),
		ifErrReturn("updateMany", jen.Lit(0)),
		jen.Return(jen.Id("res").Dot("ModifiedCount"), jen.Nil()),
	).Line()
}

// findOneAndUpdateMethod updates one document and returns it:
//
//	func (r *AccountRepo) FindOneAndUpdate(ctx context.Context, filter runtime.Filter, update runtime.Update, opts ...runtime.FindOption) (*Account, error) {
//		ctx = r.tx.Bind(ctx)
//		doc := new(Account)
//		err := r.coll.FindOneAndUpdate(ctx, runtime.FilterDoc(filter), runtime.UpdateDoc(r.stamped(update)), runtime.FindOneAndUpdateArgs(opts)).Decode(doc)
//		if err != nil {
//			return nil, runtime.Failed(ctx, r.coll.Name(), "findOneAndUpdate", err)
//		}
//		return doc, nil
//	}
func findOneAndUpdateMethod(p *typePlan) jen.Code {
	text := "FindOneAndUpdate applies update to the first document matching filter, in the sort order of opts, and returns the document as it is after the update; it fails with an error matching runtime.ErrNotFound when none matches. " + updateStampsDoc(p)
	return doc("%s", text).
		Add(method(p, "FindOneAndUpdate")).Params(ctxParam(), filterParam(), updateParam(), optsParam()).Params(docPtr(p), jen.Error()).Block(
		bindCtx(),
		jen.Id("doc").Op(":=").New(jen.Id(p.t.Name)),
		jen.Err().Op(":=").Id("r").Dot("coll").Dot("FindOneAndUpdate").Call(
			jen.Id("ctx"), filterDoc(jen.Id("filter")), updateDoc(p), rt("FindOneAndUpdateArgs").Call(jen.Id("opts")),
		).Dot("Decode").Call(jen.Id("doc")),
		ifErrReturn("findOneAndUpdate", jen.Nil()),
		jen.Return(jen.Id("doc"), jen.Nil()),
	).Line()
}

// deleteMethod deletes one document by ID:
//
//	func (r *AccountRepo) Delete(ctx context.Context, id bson.ObjectID) error {
//		ctx = r.tx.Bind(ctx)
//		res, err := r.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
//		if err != nil {
//			return runtime.Failed(ctx, r.coll.Name(), "delete", err)
//		}
//		if res.DeletedCount == 0 {
//			return runtime.Failed(ctx, r.coll.Name(), "delete", runtime.ErrNotFound)
//		}
//		return nil
//	}
func deleteMethod(p *typePlan) jen.Code {
	return doc("Delete deletes the document with the given ID, or fails with an error matching runtime.ErrNotFound when there is none.").
		Add(method(p, "Delete")).Params(ctxParam(), jen.Id("id").Add(idType(p))).Error().Block(
		bindCtx(),
		jen.List(jen.Id("res"), jen.Err()).Op(":=").Id("r").Dot("coll").Dot("DeleteOne").Call(jen.Id("ctx"), byID(jen.Id("id"))),
		ifErrReturn("delete"),
		jen.If(jen.Id("res").Dot("DeletedCount").Op("==").Lit(0)).Block(
			jen.Return(opErr("delete", rt("ErrNotFound"))),
		),
		jen.Return(jen.Nil()),
	).Line()
}

// deleteManyMethod deletes every document matching a filter:
//
//	func (r *AccountRepo) DeleteMany(ctx context.Context, filter runtime.Filter) (int64, error) {
//		ctx = r.tx.Bind(ctx)
//		res, err := r.coll.DeleteMany(ctx, runtime.FilterDoc(filter))
//		if err != nil {
//			return 0, runtime.Failed(ctx, r.coll.Name(), "deleteMany", err)
//		}
//		return res.DeletedCount, nil
//	}
func deleteManyMethod(p *typePlan) jen.Code {
	return doc("DeleteMany deletes every document matching filter and returns how many it deleted. A nil filter deletes all documents of the collection.").
		Add(method(p, "DeleteMany")).Params(ctxParam(), filterParam()).Params(jen.Int64(), jen.Error()).Block(
		bindCtx(),
		jen.List(jen.Id("res"), jen.Err()).Op(":=").Id("r").Dot("coll").Dot("DeleteMany").Call(jen.Id("ctx"), filterDoc(jen.Id("filter"))),
		ifErrReturn("deleteMany", jen.Lit(0)),
		jen.Return(jen.Id("res").Dot("DeletedCount"), jen.Nil()),
	).Line()
}

// ensureIndexesMethod creates the declared indexes:
//
//	func (r *AccountRepo) EnsureIndexes(ctx context.Context) error {
//		ctx = r.tx.Bind(ctx)
//		_, err := r.coll.Indexes().CreateMany(ctx, []mongo.IndexModel{
//			{
//				Keys:    bson.D{{Key: "owner", Value: 1}},
//				Options: options.Index().SetUnique(true),
//			},
//		})
//		if err != nil {
//			return runtime.Failed(ctx, r.coll.Name(), "ensureIndexes", err)
//		}
//		return nil
//	}
//
// or, for a type without indexes, a method that returns nil.
func ensureIndexesMethod(p *typePlan) jen.Code {
	if len(p.t.Indexes) == 0 {
		return doc("EnsureIndexes does nothing: %s declares no indexes. It exists so that every repository has it.", p.t.Name).
			Add(method(p, "EnsureIndexes")).Params(jen.Id("ctx").Qual("context", "Context")).Error().Block(
			jen.Return(jen.Nil()),
		).Line()
	}
	models := make([]jen.Code, len(p.t.Indexes))
	for i, ix := range p.t.Indexes {
		models[i] = indexModel(ix)
	}
	return doc("EnsureIndexes creates the indexes %s declares, in one command. Creating an index that already exists with the same definition does nothing, so it is safe to call at every start.", p.t.Name).
		Add(method(p, "EnsureIndexes")).Params(ctxParam()).Error().Block(
		bindCtx(),
		jen.List(jen.Id("_"), jen.Err()).Op(":=").Id("r").Dot("coll").Dot("Indexes").Call().Dot("CreateMany").Call(
			jen.Id("ctx"), jen.Index().Qual(mongoPath, "IndexModel").Add(multiValues(models...)),
		),
		ifErrReturn("ensureIndexes"),
		jen.Return(jen.Nil()),
	).Line()
}

// indexModel is one element of the CreateMany list:
//
//	{
//		Keys:    bson.D{{Key: "owner", Value: 1}, {Key: "balance", Value: -1}},
//		Options: options.Index().SetName("by_owner").SetUnique(true).SetSparse(true).SetExpireAfterSeconds(3600),
//	}
//
// The name is given only when it differs from the server's default. An index
// without options takes one line: {Keys: bson.D{{Key: "city", Value: 1}}}.
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
	if ix.TTL > 0 {
		opts.Dot("SetExpireAfterSeconds").Call(jen.Lit(int(ix.TTL / time.Second)))
		set = true
	}
	if !set {
		return jen.Values(items...)
	}
	items = append(items, jen.Id("Options").Op(":").Add(opts))
	return multiValues(items...)
}

// getByMethod reads a document by a unique field:
//
//	func (r *AccountRepo) GetByOwner(ctx context.Context, owner string) (*Account, error) {
//		ctx = r.tx.Bind(ctx)
//		return r.findOne(ctx, "getByOwner", runtime.FilterDoc(AccountFields.Owner.Eq(owner)), nil)
//	}
func getByMethod(p *typePlan, l lookup) jen.Code {
	f := l.node.f
	param := paramName(f.GoName, p.fieldsVar)
	return doc("%s returns the document whose %s is %s, or an error matching runtime.ErrNotFound when there is none. %s is unique, so there is at most one.",
		l.name, f.GoPath, param, f.GoPath).
		Add(method(p, l.name)).Params(ctxParam(), jen.Id(param).Add(typeCode(f.Type))).Params(docPtr(p), jen.Error()).Block(
		bindCtx(),
		jen.Return(jen.Id("r").Dot("findOne").Call(
			jen.Id("ctx"), jen.Lit(lowerFirst(l.name)), filterDoc(fieldRef(p, l.node).Dot("Eq").Call(jen.Id(param))), jen.Nil(),
		)),
	).Line()
}

// findByMethod reads the documents with a value of an indexed field:
//
//	func (r *AccountRepo) FindByAddressCity(ctx context.Context, city string, opts ...runtime.FindOption) ([]*Account, error) {
//		ctx = r.tx.Bind(ctx)
//		return r.find(ctx, "findByAddressCity", runtime.FilterDoc(AccountFields.Address.City.Eq(city)), runtime.FindArgs(opts))
//	}
func findByMethod(p *typePlan, l lookup) jen.Code {
	f := l.node.f
	param := paramName(f.GoName, p.fieldsVar)
	return doc("%s returns the documents whose %s is %s, shaped by opts like Find.", l.name, f.GoPath, param).
		Add(method(p, l.name)).Params(ctxParam(), jen.Id(param).Add(typeCode(f.Type)), optsParam()).Params(jen.Index().Add(docPtr(p)), jen.Error()).Block(
		bindCtx(),
		jen.Return(jen.Id("r").Dot("find").Call(
			jen.Id("ctx"), jen.Lit(lowerFirst(l.name)), filterDoc(fieldRef(p, l.node).Dot("Eq").Call(jen.Id(param))), rt("FindArgs").Call(jen.Id("opts")),
		)),
	).Line()
}

// findOneHelper is shared by Get, FindOne and GetBy<F>:
//
//	func (r *AccountRepo) findOne(ctx context.Context, op string, filter bson.D, opts *options.FindOneOptionsBuilder) (*Account, error) {
//		doc := new(Account)
//		if err := r.coll.FindOne(ctx, filter, opts).Decode(doc); err != nil {
//			return nil, runtime.Failed(ctx, r.coll.Name(), op, err)
//		}
//		return doc, nil
//	}
func findOneHelper(p *typePlan) jen.Code {
	return doc("findOne returns the first document matching filter; op names the calling method in errors. ctx is already bound.").
		Add(method(p, "findOne")).Params(
		ctxParam(), jen.Id("op").String(), jen.Id("filter").Qual(bsonPath, "D"), jen.Id("opts").Op("*").Qual(optionsPath, "FindOneOptionsBuilder"),
	).Params(docPtr(p), jen.Error()).Block(
		jen.Id("doc").Op(":=").New(jen.Id(p.t.Name)),
		jen.If(
			jen.Err().Op(":=").Id("r").Dot("coll").Dot("FindOne").Call(jen.Id("ctx"), jen.Id("filter"), jen.Id("opts")).Dot("Decode").Call(jen.Id("doc")),
			jen.Err().Op("!=").Nil(),
		).Block(jen.Return(jen.Nil(), rt("Failed").Call(jen.Id("ctx"), jen.Id("r").Dot("coll").Dot("Name").Call(), jen.Id("op"), jen.Err()))),
		jen.Return(jen.Id("doc"), jen.Nil()),
	).Line()
}

// findHelper is shared by Find and FindBy<F>:
//
//	func (r *AccountRepo) find(ctx context.Context, op string, filter bson.D, opts *options.FindOptionsBuilder) ([]*Account, error) {
//		cur, err := r.coll.Find(ctx, filter, opts)
//		if err != nil {
//			return nil, runtime.Failed(ctx, r.coll.Name(), op, err)
//		}
//		docs := []*Account{}
//		if err := cur.All(ctx, &docs); err != nil {
//			return nil, runtime.Failed(ctx, r.coll.Name(), op, err)
//		}
//		return docs, nil
//	}
func findHelper(p *typePlan) jen.Code {
	errOp := func() jen.Code {
		return jen.Return(jen.Nil(), rt("Failed").Call(jen.Id("ctx"), jen.Id("r").Dot("coll").Dot("Name").Call(), jen.Id("op"), jen.Err()))
	}
	return doc("find returns every document matching filter; op names the calling method in errors. ctx is already bound.").
		Add(method(p, "find")).Params(
		ctxParam(), jen.Id("op").String(), jen.Id("filter").Qual(bsonPath, "D"), jen.Id("opts").Op("*").Qual(optionsPath, "FindOptionsBuilder"),
	).Params(jen.Index().Add(docPtr(p)), jen.Error()).Block(
		jen.List(jen.Id("cur"), jen.Err()).Op(":=").Id("r").Dot("coll").Dot("Find").Call(jen.Id("ctx"), jen.Id("filter"), jen.Id("opts")),
		jen.If(jen.Err().Op("!=").Nil()).Block(errOp()),
		jen.Id("docs").Op(":=").Index().Add(docPtr(p)).Values(),
		jen.If(
			jen.Err().Op(":=").Id("cur").Dot("All").Call(jen.Id("ctx"), jen.Op("&").Id("docs")),
			jen.Err().Op("!=").Nil(),
		).Block(errOp()),
		jen.Return(jen.Id("docs"), jen.Nil()),
	).Line()
}

// beforeInsertHelper prepares a document for insertion:
//
//	func (*AccountRepo) beforeInsert(doc *Account) {
//		if doc.ID.IsZero() {
//			doc.ID = bson.NewObjectID()
//		}
//		now := time.Now().UTC().Truncate(time.Millisecond)
//		doc.CreatedAt = now
//		doc.UpdatedAt = now
//		doc.Version = 1
//	}
func beforeInsertHelper(p *typePlan) jen.Code {
	t := p.t
	var body []jen.Code
	if p.insertsID {
		body = append(body, jen.If(docPath(t.ID).Dot("IsZero").Call()).Block(
			docPath(t.ID).Op("=").Qual(bsonPath, "NewObjectID").Call(),
		))
	}
	if t.Created != nil || t.Updated != nil {
		body = append(body, jen.Id("now").Op(":=").Add(now()))
		for _, f := range []*model.Field{t.Created, t.Updated} {
			if f != nil {
				body = append(body, docPath(f).Op("=").Id("now"))
			}
		}
	}
	if t.Version != nil {
		body = append(body, docPath(t.Version).Op("=").Lit(1))
	}
	return doc("beforeInsert prepares doc for Insert and InsertMany: %s", insertStampsDoc(p)).
		Func().Params(jen.Op("*").Id(p.repoType)).Id("beforeInsert").Params(jen.Id("doc").Add(docPtr(p))).Block(body...).Line()
}

// stampedHelper adds the automatic parts of every update:
//
//	func (*AccountRepo) stamped(update runtime.Update) runtime.Update {
//		return runtime.Combine(
//			update,
//			AccountFields.UpdatedAt.Set(time.Now().UTC().Truncate(time.Millisecond)),
//			AccountFields.Version.Inc(1),
//		)
//	}
func stampedHelper(p *typePlan) jen.Code {
	t := p.t
	args := []jen.Code{jen.Id("update")}
	if t.Updated != nil {
		args = append(args, fieldRef(p, p.node(t.Updated)).Dot("Set").Call(now()))
	}
	if t.Version != nil {
		args = append(args, fieldRef(p, p.node(t.Version)).Dot("Inc").Call(jen.Lit(1)))
	}
	return doc("stamped returns update together with what every update of %s does: it %s.", t.Name, strings.TrimSuffix(strings.TrimPrefix(updateStampsDoc(p), "Besides update, it "), ".")).
		Func().Params(jen.Op("*").Id(p.repoType)).Id("stamped").Params(updateParam()).Qual(runtimePath, "Update").Block(
		jen.Return(rt("Combine").CallFunc(func(g *jen.Group) {
			for _, a := range args {
				g.Line().Add(a)
			}
			g.Line()
		})),
	).Line()
}

// conflictOrNotFoundHelper explains a versioned write that matched nothing,
// at the cost of one query on the failure path only:
//
//	func (r *AccountRepo) conflictOrNotFound(ctx context.Context, id bson.ObjectID) error {
//		n, err := r.coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}}, options.Count().SetLimit(1))
//		switch {
//		case err != nil:
//			return err
//		case n == 0:
//			return runtime.ErrNotFound
//		}
//		return runtime.ErrVersionConflict
//	}
func conflictOrNotFoundHelper(p *typePlan) jen.Code {
	return doc("conflictOrNotFound tells why a write conditioned on %s matched nothing: the document exists with another version, or does not exist.", p.t.Version.GoPath).
		Add(method(p, "conflictOrNotFound")).Params(ctxParam(), jen.Id("id").Add(idType(p))).Error().Block(
		jen.List(jen.Id("n"), jen.Err()).Op(":=").Id("r").Dot("coll").Dot("CountDocuments").Call(
			jen.Id("ctx"), byID(jen.Id("id")), jen.Qual(optionsPath, "Count").Call().Dot("SetLimit").Call(jen.Lit(1)),
		),
		jen.Switch().Block(
			jen.Case(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.Case(jen.Id("n").Op("==").Lit(0)).Block(jen.Return(rt("ErrNotFound"))),
		),
		jen.Return(rt("ErrVersionConflict")),
	).Line()
}

func filterParam() *jen.Statement { return jen.Id("filter").Qual(runtimePath, "Filter") }
func updateParam() *jen.Statement { return jen.Id("update").Qual(runtimePath, "Update") }
func optsParam() *jen.Statement {
	return jen.Id("opts").Op("...").Qual(runtimePath, "FindOption")
}

// filterDoc is runtime.FilterDoc(f).
func filterDoc(f jen.Code) *jen.Statement { return rt("FilterDoc").Call(f) }

// timeFields names the created and updated fields that exist: "CreatedAt
// and UpdatedAt", "UpdatedAt" or "".
func timeFields(fs ...*model.Field) string {
	var names []string
	for _, f := range fs {
		if f != nil {
			names = append(names, f.GoPath)
		}
	}
	return list(names)
}

func isAre(fs ...*model.Field) string {
	n := 0
	for _, f := range fs {
		if f != nil {
			n++
		}
	}
	if n > 1 {
		return "are"
	}
	return "is"
}

func pronoun(n int) string {
	if n > 1 {
		return "both"
	}
	return "it"
}

func pronounPossessive(n int) string {
	if n > 1 {
		return "their"
	}
	return "its"
}

func verbS(n int) string {
	if n > 1 {
		return ""
	}
	return "s"
}

func plural(n int) string {
	if n > 1 {
		return "s"
	}
	return ""
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
