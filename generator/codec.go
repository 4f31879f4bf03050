package generator

import (
	"go/types"
	"reflect"
	"slices"
	"strings"

	"golang.org/x/tools/go/types/typeutil"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// codecMethods are the methods the generated codec of a struct type
// declares: a type that has one (or a field of that name) keeps the
// driver's codec, as does one whose package declares its model.CodecVar.
var codecMethods = []string{"MarshalBSON", "UnmarshalBSON", "UnmarshalBSONValue"}

// hookMethods are the methods through which the driver lets a type encode
// or decode itself; a type with one is left to the driver.
var hookMethods = []string{"MarshalBSON", "UnmarshalBSON", "MarshalBSONValue", "UnmarshalBSONValue"}

// codecs describes the generated codecs of the package: the annotated
// types and the struct types of the package they contain through fields,
// pointers, slices and maps, each unless the driver must keep it (it has
// its own BSON methods, a generic type, or a field layout the driver
// refuses).
func (b *builder) codecs(ts []*model.Type) []*model.Codec {
	c := &codecBuilder{b: b, included: map[*types.Named]bool{}}
	for _, t := range ts {
		if obj, ok := b.pkg.Scope().Lookup(t.Name).(*types.TypeName); ok {
			if named, ok := obj.Type().(*types.Named); ok {
				c.collect(named)
			}
		}
	}
	out := make([]*model.Codec, 0, len(c.order))
	for _, named := range c.order {
		out = append(out, c.describe(named))
	}
	slices.SortFunc(out, func(x, y *model.Codec) int { return strings.Compare(x.Name, y.Name) })
	markCycles(out)
	return out
}

// markCycles sets CodecType.Cyclic on the references from one codec to
// another that stores, through its fields, the first one back (or is it):
// those of one strongly connected component of the codecs' graph.
func markCycles(codecs []*model.Codec) {
	index := map[string]int{}
	for i, c := range codecs {
		index[c.Name] = i
	}
	// Tarjan's algorithm, over the codecs' references.
	var (
		next, order = 0, make([]int, len(codecs)) // order: 1 + visit order, 0 unvisited
		low         = make([]int, len(codecs))
		comp        = make([]int, len(codecs))
		stack       []int
		onStack     = make([]bool, len(codecs))
		comps       = 0
	)
	var visit func(v int)
	visit = func(v int) {
		next++
		order[v], low[v] = next, next
		stack, onStack[v] = append(stack, v), true
		for _, t := range codecs[v].StructRefs() {
			w, ok := index[t.Go.Name]
			switch {
			case !ok:
			case order[w] == 0:
				visit(w)
				low[v] = min(low[v], low[w])
			case onStack[w]:
				low[v] = min(low[v], order[w])
			}
		}
		if low[v] == order[v] {
			for {
				w := stack[len(stack)-1]
				stack, onStack[w] = stack[:len(stack)-1], false
				comp[w] = comps
				if w == v {
					break
				}
			}
			comps++
		}
	}
	for v := range codecs {
		if order[v] == 0 {
			visit(v)
		}
	}
	for v, c := range codecs {
		for _, t := range c.StructRefs() {
			if w, ok := index[t.Go.Name]; ok && comp[w] == comp[v] {
				t.Cyclic = true
			}
		}
	}
}

type codecBuilder struct {
	b        *builder
	included map[*types.Named]bool // decided: true when it gets a codec
	order    []*types.Named        // those that do, in discovery order
	// methods keeps the method sets isZeroer reads: the same few types
	// (time.Time, a shared struct) are the fields of every type.
	methods typeutil.MethodSetCache
}

// codecEntry is a stored field found by flatten.
type codecEntry struct {
	key   string
	path  []model.CodecStep
	typ   types.Type
	tag   bsonTag
	depth int
}

// collect decides whether named gets a codec and, when it does, visits the
// struct types its fields contain.
func (c *codecBuilder) collect(named *types.Named) {
	if _, seen := c.included[named]; seen {
		return
	}
	c.included[named] = false
	st, ok := named.Underlying().(*types.Struct)
	if !ok || named.Obj().Pkg() != c.b.pkg || named.TypeParams().Len() > 0 || c.b.pkg.Scope().Lookup(model.CodecVar(named.Obj().Name())) != nil || hasMethod(named, codecMethods...) || hasMethod(named, hookMethods...) {
		return
	}
	entries, inlineMap, ok := c.flatten(st, nil, 0, []*types.Named{named})
	if !ok {
		return
	}
	if inlineMap != nil {
		// Its values are decoded one at a time: generated code names
		// their type.
		if _, ok := c.typeRef(inlineMap.typ.Underlying().(*types.Map).Elem()); !ok {
			return
		}
	}
	c.included[named] = true
	c.order = append(c.order, named)
	for _, e := range entries {
		c.visit(e.typ)
	}
	if inlineMap != nil {
		c.visit(inlineMap.typ)
	}
}

// visit collects the struct types a field of type t holds.
func (c *codecBuilder) visit(t types.Type) {
	switch u := types.Unalias(t).(type) {
	case *types.Named:
		if _, ok := u.Underlying().(*types.Struct); ok {
			c.collect(u)
			return
		}
		c.visit(u.Underlying())
	case *types.Pointer:
		c.visit(u.Elem())
	case *types.Slice:
		c.visit(u.Elem())
	case *types.Map:
		c.visit(u.Elem())
	}
}

// flatten lists the stored fields of st as the driver's describeStructSlow
// does, and its inline map; ok is false for a layout the driver refuses
// (the builder reports those of the types it describes).
func (c *codecBuilder) flatten(st *types.Struct, prefix []model.CodecStep, depth int, stack []*types.Named) (entries []codecEntry, inlineMap *codecEntry, ok bool) {
	for i := 0; i < st.NumFields(); i++ {
		v := st.Field(i)
		if !v.Exported() {
			continue
		}
		tag := parseBSONTag(v.Name(), reflect.StructTag(st.Tag(i)))
		if tag.skip {
			continue
		}
		if strings.IndexByte(tag.name, 0) >= 0 {
			return nil, nil, false
		}
		path := append(slices.Clip(prefix), model.CodecStep{Name: v.Name()})
		if !tag.inline {
			entries = append(entries, codecEntry{key: tag.name, path: path, typ: v.Type(), tag: tag, depth: depth})
			continue
		}
		t := types.Unalias(v.Type())
		if m, isMap := t.Underlying().(*types.Map); isMap {
			if inlineMap != nil || !types.Identical(m.Key(), types.Typ[types.String]) {
				return nil, nil, false
			}
			inlineMap = &codecEntry{path: path, typ: v.Type(), tag: tag}
			continue
		}
		if p, isPtr := t.Underlying().(*types.Pointer); isPtr {
			t, path[len(path)-1].Pointer = types.Unalias(p.Elem()), true
		}
		inner, isStruct := t.Underlying().(*types.Struct)
		named, _ := t.(*types.Named)
		if !isStruct || (named != nil && slices.Contains(stack, named)) {
			return nil, nil, false
		}
		// The driver ignores the inline map of an inlined struct.
		sub, _, ok := c.flatten(inner, path, depth+1, append(stack, named))
		if !ok {
			return nil, nil, false
		}
		entries = append(entries, sub...)
	}
	// The shallowest of the fields sharing a key wins; two at the same
	// depth make the driver refuse the type.
	kept := entries[:0:0]
	for _, e := range entries {
		best := true
		for _, o := range entries {
			if o.key != e.key || o.depth > e.depth || (o.depth == e.depth && slices.Equal(o.path, e.path)) {
				continue
			}
			if o.depth == e.depth {
				return nil, nil, false
			}
			best = false
		}
		if best {
			kept = append(kept, e)
		}
	}
	return kept, inlineMap, true
}

// describe builds the codec of a collected type.
func (c *codecBuilder) describe(named *types.Named) *model.Codec {
	st := named.Underlying().(*types.Struct)
	entries, inlineMap, _ := c.flatten(st, nil, 0, []*types.Named{named})
	out := &model.Codec{Name: named.Obj().Name()}
	for _, e := range entries {
		out.Fields = append(out.Fields, c.field(e))
	}
	if inlineMap != nil {
		m := c.field(*inlineMap)
		m.Type.Kind = model.CodecMap
		m.Type.Elem = c.codecType(inlineMap.typ.Underlying().(*types.Map).Elem())
		out.InlineMap = m
	}
	return out
}

func (c *codecBuilder) field(e codecEntry) *model.CodecField {
	return &model.CodecField{
		Key:       e.key,
		Path:      e.path,
		Type:      c.codecType(e.typ),
		OmitEmpty: e.tag.omitEmpty,
		MinSize:   e.tag.minSize,
		Truncate:  e.tag.truncate,
	}
}

// codecType says how generated code handles a value of type t: natively
// when the driver finds its codec by kind (or it is time.Time,
// bson.ObjectID or []byte), else through the driver.
func (c *codecBuilder) codecType(t types.Type) *model.CodecType {
	t = types.Unalias(t)
	ref, ok := c.typeRef(t)
	// A value left to the driver keeps its spelling, when it has one,
	// for the inline map of such values.
	fallback := &model.CodecType{Kind: model.CodecFallback, Go: ref}
	if !ok {
		return fallback
	}
	ct := &model.CodecType{Go: ref, Zeroer: c.isZeroer(t)}
	if named, ok := t.(*types.Named); ok {
		path := ""
		if pkg := named.Obj().Pkg(); pkg != nil {
			path = pkg.Path()
		}
		switch {
		case path == "time" && named.Obj().Name() == "Time":
			ct.Kind = model.CodecTime
			return ct
		case path == bsonPkg && named.Obj().Name() == "ObjectID":
			ct.Kind = model.CodecObjectID
			return ct
		case driverTyped(path), hasMethod(named, hookMethods...):
			return fallback
		}
		if _, isStruct := named.Underlying().(*types.Struct); isStruct {
			if !c.included[named] {
				return fallback
			}
			ct.Kind = model.CodecStruct
			return ct
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		ct.Kind = basicCodec(u.Kind())
	case *types.Pointer:
		if _, named := t.(*types.Named); named {
			return fallback // a named pointer type is no *E to the generic code
		}
		ct.Kind, ct.Elem = model.CodecPointer, c.codecType(u.Elem())
	case *types.Slice:
		if b, ok := u.Elem().Underlying().(*types.Basic); ok && b.Kind() == types.Uint8 {
			if types.Identical(t, types.NewSlice(types.Typ[types.Uint8])) {
				ct.Kind = model.CodecBytes
			}
			break
		}
		if named, ok := types.Unalias(u.Elem()).(*types.Named); ok && named.Obj().Pkg() != nil && named.Obj().Pkg().Path() == bsonPkg && named.Obj().Name() == "E" {
			break // a bson.D-like slice is a document
		}
		ct.Kind, ct.Elem = model.CodecSlice, c.codecType(u.Elem())
	case *types.Map:
		if types.Identical(u.Key(), types.Typ[types.String]) {
			ct.Kind, ct.Elem = model.CodecMap, c.codecType(u.Elem())
		}
	}
	if ct.Elem != nil && ct.Elem.Kind == model.CodecFallback {
		return fallback
	}
	return ct
}

func basicCodec(k types.BasicKind) model.CodecKind {
	switch k {
	case types.Bool:
		return model.CodecBool
	case types.String:
		return model.CodecString
	case types.Int8, types.Int16, types.Int32:
		return model.CodecInt32
	case types.Int:
		return model.CodecInt
	case types.Int64:
		return model.CodecInt64
	case types.Uint8, types.Uint16:
		return model.CodecUint16
	case types.Uint, types.Uint32, types.Uint64:
		return model.CodecUint
	case types.Float32, types.Float64:
		return model.CodecFloat
	}
	return model.CodecFallback
}

// driverTyped reports a package whose named types the driver's registry
// has codecs for by type (bson.D, bson.Decimal128, json.Number, url.URL,
// bsoncore.Document, ...).
func driverTyped(path string) bool {
	return path == bsonPkg || strings.HasPrefix(path, "go.mongodb.org/mongo-driver/v2/") || path == "encoding/json" || path == "net/url"
}

// hasMethod reports whether *named has a method or field of one of names.
func hasMethod(named *types.Named, names ...string) bool {
	for _, n := range names {
		if obj, _, _ := types.LookupFieldOrMethod(types.NewPointer(named), true, named.Obj().Pkg(), n); obj != nil {
			return true
		}
	}
	return false
}

// isZeroer reports whether t has the method IsZero() bool the driver's
// omitempty consults.
func (c *codecBuilder) isZeroer(t types.Type) bool {
	sel := c.methods.MethodSet(t).Lookup(nil, "IsZero")
	if sel == nil {
		return false
	}
	sig, ok := sel.Type().(*types.Signature)
	return ok && sig.Params().Len() == 0 && sig.Results().Len() == 1 && types.Identical(sig.Results().At(0).Type(), types.Typ[types.Bool])
}

// typeRef spells t for generated code, or reports that it cannot (a type
// another package does not export, a type literal generated code does not
// spell); such a field is left to the driver, which needs no spelling.
func (c *codecBuilder) typeRef(t types.Type) (model.TypeRef, bool) {
	switch t := types.Unalias(t).(type) {
	case *types.Named:
		obj := t.Obj()
		if obj.Pkg() == nil || t.TypeArgs().Len() > 0 || (obj.Pkg() != c.b.pkg && !obj.Exported()) {
			return model.TypeRef{}, false
		}
		return model.TypeRef{Kind: model.Named, Name: obj.Name(), PkgPath: c.b.pkgPath(obj.Pkg()), PkgName: c.b.pkgName(obj.Pkg())}, true
	case *types.Basic:
		return model.TypeRef{Kind: model.Basic, Name: t.Name()}, true
	case *types.Interface:
		return model.TypeRef{Kind: model.Basic, Name: "any"}, t.Empty()
	case *types.Pointer:
		elem, ok := c.typeRef(t.Elem())
		return model.TypeRef{Kind: model.Pointer, Elem: &elem}, ok
	case *types.Slice:
		elem, ok := c.typeRef(t.Elem())
		return model.TypeRef{Kind: model.Slice, Elem: &elem}, ok
	case *types.Map:
		key, ok1 := c.typeRef(t.Key())
		elem, ok2 := c.typeRef(t.Elem())
		return model.TypeRef{Kind: model.Map, Key: &key, Elem: &elem}, ok1 && ok2
	}
	return model.TypeRef{}, false
}
