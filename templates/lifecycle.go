package templates

import (
	"github.com/dave/jennifer/jen"
)

// The model lifecycle: the methods soft delete adds (Restore, HardDelete)
// and what the docs say of soft delete and hooks. The schema's Deleted
// entry is in schemaVar; the runtime finds the hooks, methods of the type,
// itself.

// lifecycleMethods are the methods the lifecycle adds to the repository.
func lifecycleMethods(p *typePlan) jen.Code {
	s := jen.Null()
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
