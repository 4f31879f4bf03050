package generator

import (
	"go/types"
	"strings"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// buildType builds and validates the model of one annotated struct type.
func (b *builder) buildType(a *annotated, cs *collectionSpec, st *types.Struct, named *types.Named) *model.Type {
	errsBefore := len(b.errs.list)
	t := &model.Type{Name: a.name, Collection: cs.name, Pos: cs.pos}
	entries := b.describe(st, level{stack: []*types.Named{named}})
	for _, e := range entries {
		t.Fields = append(t.Fields, e.f)
	}
	b.findID(t, entries)
	tv := &typeValidation{b: b, t: t}
	tv.applyOptions(entries)
	tv.directiveIndexes(cs, fieldLookup(entries))
	tv.dedupeIndexes()
	tv.liveOnlyIndexes()
	b.findHooks(t, named)
	if len(b.errs.list) > errsBefore {
		return nil
	}
	return t
}

// findID sets t.ID to the field stored as _id, at the top level.
func (b *builder) findID(t *model.Type, entries []*entry) {
	for _, e := range entries {
		if e.f.BSONName != "_id" {
			continue
		}
		t.ID = e.f
		if e.viaPtr {
			b.errs.add(e.f.Pos, "_id field %s is reached through a pointer: the repository sets it on insert, so it must not be", e.f.GoPath)
		}
		if e.opts.has(optUnique) || e.opts.has(optIndex) {
			b.errs.add(e.f.Pos, "mongotxgen option %s on _id field %s: MongoDB always has a unique index on _id", e.opts.names(), e.f.GoPath)
		}
	}
	if t.ID == nil {
		b.errs.add(t.Pos, "type %s has no _id field: add one with a `bson:\"_id\"` tag (e.g. ID bson.ObjectID `bson:\"_id,omitempty\"`)", t.Name)
	}
}

// typeValidation is the validation of one collection type's options and
// indexes.
type typeValidation struct {
	b       *builder
	t       *model.Type
	indexes []*model.Index // in order: tag options, then directives
	// the fields with the version, created and updated options
	version, created, updated, deleted *entry
}

// applyOptions applies the tag options of the fields, in field order
// (depth first), as tagGrammar says.
func (tv *typeValidation) applyOptions(list []*entry) {
	for _, e := range list {
		var exclusive []string
		for _, g := range tagGrammar {
			if g.exclusive && e.opts.has(g.opt) {
				exclusive = append(exclusive, g.Name)
			}
		}
		if len(exclusive) > 1 {
			tv.b.errs.add(e.f.Pos, "mongotxgen options %s of field %s exclude each other", strings.Join(exclusive, ","), e.f.GoPath)
		}
		for _, g := range tagGrammar {
			if e.opts.has(g.opt) && (!g.exclusive || len(exclusive) == 1) {
				g.apply(tv, e, g.Name)
			}
		}
		tv.applyOptions(e.nested)
	}
}

// indexOption applies unique or index (opt) to field e: an index on it.
func (tv *typeValidation) indexOption(e *entry, opt string) {
	f := e.f
	if msg := indexableType(e.typ); msg != "" {
		tv.b.errs.add(f.Pos, "mongotxgen option %s on field %s: %s", opt, f.GoPath, msg)
		return
	}
	if f == tv.t.ID {
		return // findID reported it
	}
	f.Unique, f.Index = opt == "unique", opt == "index"
	keys := []model.IndexKey{{Field: f}}
	ix := &model.Index{Keys: keys, Unique: f.Unique, Pos: f.Pos}
	ix.Name = ix.DefaultName()
	tv.indexes = append(tv.indexes, ix)
}

// special checks a field with the option opt, of which a type has at most
// one (recorded in first), and reports whether it is the type's; typeErr
// is why its type does not fit, or "".
func (tv *typeValidation) special(e *entry, opt string, first **entry, typeErr string) bool {
	f := e.f
	switch {
	case typeErr != "":
		tv.b.errs.add(f.Pos, "mongotxgen option %s on field %s of type %s: %s", opt, f.GoPath, types.TypeString(e.typ, tv.b.qualifier), typeErr)
	case e.viaPtr:
		tv.b.errs.add(f.Pos, "mongotxgen option %s on field %s, which is reached through a pointer: the repository sets it, so it must not be", opt, f.GoPath)
	case f.Multikey:
		tv.b.errs.add(f.Pos, "mongotxgen option %s on field %s, which is stored in the elements of an array: the repository sets one per document, so it must be outside arrays", opt, f.GoPath)
	case *first != nil:
		tv.b.errs.add(f.Pos, "second %s field %s in type %s (the first is %s at %s)", opt, f.GoPath, tv.t.Name, (*first).f.GoPath, (*first).f.Pos.Short())
	default:
		*first = e
		return true
	}
	return false
}

// directiveIndexes adds the indexes of the type's index directives, in
// source order, resolving their fields through lookup.
func (tv *typeValidation) directiveIndexes(cs *collectionSpec, lookup map[string]*entry) {
	b, t := tv.b, tv.t
	for _, spec := range cs.indexes {
		ix := &model.Index{Name: spec.name, Unique: spec.unique, Sparse: spec.sparse, TTL: spec.ttl, Pos: spec.pos}
		if !tv.indexKeys(ix, spec, lookup) {
			continue
		}
		if spec.ttl != 0 {
			if len(ix.Keys) != 1 {
				b.errs.add(spec.ttlPos, "ttl needs an index on a single field (MongoDB ignores expireAfterSeconds on compound indexes)")
				continue
			}
			if e := lookup[spec.keys[0].path]; !isDateTime(e.typ) {
				b.errs.add(spec.ttlPos, "ttl on field %s of type %s: a TTL index needs a date field (time.Time, *time.Time or bson.DateTime)", e.f.GoPath, types.TypeString(e.typ, b.qualifier))
				continue
			}
		}
		if len(ix.Keys) == 1 && ix.Keys[0].Field == t.ID {
			b.errs.add(spec.pos, "index on _id alone duplicates the _id index MongoDB always has")
			continue
		}
		if ix.Name == "" {
			ix.Name = ix.DefaultName()
		}
		tv.indexes = append(tv.indexes, ix)
	}
}

// indexKeys resolves the keys of spec into ix, reporting whether all are
// fields that can be index keys, each once.
func (tv *typeValidation) indexKeys(ix *model.Index, spec *indexSpec, lookup map[string]*entry) bool {
	b := tv.b
	ok := true
	seen := map[*model.Field]bool{}
	for _, k := range spec.keys {
		e, found := lookup[k.path]
		switch {
		case found && e == nil:
			b.errs.add(k.pos, "ambiguous field %s in //mongotxgen:index of type %s: write its full path", k.path, tv.t.Name)
		case !found:
			b.errs.add(k.pos, "unknown field %s in //mongotxgen:index of type %s%s", k.path, tv.t.Name, suggestField(k.path, lookup))
		case seen[e.f]:
			b.errs.add(k.pos, "field %s appears twice in //mongotxgen:index", k.path)
		case indexableType(e.typ) != "":
			b.errs.add(k.pos, "field %s in //mongotxgen:index: %s", k.path, indexableType(e.typ))
		default:
			seen[e.f] = true
			ix.Keys = append(ix.Keys, model.IndexKey{Field: e.f, Desc: k.desc})
			continue
		}
		if e != nil {
			seen[e.f] = true
		}
		ok = false
	}
	return ok
}

// dedupeIndexes moves the indexes to the type, refusing duplicates: mongod
// refuses two indexes with one name, or one key pattern under two names.
func (tv *typeValidation) dedupeIndexes() {
	byName := map[string]*model.Index{}
	byKeys := map[string]*model.Index{}
	for _, ix := range tv.indexes {
		keys := ix.DefaultName()
		switch {
		case byName[ix.Name] != nil:
			tv.b.errs.add(ix.Pos, "index %s of type %s is declared twice (first at %s)", ix.Name, tv.t.Name, byName[ix.Name].Pos.Short())
		case byKeys[keys] != nil:
			tv.b.errs.add(ix.Pos, "index %s of type %s has the same keys as index %s at %s", ix.Name, tv.t.Name, byKeys[keys].Name, byKeys[keys].Pos.Short())
		default:
			byName[ix.Name], byKeys[keys] = ix, ix
			tv.t.Indexes = append(tv.t.Indexes, ix)
		}
	}
}
