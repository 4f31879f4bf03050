package generator

import (
	"go/types"
	"reflect"
	"slices"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// entry is a field being built, with what validation needs beyond the model.
type entry struct {
	f        *model.Field
	opts     tagOptions
	depth    int    // inline depth relative to the struct being described
	promoted string // Go selector using promotion through embedded fields, e.g. "ID" for Base.ID
	viaPtr   bool   // the Go path from the collection type passes through a pointer
	typ      types.Type
	nested   []*entry
}

// describe lists the stored fields of struct st the way the driver's struct
// codec does (describeStructSlow): unexported fields skipped, "-" skipped,
// inline structs flattened in place, and on a key clash the shallowest field
// wins (two at the same depth are an error at encode time, so an error here).
func (b *builder) describe(st *types.Struct, goPrefix, promPrefix, bsonPrefix string, viaPtr bool, stack []*types.Named) []*entry {
	var list []*entry
	inlineMap := ""
	for i := 0; i < st.NumFields(); i++ {
		v := st.Field(i)
		tag := reflect.StructTag(st.Tag(i))
		pos := b.position(v.Pos())
		goPath := goPrefix + v.Name()
		opts := b.parseTagOptions(tag, goPath, pos)
		if !v.Exported() {
			if opts.any() {
				b.errs.add(pos, "mongotxgen option %s on unexported field %s, which the driver does not store", opts.names(), goPath)
			}
			continue
		}
		bt := parseBSONTag(v.Name(), tag)
		if bt.skip {
			if opts.any() {
				b.errs.add(pos, "mongotxgen option %s on field %s, which bson:\"-\" skips", opts.names(), goPath)
			}
			continue
		}
		if !bt.inline {
			if msg := badKey(bt.name); msg != "" {
				b.errs.add(pos, "field %s: bson key %q %s", goPath, bt.name, msg)
				continue
			}
		}
		// The field's own promoted selector, and its fields' prefix: Go
		// promotes the fields of an embedded field past its name.
		prom, childProm := promPrefix+v.Name(), promPrefix+v.Name()+"."
		if v.Embedded() {
			childProm = promPrefix
		}
		if bt.inline {
			if opts.any() {
				b.errs.add(pos, "mongotxgen option %s on inline field %s: put it on the fields it inlines", opts.names(), goPath)
			}
			t := types.Unalias(v.Type())
			ptr := false
			if p, ok := t.Underlying().(*types.Pointer); ok {
				t, ptr = types.Unalias(p.Elem()), true
			}
			switch u := t.Underlying().(type) {
			case *types.Map:
				if ptr {
					b.errs.add(pos, "inline field %s must be a struct, a pointer to a struct or a map (the driver refuses %s)", goPath, types.TypeString(v.Type(), b.qualifier))
					continue
				}
				if k, ok := u.Key().(*types.Basic); !ok || k.Kind() != types.String {
					b.errs.add(pos, "inline map %s must have key type string (the driver refuses %s)", goPath, types.TypeString(v.Type(), b.qualifier))
					continue
				}
				if inlineMap != "" {
					b.errs.add(pos, "inline map %s: the struct already has inline map %s (the driver allows one)", goPath, inlineMap)
					continue
				}
				// The map's keys are dynamic: they get no typed fields;
				// filters reach them through runtime.Raw.
				inlineMap = goPath
			case *types.Struct:
				named, _ := t.(*types.Named)
				if named != nil && slices.Contains(stack, named) {
					b.errs.add(pos, "inline field %s inlines its own type %s", goPath, named.Obj().Name())
					continue
				}
				if named != nil {
					stack = append(stack, named)
				}
				for _, e := range b.describe(u, goPath+".", childProm, bsonPrefix, viaPtr || ptr, stack) {
					e.depth++
					list = append(list, e)
				}
				if named != nil {
					stack = stack[:len(stack)-1]
				}
			default:
				b.errs.add(pos, "inline field %s must be a struct, a pointer to a struct or a map (the driver refuses %s)", goPath, types.TypeString(v.Type(), b.qualifier))
			}
			continue
		}
		ref, ok := b.typeRef(v.Type(), pos, goPath)
		if !ok {
			continue
		}
		f := &model.Field{
			GoName:    v.Name(),
			GoPath:    goPath,
			BSONName:  bt.name,
			BSONPath:  bsonPrefix + bt.name,
			Type:      ref,
			Pos:       pos,
			OmitEmpty: bt.omitEmpty,
		}
		e := &entry{f: f, opts: opts, promoted: prom, viaPtr: viaPtr, typ: v.Type()}
		// A struct the driver encodes with its struct codec is a sub-document:
		// describe it, unless it is already being described (a recursive type).
		t := types.Unalias(v.Type())
		ptr := false
		for {
			p, ok := t.Underlying().(*types.Pointer)
			if !ok {
				break
			}
			t, ptr = types.Unalias(p.Elem()), true
		}
		if u, ok := t.Underlying().(*types.Struct); ok && !opaque(t) {
			named, _ := t.(*types.Named)
			if named == nil || !slices.Contains(stack, named) {
				if named != nil {
					stack = append(stack, named)
				}
				e.nested = b.describeNested(u, named, goPath+".", childProm, f.BSONPath+".", viaPtr || ptr, stack)
				if named != nil {
					stack = stack[:len(stack)-1]
				}
				if e.nested != nil {
					f.Nested = make([]*model.Field, 0, len(e.nested))
					for _, n := range e.nested {
						f.Nested = append(f.Nested, n.f)
					}
				}
			}
		}
		list = append(list, e)
	}
	return b.dominate(list)
}

// describeNested describes the fields of a struct stored as a
// sub-document. A struct of another package whose fields have types that
// package does not export cannot get typed fields (generated code could not
// name them); it is then a single value, Field[T] of the whole sub-document,
// and nil is returned.
func (b *builder) describeNested(st *types.Struct, named *types.Named, goPrefix, promPrefix, bsonPrefix string, viaPtr bool, stack []*types.Named) []*entry {
	if named == nil || named.Obj().Pkg() == b.pkg {
		return b.describe(st, goPrefix, promPrefix, bsonPrefix, viaPtr, stack)
	}
	saved, before := b.errs, b.unnameable
	b.errs = &errorSink{}
	list := b.describe(st, goPrefix, promPrefix, bsonPrefix, viaPtr, stack)
	scratch := b.errs
	b.errs = saved
	if b.unnameable > before {
		b.unnameable = before
		return nil
	}
	b.errs.list = append(b.errs.list, scratch.list...)
	return list
}

// dominate applies the driver's rule for fields sharing a BSON key: the
// shallowest (least inlined) wins and the others are not stored; two at the
// same depth make the driver fail with "duplicated key".
func (b *builder) dominate(list []*entry) []*entry {
	byName := map[string][]*entry{}
	for _, e := range list {
		byName[e.f.BSONName] = append(byName[e.f.BSONName], e)
	}
	drop := map[*entry]bool{}
	for _, group := range byName {
		if len(group) < 2 {
			continue
		}
		minDepth := group[0].depth
		for _, e := range group {
			minDepth = min(minDepth, e.depth)
		}
		var winner *entry
		for _, e := range group {
			switch {
			case e.depth > minDepth:
				drop[e] = true
				if e.opts.any() {
					b.errs.add(e.f.Pos, "field %s is not stored: field %s has the same bson key %q and wins (it is less deeply inlined), so its mongotxgen option %s has no effect", e.f.GoPath, pick(group, minDepth).f.GoPath, e.f.BSONName, e.opts.names())
				}
			case winner == nil:
				winner = e
			default:
				drop[e] = true
				b.errs.add(e.f.Pos, "bson key %q of field %s clashes with field %s at %s: the driver refuses duplicated keys", e.f.BSONName, e.f.GoPath, winner.f.GoPath, winner.f.Pos.Short())
			}
		}
	}
	if len(drop) == 0 {
		return list
	}
	return slices.DeleteFunc(list, func(e *entry) bool { return drop[e] })
}

func pick(group []*entry, depth int) *entry {
	for _, e := range group {
		if e.depth == depth {
			return e
		}
	}
	return group[0]
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
