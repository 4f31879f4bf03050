package generator

import (
	"fmt"
	"go/types"
	"reflect"
	"slices"
	"strings"

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

// level is where describe is: the prefixes of the paths of the fields of
// the struct it describes, and the named structs it is inside of.
type level struct {
	goPrefix   string // Go path: "Address."
	promPrefix string // Go selector with promotion through embedded fields
	bsonPrefix string // "address."
	viaPtr     bool   // the Go path passes through a pointer
	multikey   bool   // the path passes through an array of sub-documents
	stack      []*types.Named
}

// inside returns the level of the fields of a struct stored at e's place,
// bsonPrefix given: inline structs keep their parent's.
func (lv level) inside(v *types.Var, bsonPrefix string, ptr bool, named *types.Named) level {
	in := level{
		goPrefix:   lv.goPrefix + v.Name() + ".",
		promPrefix: lv.promPrefix + v.Name() + ".",
		bsonPrefix: bsonPrefix,
		viaPtr:     lv.viaPtr || ptr,
		multikey:   lv.multikey,
		stack:      lv.stack,
	}
	if v.Embedded() {
		// Go promotes the fields of an embedded field past its name.
		in.promPrefix = lv.promPrefix
	}
	if named != nil {
		in.stack = append(slices.Clip(lv.stack), named)
	}
	return in
}

// describe lists the stored fields of struct st the way the driver's struct
// codec does (describeStructSlow): unexported fields skipped, "-" skipped,
// inline structs flattened in place, and on a key clash the shallowest field
// wins (two at the same depth are an error at encode time, so an error here).
func (b *builder) describe(st *types.Struct, lv level) []*entry {
	var list []*entry
	inlineMap := ""
	for i := 0; i < st.NumFields(); i++ {
		v := st.Field(i)
		tag := reflect.StructTag(st.Tag(i))
		pos := b.position(v.Pos())
		goPath := lv.goPrefix + v.Name()
		opts := b.parseTagOptions(tag, goPath, pos)
		bt := parseBSONTag(v.Name(), tag)
		switch {
		case !v.Exported():
			if opts.any() {
				b.errs.add(pos, "mongotxgen option %s on unexported field %s, which the driver does not store", opts.names(), goPath)
			}
		case bt.skip:
			if opts.any() {
				b.errs.add(pos, "mongotxgen option %s on field %s, which bson:\"-\" skips", opts.names(), goPath)
			}
		case bt.inline:
			if opts.any() {
				b.errs.add(pos, "mongotxgen option %s on inline field %s: put it on the fields it inlines", opts.names(), goPath)
			}
			list = append(list, b.describeInline(v, pos, lv, &inlineMap)...)
		default:
			if msg := badKey(bt.name); msg != "" {
				b.errs.add(pos, "field %s: bson key %q %s", goPath, bt.name, msg)
			} else if e := b.describeStored(v, pos, bt, opts, lv); e != nil {
				list = append(list, e)
			}
		}
	}
	return b.dominate(list)
}

// describeInline describes the fields an inline field v flattens into its
// parent: those of a struct, or none for a map (its keys are dynamic: they
// get no typed fields; filters reach them through runtime.Raw). inlineMap
// is the struct's inline map so far: the driver allows one.
func (b *builder) describeInline(v *types.Var, pos model.Pos, lv level, inlineMap *string) []*entry {
	goPath := lv.goPrefix + v.Name()
	refused := func() []*entry {
		b.errs.add(pos, "inline field %s must be a struct, a pointer to a struct or a map (the driver refuses %s)", goPath, types.TypeString(v.Type(), b.qualifier))
		return nil
	}
	t, ptr := derefOnce(v.Type())
	switch u := t.Underlying().(type) {
	case *types.Map:
		if k, ok := u.Key().(*types.Basic); ptr || !ok || k.Kind() != types.String {
			if ptr {
				return refused()
			}
			b.errs.add(pos, "inline map %s must have key type string (the driver refuses %s)", goPath, types.TypeString(v.Type(), b.qualifier))
			return nil
		}
		if *inlineMap != "" {
			b.errs.add(pos, "inline map %s: the struct already has inline map %s (the driver allows one)", goPath, *inlineMap)
			return nil
		}
		*inlineMap = goPath
		return nil
	case *types.Struct:
		named, _ := t.(*types.Named)
		if named != nil && slices.Contains(lv.stack, named) {
			b.errs.add(pos, "inline field %s inlines its own type %s", goPath, named.Obj().Name())
			return nil
		}
		list := b.describe(u, lv.inside(v, lv.bsonPrefix, ptr, named))
		for _, e := range list {
			e.depth++
		}
		return list
	}
	return refused()
}

// describeStored describes a field stored under its own key. A struct the
// driver encodes with its struct codec is a sub-document: its fields are
// described too, unless it is already being described (a recursive type).
func (b *builder) describeStored(v *types.Var, pos model.Pos, bt bsonTag, opts tagOptions, lv level) *entry {
	goPath := lv.goPrefix + v.Name()
	ref, ok := b.typeRef(v.Type(), pos, goPath)
	if !ok {
		return nil
	}
	f := &model.Field{
		GoName:    v.Name(),
		GoPath:    goPath,
		BSONName:  bt.name,
		BSONPath:  lv.bsonPrefix + bt.name,
		Type:      ref,
		Pos:       pos,
		OmitEmpty: bt.omitEmpty,
		Kind:      fieldKind(v.Type()),
		Multikey:  lv.multikey,
	}
	e := &entry{f: f, opts: opts, promoted: lv.promPrefix + v.Name(), viaPtr: lv.viaPtr, typ: v.Type()}
	if f.Kind == model.SliceKind || f.Kind == model.StructSliceKind {
		elem, ok := b.typeRef(v.Type().Underlying().(*types.Slice).Elem(), pos, goPath)
		if !ok {
			return nil
		}
		f.Elem = &elem
	}
	if f.Kind == model.StructSliceKind {
		b.describeElements(e, v, lv)
		return e
	}
	t, ptr := deref(v.Type())
	u, isStruct := t.Underlying().(*types.Struct)
	if !isStruct || opaque(t) {
		b.checkElements(v.Type(), goPath, map[*types.Named]bool{})
		return e
	}
	named, _ := t.(*types.Named)
	if named != nil && slices.Contains(lv.stack, named) {
		return e
	}
	e.nested = b.describeNested(u, named, lv.inside(v, f.BSONPath+".", ptr, named))
	for _, n := range e.nested {
		f.Nested = append(f.Nested, n.f)
	}
	return e
}

// describeElements describes the fields of the elements of e, a slice of
// structs stored as an array of sub-documents: they are sub-fields at
// "path.sub" whose paths pass through the array. A recursive element type
// is described once, as for sub-documents.
func (b *builder) describeElements(e *entry, v *types.Var, lv level) {
	elem := types.Unalias(v.Type().Underlying().(*types.Slice).Elem())
	named, _ := elem.(*types.Named)
	if named != nil && slices.Contains(lv.stack, named) {
		return
	}
	in := lv.inside(v, e.f.BSONPath+".", false, named)
	in.multikey = true
	e.nested = b.describeNested(structElem(elem), named, in)
	for _, n := range e.nested {
		e.f.Nested = append(e.f.Nested, n.f)
	}
}

// deref returns t without its pointers, and whether there were any.
func deref(t types.Type) (types.Type, bool) {
	t = types.Unalias(t)
	ptr := false
	for {
		p, ok := t.Underlying().(*types.Pointer)
		if !ok {
			return t, ptr
		}
		t, ptr = types.Unalias(p.Elem()), true
	}
}

// derefOnce returns t without one pointer, and whether there was one.
func derefOnce(t types.Type) (types.Type, bool) {
	t = types.Unalias(t)
	if p, ok := t.Underlying().(*types.Pointer); ok {
		return types.Unalias(p.Elem()), true
	}
	return t, false
}

// checkElements refuses unique and index options on the fields of structs
// stored as elements of a slice, array or map of type t at goPath: they would
// get no index, since typed paths through arrays do not exist yet. A struct
// that is itself a collection type is exempt: its options serve its own
// collection.
func (b *builder) checkElements(t types.Type, goPath string, seen map[*types.Named]bool) {
	t, _ = deref(t)
	var elem types.Type
	var where string
	switch u := t.Underlying().(type) {
	case *types.Slice:
		elem, where = u.Elem(), "slice "+goPath
	case *types.Array:
		elem, where = u.Elem(), "array "+goPath
	case *types.Map:
		elem, where = u.Elem(), "map "+goPath
	default:
		return
	}
	elem, _ = deref(elem)
	st, ok := elem.Underlying().(*types.Struct)
	if !ok || opaque(elem) {
		b.checkElements(elem, goPath, seen) // [][]S
		return
	}
	named, _ := elem.(*types.Named)
	if named != nil {
		if seen[named] || (named.Obj().Pkg() == b.pkg && b.collectionTypes[named.Obj().Name()]) {
			return
		}
		seen[named] = true
	}
	b.checkElementFields(st, elemName(elem), where, goPath, seen)
}

// elemName is how messages name the struct type of array elements.
func elemName(t types.Type) string {
	if named, ok := t.(*types.Named); ok {
		return named.Obj().Name()
	}
	return "struct"
}

// checkElementFields is checkElements for the fields of st, reached as
// prefix inside the elements of where (slice Editions), and of the structs
// inside them.
func (b *builder) checkElementFields(st *types.Struct, prefix, where, goPath string, seen map[*types.Named]bool) {
	for i := 0; i < st.NumFields(); i++ {
		v := st.Field(i)
		val, _ := reflect.StructTag(st.Tag(i)).Lookup("mongotxgen")
		for opt := range strings.SplitSeq(val, ",") {
			if opt == "unique" || opt == "index" {
				b.errs.add(b.position(v.Pos()), "mongotxgen option %s on field %s makes no index: it is stored in the elements of %s, and indexes through maps, Go arrays and slices of pointers are not supported (a slice of structs is): remove the option", opt, prefix+"."+v.Name(), where)
			}
		}
		t, _ := deref(v.Type())
		if inner, ok := t.Underlying().(*types.Struct); ok && !opaque(t) {
			named, _ := t.(*types.Named)
			if named == nil || !seen[named] {
				if named != nil {
					seen[named] = true
				}
				b.checkElementFields(inner, prefix+"."+v.Name(), where, goPath, seen)
			}
			continue
		}
		b.checkElements(v.Type(), goPath, seen)
	}
}

// describeNested describes the fields of a struct stored as a
// sub-document. A struct of another package whose fields have types that
// package does not export cannot get typed fields (generated code could not
// name them); it is then a single value, Field[T] of the whole sub-document,
// and nil is returned.
func (b *builder) describeNested(st *types.Struct, named *types.Named, lv level) []*entry {
	if named == nil || named.Obj().Pkg() == b.pkg {
		return b.describe(st, lv)
	}
	saved, before := b.errs, b.unnameable
	b.errs = &errorSink{}
	list := b.describe(st, lv)
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

// suggestField returns the suggestion for an unknown index field path: the
// Go path of the field stored at path when path is a BSON path, else the
// closest Go path.
func suggestField(path string, lookup map[string]*entry) string {
	for _, goPath := range sortedKeys(lookup) {
		if e := lookup[goPath]; e != nil && e.f.GoPath == goPath && (e.f.BSONPath == path || strings.EqualFold(goPath, path)) {
			return fmt.Sprintf(" (index directives name Go field paths: did you mean %s, stored at %q?)", goPath, e.f.BSONPath)
		}
	}
	names := make([]string, 0, len(lookup))
	for p := range lookup {
		names = append(names, p)
	}
	slices.Sort(names)
	return suggest(path, names...)
}
