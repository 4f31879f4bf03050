package generator

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"slices"
	"strings"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

const bsonPkg = "go.mongodb.org/mongo-driver/v2/bson"

// annotated is a type declaration whose doc comment holds directives.
type annotated struct {
	spec       *ast.TypeSpec
	name       string
	pos        model.Pos // of the type name
	directives []directive
}

// builder builds and validates the model of one package.
type builder struct {
	fset  *token.FileSet
	pkg   *types.Package
	files []*ast.File
	errs  *errorSink

	// sawInvalid records a field whose type did not type-check: the
	// package's type errors explain it.
	sawInvalid bool
	// unnameable counts field types generated code could not name.
	unnameable int
}

func (b *builder) position(p token.Pos) model.Pos {
	if !p.IsValid() {
		return model.Pos{}
	}
	pp := b.fset.Position(p)
	return model.Pos{File: pp.Filename, Line: pp.Line, Col: pp.Column}
}

// scan finds every //mongotxgen: directive of the package's files and
// attaches it to the type whose doc comment holds it; a directive anywhere
// else is an error.
func (b *builder) scan() []*annotated {
	var out []*annotated
	for _, f := range b.files {
		owner := map[*ast.CommentGroup]*annotated{}
		groupDoc := map[*ast.CommentGroup]bool{}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				spec := s.(*ast.TypeSpec)
				a := &annotated{spec: spec, name: spec.Name.Name, pos: b.position(spec.Name.Pos())}
				if spec.Doc != nil {
					owner[spec.Doc] = a
				}
				if gd.Doc != nil && len(gd.Specs) == 1 {
					owner[gd.Doc] = a
				}
			}
			if gd.Doc != nil && len(gd.Specs) > 1 {
				groupDoc[gd.Doc] = true
			}
		}
		seen := map[*annotated]bool{}
		for _, g := range f.Comments {
			for _, c := range g.List {
				d, ok := splitDirective(b.fset, c)
				if !ok {
					continue
				}
				a := owner[g]
				switch {
				case a != nil:
					a.directives = append(a.directives, d)
					if !seen[a] {
						seen[a] = true
						out = append(out, a)
					}
				case groupDoc[g]:
					b.errs.add(d.pos, "//mongotxgen:%s directive in the doc comment of a type group: move it to the doc comment of the type it annotates", d.name)
				default:
					b.errs.add(d.pos, "misplaced //mongotxgen:%s directive: it must be in the doc comment of a struct type", d.name)
				}
			}
		}
	}
	return out
}

// collectionSpec is an annotated type's parsed directives.
type collectionSpec struct {
	name          string
	pos           model.Pos // of the collection directive, else of the first one
	hasCollection bool
	indexes       []*indexSpec
}

// parseDirectives validates an annotated type's directives. It reports
// false when the type cannot be generated; the spec is still returned, when
// the declaration is a plain type, so that the fields can be checked too and
// a run reports all problems at once.
func (b *builder) parseDirectives(a *annotated) (*collectionSpec, bool) {
	var cs collectionSpec
	ok := true
	var first *directive
	var indexPos model.Pos
	for i, d := range a.directives {
		switch d.name {
		case "collection":
			if first != nil {
				b.errs.add(d.pos, "duplicate //mongotxgen:collection directive for type %s (the first is at line %d)", a.name, first.pos.Line)
				ok = false
				continue
			}
			first = &a.directives[i]
			name, good := parseCollection(d, b.errs)
			ok = ok && good
			cs.name, cs.pos, cs.hasCollection = name, d.pos, true
		case "index":
			spec, good := parseIndex(d, b.errs)
			ok = ok && good
			if good {
				cs.indexes = append(cs.indexes, spec)
			}
			if indexPos == (model.Pos{}) {
				indexPos = d.pos
			}
		default:
			b.errs.add(d.pos, "unknown directive //mongotxgen:%s%s", d.name, suggest(d.name, "collection", "index"))
			ok = false
		}
	}
	if first == nil {
		if indexPos != (model.Pos{}) {
			b.errs.add(indexPos, "//mongotxgen:index on type %s, which has no //mongotxgen:collection directive", a.name)
		}
		cs.pos, ok = a.directives[0].pos, false
	}
	spec := a.spec
	switch {
	case spec.Assign.IsValid():
		b.errs.add(cs.pos, "//mongotxgen:%s on %s, which is a type alias: annotate the struct type it names", a.directives[0].name, a.name)
		return nil, false
	case spec.TypeParams != nil:
		b.errs.add(cs.pos, "//mongotxgen:%s on generic type %s: generic types are not supported (declare a non-generic type, e.g. type X %s[T])", a.directives[0].name, a.name, a.name)
		return nil, false
	}
	return &cs, ok
}

// tagOptions are the options of a field's mongotxgen struct tag.
type tagOptions struct {
	unique, index, version, created, updated bool
}

func (o tagOptions) any() bool { return o.unique || o.index || o.version || o.created || o.updated }

func (o tagOptions) names() string {
	var n []string
	for _, x := range []struct {
		on   bool
		name string
	}{{o.unique, "unique"}, {o.index, "index"}, {o.version, "version"}, {o.created, "created"}, {o.updated, "updated"}} {
		if x.on {
			n = append(n, x.name)
		}
	}
	return strings.Join(n, ",")
}

// parseTagOptions parses `mongotxgen:"OPT[,OPT]"`.
func (b *builder) parseTagOptions(tag reflect.StructTag, field string, pos model.Pos) tagOptions {
	var o tagOptions
	val, ok := tag.Lookup("mongotxgen")
	if !ok {
		return o
	}
	seen := map[string]bool{}
	for _, opt := range strings.Split(val, ",") {
		if seen[opt] {
			b.errs.add(pos, "duplicate option %q in mongotxgen tag of field %s", opt, field)
			continue
		}
		seen[opt] = true
		switch opt {
		case "unique":
			o.unique = true
		case "index":
			o.index = true
		case "version":
			o.version = true
		case "created":
			o.created = true
		case "updated":
			o.updated = true
		case "":
			b.errs.add(pos, "malformed mongotxgen tag %q of field %s: empty option", val, field)
		default:
			b.errs.add(pos, "unknown option %q in mongotxgen tag of field %s%s", opt, field,
				suggest(opt, "unique", "index", "version", "created", "updated"))
		}
	}
	if o.unique && o.index {
		b.errs.add(pos, "mongotxgen tag of field %s has both unique and index: unique already creates an index", field)
		o.index = false
	}
	return o
}

// bsonTag is the driver's reading of a field's struct tag; see
// parseStructTags in go.mongodb.org/mongo-driver/v2/bson.
type bsonTag struct {
	name      string
	omitEmpty bool
	inline    bool
	skip      bool
	minSize   bool
	truncate  bool
}

// parseBSONTag reads a struct tag exactly as the driver's default struct
// codec does: the bson key, or the whole tag when it has no key: value pairs
// at all (the mgo-era form `"name,omitempty"`); no name means the Go field
// name lowercased in full ("OwnerID" → "ownerid"); a tag of exactly "-"
// skips the field. json tags are not consulted: the driver only reads them
// when a client opts in with UseJSONStructTags.
func parseBSONTag(goName string, tag reflect.StructTag) bsonTag {
	t := bsonTag{name: strings.ToLower(goName)}
	s, ok := tag.Lookup("bson")
	if !ok && !strings.Contains(string(tag), ":") && len(tag) > 0 {
		s = string(tag)
	}
	if s == "-" {
		t.skip = true
		return t
	}
	for i, part := range strings.Split(s, ",") {
		if i == 0 && part != "" {
			t.name = part
		}
		switch part {
		case "omitempty":
			t.omitEmpty = true
		case "inline":
			t.inline = true
		case "minsize":
			t.minSize = true
		case "truncate":
			t.truncate = true
		}
	}
	return t
}

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
				b.errs.add(e.f.Pos, "bson key %q of field %s clashes with field %s at %s: the driver refuses duplicated keys", e.f.BSONName, e.f.GoPath, winner.f.GoPath, posString(winner.f.Pos))
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

// posString is the short form of a position used inside messages.
func posString(p model.Pos) string {
	return fmt.Sprintf("%s:%d:%d", baseName(p.File), p.Line, p.Col)
}

func baseName(file string) string {
	if i := strings.LastIndexAny(file, `/\`); i >= 0 {
		return file[i+1:]
	}
	return file
}

// qualifier writes types of the generated package unqualified and others
// by package name.
func (b *builder) qualifier(p *types.Package) string {
	if p == b.pkg {
		return ""
	}
	return p.Name()
}

// opaque reports whether the driver encodes values of struct type t with a
// codec of its own rather than as a document of t's fields: the types of the
// bson package, time.Time, url.URL, json.Number, and any type implementing
// bson.Marshaler or bson.ValueMarshaler (with a value or pointer receiver;
// recognised by method name).
func opaque(t types.Type) bool {
	named, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	if pkg := named.Obj().Pkg(); pkg != nil {
		switch pkg.Path() + "." + named.Obj().Name() {
		case "time.Time", "net/url.URL", "encoding/json.Number":
			return true
		}
		if pkg.Path() == bsonPkg {
			return true
		}
	}
	ms := types.NewMethodSet(types.NewPointer(named))
	for _, m := range []string{"MarshalBSON", "MarshalBSONValue"} {
		if ms.Lookup(named.Obj().Pkg(), m) != nil {
			return true
		}
	}
	return false
}

// storesNothing reports whether the driver's struct codec would write a
// value of struct st as an empty document although it holds data: st has
// fields, some unexported, and none the codec stores (exported and not
// bson:"-"). net/netip.Addr is one. A struct without any field, or whose
// exported fields are all skipped on purpose, loses nothing.
func storesNothing(st *types.Struct) bool {
	unexported := false
	for i := 0; i < st.NumFields(); i++ {
		v := st.Field(i)
		if !v.Exported() {
			unexported = true
			continue
		}
		if !parseBSONTag(v.Name(), reflect.StructTag(st.Tag(i))).skip {
			return false
		}
	}
	return unexported
}

// typeRef converts a field's Go type for the model, reporting types the
// driver cannot encode and types generated code cannot name.
func (b *builder) typeRef(t types.Type, pos model.Pos, field string) (model.TypeRef, bool) {
	bad := func(format string, args ...any) (model.TypeRef, bool) {
		b.errs.add(pos, "field %s: "+format, append([]any{field}, args...)...)
		return model.TypeRef{}, false
	}
	switch t := t.(type) {
	case *types.Alias:
		obj := t.Obj()
		if t.TypeArgs().Len() == 0 && obj.Pkg() != nil && (obj.Pkg() == b.pkg || obj.Exported()) {
			if _, ok := b.typeRef(types.Unalias(t), pos, field); !ok {
				return model.TypeRef{}, false
			}
			return model.TypeRef{Kind: model.Named, Name: obj.Name(), PkgPath: b.pkgPath(obj.Pkg()), PkgName: b.pkgName(obj.Pkg())}, true
		}
		return b.typeRef(types.Unalias(t), pos, field)
	case *types.Named:
		obj := t.Obj()
		if t.TypeArgs().Len() > 0 {
			return bad("generic type %s is not supported", types.TypeString(t, b.qualifier))
		}
		if obj.Pkg() == nil { // error
			return model.TypeRef{Kind: model.Named, Name: obj.Name()}, true
		}
		if obj.Pkg() != b.pkg && !obj.Exported() {
			b.unnameable++
			return bad("type %s is not exported by package %s, so generated code cannot name it", types.TypeString(t, b.qualifier), obj.Pkg().Path())
		}
		if u, ok := t.Underlying().(*types.Basic); ok && u.Kind() == types.Invalid {
			b.sawInvalid = true
			return model.TypeRef{}, false
		}
		if !opaque(t) {
			if msg := unencodable(t.Underlying()); msg != "" {
				return bad("type %s is %s, which the bson driver cannot encode", types.TypeString(t, b.qualifier), msg)
			}
			if st, ok := t.Underlying().(*types.Struct); ok && storesNothing(st) {
				return bad("type %s has no field the driver stores (only unexported or skipped ones) and no MarshalBSONValue or MarshalBSON method: "+
					"the driver would write it as an empty document and the value would be lost; store it through a named type "+
					"that implements bson.ValueMarshaler and bson.ValueUnmarshaler, or in a string field", types.TypeString(t, b.qualifier))
			}
		}
		return model.TypeRef{Kind: model.Named, Name: obj.Name(), PkgPath: b.pkgPath(obj.Pkg()), PkgName: b.pkgName(obj.Pkg())}, true
	case *types.Basic:
		if t.Kind() == types.Invalid {
			b.sawInvalid = true
			return model.TypeRef{}, false
		}
		if msg := unencodable(t); msg != "" {
			return bad("type %s is %s, which the bson driver cannot encode", t.Name(), msg)
		}
		return model.TypeRef{Kind: model.Basic, Name: t.Name()}, true
	case *types.Pointer:
		elem, ok := b.typeRef(t.Elem(), pos, field)
		return model.TypeRef{Kind: model.Pointer, Elem: &elem}, ok
	case *types.Slice:
		elem, ok := b.typeRef(t.Elem(), pos, field)
		return model.TypeRef{Kind: model.Slice, Elem: &elem}, ok
	case *types.Array:
		elem, ok := b.typeRef(t.Elem(), pos, field)
		return model.TypeRef{Kind: model.Array, Elem: &elem, Len: t.Len()}, ok
	case *types.Map:
		key, ok1 := b.typeRef(t.Key(), pos, field)
		elem, ok2 := b.typeRef(t.Elem(), pos, field)
		if ok1 && !encodableKey(t.Key()) {
			return bad("map key type %s cannot be a BSON key (the driver accepts string, integer, and KeyMarshaler or TextMarshaler keys)", types.TypeString(t.Key(), b.qualifier))
		}
		return model.TypeRef{Kind: model.Map, Key: &key, Elem: &elem}, ok1 && ok2
	case *types.Interface:
		if t.Empty() {
			// Written as the predeclared identifier any.
			return model.TypeRef{Kind: model.Basic, Name: "any"}, true
		}
		return bad("interface literal %s is not supported: declare a named interface type", types.TypeString(t, b.qualifier))
	case *types.Struct:
		return bad("anonymous struct types are not supported: declare a named struct type")
	case *types.Chan:
		return bad("channel type %s cannot be stored by the bson driver", types.TypeString(t, b.qualifier))
	case *types.Signature:
		return bad("function type %s cannot be stored by the bson driver", types.TypeString(t, b.qualifier))
	case *types.TypeParam:
		return bad("type parameter %s is not supported", t.Obj().Name())
	}
	return bad("type %s is not supported", types.TypeString(t, b.qualifier))
}

func (b *builder) pkgPath(p *types.Package) string {
	if p == b.pkg {
		return ""
	}
	return p.Path()
}

func (b *builder) pkgName(p *types.Package) string {
	if p == b.pkg {
		return ""
	}
	return p.Name()
}

// unencodable names the kind of an underlying type the driver has no
// encoder for, or returns "".
func unencodable(u types.Type) string {
	switch u := u.(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsComplex != 0:
			return "a complex number"
		case u.Kind() == types.UnsafePointer:
			return "unsafe.Pointer"
		case u.Kind() == types.Uintptr:
			return "uintptr"
		case u.Kind() == types.Invalid:
			return "invalid"
		}
	case *types.Chan:
		return "a channel"
	case *types.Signature:
		return "a function"
	}
	return ""
}

// encodableKey reports whether the driver's map codec can turn a key of
// type k into a BSON key: string and integer kinds, or KeyMarshaler or
// encoding.TextMarshaler implementations.
func encodableKey(k types.Type) bool {
	if basic, ok := k.Underlying().(*types.Basic); ok && basic.Info()&(types.IsString|types.IsInteger) != 0 {
		return true
	}
	ms := types.NewMethodSet(k)
	for _, m := range []string{"MarshalKey", "MarshalText"} {
		if sel := ms.Lookup(nil, m); sel != nil {
			return true
		}
	}
	return false
}
