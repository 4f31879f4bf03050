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
		s.Add(doc("Restore clears %s of the document with the given ID, so that the methods see it again.", f.GoPath).
			Add(method(p, "Restore")).Params(ctxParam(), jen.Id("id").Add(idType(p))).Error().Block(
			delegate("Restore", args("id")...),
		).Line()).Line()
		s.Add(doc("HardDelete removes the document with the given ID for good, deleted or not.").
			Add(method(p, "HardDelete")).Params(ctxParam(), jen.Id("id").Add(idType(p))).Error().Block(
			delegate("HardDelete", args("id")...),
		).Line()).Line()
	}
	return s
}

// aggregateScopeMethod makes the repository a runtime.ScopedAggregator:
//
//	func (r *AccountRepo) AggregateScope(p runtime.Pipeline) (*runtime.Tx, []bson.D) {
//		return r.core.AggregateScope(p)
//	}
func aggregateScopeMethod(p *typePlan) jen.Code {
	text := "AggregateScope runs runtime.Aggregate on r in r's transaction"
	if f := p.t.Deleted; f != nil {
		text += ", without documents whose " + f.GoPath + " is set"
	}
	text += "."
	return doc("%s", text).
		Add(method(p, "AggregateScope")).Params(jen.Id("p").Qual(runtimePath, "Pipeline")).
		Params(jen.Op("*").Qual(runtimePath, "Tx"), jen.Index().Qual(bsonPath, "D")).Add(inline(
		jen.Return(jen.Id("r").Dot("core").Dot("AggregateScope").Call(jen.Id("p"))),
	)).Line()
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
	return doc("AggregateLoaded runs AfterLoad on the %s results of runtime.Aggregate on r.", p.t.Name).
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
		s += " " + p.t.Name + " is soft-deleted: Delete sets " + f.GoPath + ", and the methods leave such documents out unless given runtime.WithDeleted()."
	}
	switch {
	case p.t.BeforeSave && p.t.AfterLoad:
		s += " BeforeSave runs before every write of a whole document, AfterLoad after every read."
	case p.t.BeforeSave:
		s += " BeforeSave runs before every write of a whole document."
	case p.t.AfterLoad:
		s += " AfterLoad runs after every read."
	}
	return s
}

// deleteDoc is the doc comment of Delete.
func deleteDoc(p *typePlan) string {
	if f := p.t.Deleted; f != nil {
		return "Delete soft-deletes the document with the given ID, setting " + f.GoPath + ", or runtime.ErrNotFound."
	}
	return "Delete deletes the document with the given ID, or runtime.ErrNotFound."
}

// deleteManyDoc is the doc comment of DeleteMany.
func deleteManyDoc(p *typePlan) string {
	if p.t.Deleted != nil {
		return "DeleteMany soft-deletes every document matching filter and returns how many."
	}
	return "DeleteMany deletes every document matching filter and returns how many."
}

// findOneAndDeleteDoc is the doc comment of FindOneAndDelete.
func findOneAndDeleteDoc(p *typePlan) string {
	verb := "deletes"
	if p.t.Deleted != nil {
		verb = "soft-deletes"
	}
	return "FindOneAndDelete " + verb + " the first document matching filter and returns it."
}
