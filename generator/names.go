package generator

import "github.com/mongotxgen/mongotxgen/generator/model"

// checkNames reports the names that would keep the generated file from
// compiling: declarations of the package that it declares again (Store,
// AccountRepo, AccountAddressFields, ...), two generated declarations with
// one name, a collection type whose Store field would clash with a method
// or field of the Store, and a sub-document field named like the runtime
// field its fields type embeds (ValueField, StructSliceField), which it
// would shadow.
func (b *builder) checkNames(ts []*model.Type) {
	scope := b.pkg.Scope()
	owner := map[string]string{}
	declare := func(name, what string, pos model.Pos) {
		if obj := scope.Lookup(name); obj != nil {
			b.errs.add(position(b.fset, obj.Pos()), "%s is declared here and by %s: rename it", name, what)
		}
		if prev, dup := owner[name]; dup {
			b.errs.add(pos, "generated name %s would be both %s and %s: rename one of the types or fields", name, prev, what)
			return
		}
		owner[name] = what
	}
	declare(model.StoreType, "the generated Store", model.Pos{})
	declare(model.StoreCtor, "the generated Store", model.Pos{})
	members := map[string]bool{}
	for _, m := range model.StoreMembers {
		members[m] = true
	}
	for _, t := range ts {
		for _, n := range t.GeneratedNames() {
			declare(n, "generated code for type "+t.Name, t.Pos)
		}
		if members[t.Name] {
			b.errs.add(t.Pos, "collection type %s: the generated Store has a field named after each collection type and its own %s, which would clash: rename the type", t.Name, t.Name)
		}
		checkSubFieldNames(t.Fields, "", b.errs)
	}
}

// checkSubFieldNames refuses, inside a sub-document or an array of them, a
// field named like the runtime field its typed fields embed (embedded:
// ValueField, StructSliceField): the member would shadow it.
func checkSubFieldNames(fields []*model.Field, embedded string, errs *errorSink) {
	for _, f := range fields {
		if embedded != "" && f.GoName == embedded {
			errs.add(f.Pos, "field %s: a field named %s inside a sub-document would clash with the embedded runtime.%s of its typed fields: rename it", f.GoPath, embedded, embedded)
		}
		checkSubFieldNames(f.Nested, f.Kind.RuntimeType(), errs)
	}
}
