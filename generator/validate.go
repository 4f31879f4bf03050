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
