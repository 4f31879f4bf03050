package templates

import (
	"github.com/dave/jennifer/jen"
)

// The model lifecycle: the schema entries of a type's soft delete and
// hooks, the methods they add (Restore, HardDelete, AggregateLoaded), and
// AggregateScope, which every repository has.

// lifecycleEntries are the schema's Deleted, BeforeSave and AfterLoad
// entries, those that apply:
//
//	Deleted:    "deleted_at",
//	BeforeSave: func(ctx context.Context, doc any) error { return doc.(*Account).BeforeSave(ctx) },
func lifecycleEntries(p *typePlan) []jen.Code {
	var out []jen.Code
	if f := p.t.Deleted; f != nil {
		out = append(out, jen.Id("Deleted").Op(":").Lit(f.BSONPath))
	}
	for _, h := range []struct {
		name string
		has  bool
	}{{"BeforeSave", p.t.BeforeSave}, {"AfterLoad", p.t.AfterLoad}} {
		if h.has {
			call := jen.Id("doc").Assert(docPtr(p)).Dot(h.name).Call(jen.Id("ctx"))
			out = append(out, jen.Id(h.name).Op(":").Func().Params(ctxParam(), jen.Id("doc").Any()).Error().Add(inline(jen.Return(call))))
		}
	}
	return out
}

// lifecycleMethods are the methods the lifecycle adds to the repository.
func lifecycleMethods(p *typePlan) jen.Code {
	s := jen.Add(aggregateScopeMethod(p)).Line()
	if p.t.AfterLoad {
		s.Add(aggregateLoadedMethod(p)).Line()
	}
	if f := p.t.Deleted; f != nil {
		s.Add(doc("Restore brings back the soft-deleted document with the given ID: it clears %s, sets the stamps of an update, and every method sees the document again. Restoring a document that is not deleted does nothing; it fails with an error matching runtime.ErrNotFound when there is no document with that ID, and with a duplicate key error when a document not deleted has taken one of its unique values since.", f.GoPath).
			Add(method(p, "Restore")).Params(ctxParam(), jen.Id("id").Add(idType(p))).Error().Block(
			delegate("Restore", args("id")...),
		).Line()).Line()
		s.Add(doc("HardDelete removes the document with the given ID for good, deleted or not, or fails with an error matching runtime.ErrNotFound when there is none.").
			Add(method(p, "HardDelete")).Params(ctxParam(), jen.Id("id").Add(idType(p))).Error().Block(
			delegate("HardDelete", args("id")...),
		).Line()).Line()
	}
	return s
}

// aggregateScopeMethod makes the repository a runtime.ScopedAggregator:
//
//	func (r *AccountRepo) AggregateScope(p runtime.Pipeline) (*runtime.Tx, []bson.D) {
//		return r.core().AggregateScope(p)
//	}
func aggregateScopeMethod(p *typePlan) jen.Code {
	text := "AggregateScope makes runtime.Aggregate and runtime.AggregateIter on r run in r's transaction, if any."
	if f := p.t.Deleted; f != nil {
		text += " Their pipeline starts with the $match that leaves out the documents whose " + f.GoPath + " is set, unless the stages include runtime.WithDeleted()."
	}
	return doc("%s", text).
		Add(method(p, "AggregateScope")).Params(jen.Id("p").Qual(runtimePath, "Pipeline")).
		Params(jen.Op("*").Qual(runtimePath, "Tx"), jen.Index().Qual(bsonPath, "D")).Block(
		jen.Return(jen.Id("r").Dot("core").Call().Dot("AggregateScope").Call(jen.Id("p"))),
	).Line()
}

// aggregateLoadedMethod makes the repository a runtime.Loader: an
// aggregate's results of the document type get the AfterLoad hook.
//
//	func (r *AccountRepo) AggregateLoaded(ctx context.Context, result any) error {
//		if doc, ok := result.(*Account); ok {
//			return doc.AfterLoad(ctx)
//		}
//		return nil
//	}
func aggregateLoadedMethod(p *typePlan) jen.Code {
	return doc("AggregateLoaded runs the AfterLoad hook of %s on a result of runtime.Aggregate or runtime.AggregateIter on r when the results are %s values, and does nothing for other result types.", p.t.Name, p.t.Name).
		Add(method(p, "AggregateLoaded")).Params(ctxParam(), jen.Id("result").Any()).Error().Block(
		jen.If(jen.List(jen.Id("doc"), jen.Id("ok")).Op(":=").Id("result").Assert(docPtr(p)), jen.Id("ok")).Block(
			jen.Return(jen.Id("doc").Dot("AfterLoad").Call(jen.Id("ctx"))),
		),
		jen.Return(jen.Nil()),
	).Line()
}

// lifecycleTypeDoc is what the repository's doc says of soft delete and
// hooks, "" when the type has neither.
func lifecycleTypeDoc(p *typePlan) string {
	var s string
	if f := p.t.Deleted; f != nil {
		s += " " + p.t.Name + " is soft-deleted: Delete sets " + f.GoPath + ", and every read, count, update and aggregate leaves out the documents that have it set, unless given runtime.WithDeleted() (where a method takes find options)."
	}
	switch {
	case p.t.BeforeSave && p.t.AfterLoad:
		s += " BeforeSave runs before every write that stores a whole document, AfterLoad after every read of one; an error of either ends the operation."
	case p.t.BeforeSave:
		s += " BeforeSave runs before every write that stores a whole document (Insert, InsertMany, Replace); its error ends the write, with nothing sent."
	case p.t.AfterLoad:
		s += " AfterLoad runs on every document read; its error ends the read."
	}
	return s
}

// deleteDoc is the doc comment of Delete.
func deleteDoc(p *typePlan) string {
	if f := p.t.Deleted; f != nil {
		return "Delete soft-deletes the document with the given ID: it sets " + f.GoPath + " to the current time, with the stamps of an update, and the repository leaves the document out from then on (see Restore and HardDelete). It fails with an error matching runtime.ErrNotFound when there is no such document or it is deleted already."
	}
	return "Delete deletes the document with the given ID, or fails with an error matching runtime.ErrNotFound when there is none."
}

// deleteManyDoc is the doc comment of DeleteMany.
func deleteManyDoc(p *typePlan) string {
	if p.t.Deleted != nil {
		return "DeleteMany soft-deletes every document matching filter that is not deleted already, as Delete does, and returns how many it deleted. A nil filter deletes all documents of the collection."
	}
	return "DeleteMany deletes every document matching filter and returns how many it deleted. A nil filter deletes all documents of the collection."
}
