package generator

import (
	"go/types"
	"slices"
	"strings"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// buildType builds and validates the model of one annotated struct type.
func (b *builder) buildType(a *annotated, cs *collectionSpec, st *types.Struct, named *types.Named) *model.Type {
	errsBefore := len(b.errs.list)
	t := &model.Type{Name: a.name, Collection: cs.name, Pos: cs.pos}
	entries := b.describe(st, "", "", "", false, []*types.Named{named})
	for _, e := range entries {
		t.Fields = append(t.Fields, e.f)
	}

	for _, e := range entries {
		if e.f.BSONName == "_id" {
			t.ID = e.f
			if e.viaPtr {
				b.errs.add(e.f.Pos, "_id field %s is reached through a pointer: the repository sets it on insert, so it must not be", e.f.GoPath)
			}
			if e.opts.unique || e.opts.index {
				b.errs.add(e.f.Pos, "mongotxgen option %s on _id field %s: MongoDB always has a unique index on _id", e.opts.names(), e.f.GoPath)
			}
		}
	}
	if t.ID == nil {
		b.errs.add(cs.pos, "type %s has no _id field: add one with a `bson:\"_id\"` tag (e.g. ID bson.ObjectID `bson:\"_id,omitempty\"`)", a.name)
	}

	// Tag options, in field order (depth first), and the indexes they make.
	var indexes []*model.Index
	var firstVersion, firstCreated, firstUpdated *entry
	var walk func(list []*entry)
	walk = func(list []*entry) {
		for _, e := range list {
			f := e.f
			if e.opts.unique || e.opts.index {
				if msg := indexableType(e.typ); msg != "" {
					b.errs.add(f.Pos, "mongotxgen option %s on field %s: %s", e.opts.names(), f.GoPath, msg)
				} else if f != t.ID {
					f.Unique, f.Index = e.opts.unique, e.opts.index
					indexes = append(indexes, &model.Index{
						Name:   defaultIndexName([]model.IndexKey{{Field: f}}),
						Keys:   []model.IndexKey{{Field: f}},
						Unique: e.opts.unique,
						Pos:    f.Pos,
					})
				}
			}
			special := func(opt string, first **entry, slot **model.Field, check func(types.Type) string) {
				if msg := check(e.typ); msg != "" {
					b.errs.add(f.Pos, "mongotxgen option %s on field %s of type %s: %s", opt, f.GoPath, types.TypeString(e.typ, b.qualifier), msg)
					return
				}
				if e.viaPtr {
					b.errs.add(f.Pos, "mongotxgen option %s on field %s, which is reached through a pointer: the repository sets it, so it must not be", opt, f.GoPath)
					return
				}
				if *first != nil {
					b.errs.add(f.Pos, "second %s field %s in type %s (the first is %s at %s)", opt, f.GoPath, a.name, (*first).f.GoPath, (*first).f.Pos.Short())
					return
				}
				*first, *slot = e, f
			}
			switch {
			case e.opts.version && (e.opts.created || e.opts.updated), e.opts.created && e.opts.updated:
				b.errs.add(f.Pos, "mongotxgen options %s of field %s exclude each other", e.opts.names(), f.GoPath)
			case e.opts.version:
				special("version", &firstVersion, &t.Version, versionType)
				f.Version = t.Version == f
			case e.opts.created:
				special("created", &firstCreated, &t.Created, timeType)
				f.Created = t.Created == f
			case e.opts.updated:
				special("updated", &firstUpdated, &t.Updated, timeType)
				f.Updated = t.Updated == f
			}
			walk(e.nested)
		}
	}
	walk(entries)

	// Index directives, in source order.
	lookup := fieldLookup(entries)
	for _, spec := range cs.indexes {
		ix := &model.Index{Name: spec.name, Unique: spec.unique, Sparse: spec.sparse, TTL: spec.ttl, Pos: spec.pos}
		ok := true
		seen := map[*model.Field]bool{}
		for _, k := range spec.keys {
			e, found := lookup[k.path]
			if !found || e == nil {
				if found {
					b.errs.add(k.pos, "ambiguous field %s in //mongotxgen:index of type %s: write its full path", k.path, a.name)
				} else {
					b.errs.add(k.pos, "unknown field %s in //mongotxgen:index of type %s%s", k.path, a.name, suggestField(k.path, lookup))
				}
				ok = false
				continue
			}
			if seen[e.f] {
				b.errs.add(k.pos, "field %s appears twice in //mongotxgen:index", k.path)
				ok = false
				continue
			}
			seen[e.f] = true
			if msg := indexableType(e.typ); msg != "" {
				b.errs.add(k.pos, "field %s in //mongotxgen:index: %s", k.path, msg)
				ok = false
				continue
			}
			ix.Keys = append(ix.Keys, model.IndexKey{Field: e.f, Desc: k.desc})
		}
		if !ok {
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
			ix.Name = defaultIndexName(ix.Keys)
		}
		indexes = append(indexes, ix)
	}

	// Duplicates: mongod refuses two indexes with one name, or one key
	// pattern under two names.
	byName := map[string]*model.Index{}
	byKeys := map[string]*model.Index{}
	for _, ix := range indexes {
		keys := defaultIndexName(ix.Keys)
		switch {
		case byName[ix.Name] != nil:
			b.errs.add(ix.Pos, "index %s of type %s is declared twice (first at %s)", ix.Name, a.name, byName[ix.Name].Pos.Short())
		case byKeys[keys] != nil:
			b.errs.add(ix.Pos, "index %s of type %s has the same keys as index %s at %s", ix.Name, a.name, byKeys[keys].Name, byKeys[keys].Pos.Short())
		default:
			byName[ix.Name], byKeys[keys] = ix, ix
			t.Indexes = append(t.Indexes, ix)
		}
	}

	if len(b.errs.list) > errsBefore {
		return nil
	}
	return t
}

// defaultIndexName is the name mongod gives an index without one:
// each key's path and direction joined by underscores ("owner_1_balance_-1").
func defaultIndexName(keys []model.IndexKey) string {
	var sb strings.Builder
	for i, k := range keys {
		if i > 0 {
			sb.WriteByte('_')
		}
		sb.WriteString(k.Field.BSONPath)
		if k.Desc {
			sb.WriteString("_-1")
		} else {
			sb.WriteString("_1")
		}
	}
	return sb.String()
}

// fieldLookup maps the Go paths an index directive may name to fields: the
// full path through every field (Base.ID, Address.City) and, as Go allows,
// the path that reaches a field promoted through embedded fields (ID). A
// promoted path that names two fields maps to nil (ambiguous).
func fieldLookup(entries []*entry) map[string]*entry {
	m := map[string]*entry{}
	var full, promoted func([]*entry)
	full = func(list []*entry) {
		for _, e := range list {
			m[e.f.GoPath] = e
			full(e.nested)
		}
	}
	prom := map[string][]*entry{}
	promoted = func(list []*entry) {
		for _, e := range list {
			if e.promoted != e.f.GoPath {
				prom[e.promoted] = append(prom[e.promoted], e)
			}
			promoted(e.nested)
		}
	}
	full(entries)
	promoted(entries)
	for p, es := range prom {
		if _, ok := m[p]; ok {
			continue
		}
		if len(es) == 1 {
			m[p] = es[0]
		} else {
			m[p] = nil
		}
	}
	return m
}

func suggestField(path string, lookup map[string]*entry) string {
	names := make([]string, 0, len(lookup))
	for p := range lookup {
		names = append(names, p)
	}
	slices.Sort(names)
	return suggest(path, names...)
}

// indexableType returns why a field of type t cannot be an index key or a
// lookup parameter, or "".
func indexableType(t types.Type) string {
	u := types.Unalias(t)
	for {
		p, ok := u.Underlying().(*types.Pointer)
		if !ok {
			break
		}
		u = types.Unalias(p.Elem())
	}
	switch x := u.Underlying().(type) {
	case *types.Interface:
		if !x.Empty() || isNamed(u) {
			return "an interface type cannot be an index key (only any is allowed)"
		}
	case *types.Map:
		if b, ok := x.Key().Underlying().(*types.Basic); !ok || b.Info()&types.IsString == 0 {
			return "a map with non-string keys cannot be an index key"
		}
	}
	return ""
}

func isNamed(t types.Type) bool {
	_, ok := t.(*types.Named)
	return ok
}

// versionType returns why t cannot be a version counter, or "". mongod's
// $inc keeps an int32 or int64 as it is, so the counter is one of Go's
// signed integer kinds that the driver writes as int32 or int64.
func versionType(t types.Type) string {
	if b, ok := t.Underlying().(*types.Basic); ok {
		switch b.Kind() {
		case types.Int, types.Int32, types.Int64:
			return ""
		}
	}
	return "a version counter must be int, int32 or int64"
}

// timeType returns why t cannot be a created or updated timestamp, or "".
// Only time.Time: a pointer would add a nil state that the repository
// overwrites on every write anyway.
func timeType(t types.Type) string {
	if isTimeTime(t) {
		return ""
	}
	return "created and updated fields must be time.Time"
}

func isTimeTime(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" && n.Obj().Name() == "Time"
}

// isDateTime reports whether t is a type MongoDB stores as a BSON date:
// time.Time, bson.DateTime, or a pointer to one of them.
func isDateTime(t types.Type) bool {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	if isTimeTime(t) {
		return true
	}
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == bsonPkg && n.Obj().Name() == "DateTime"
}
