package generator

import (
	"go/types"
	"reflect"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

const bsonPkg = "go.mongodb.org/mongo-driver/v2/bson"

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
			b.noteDecl(obj)
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
		b.noteDecl(obj)
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

// qualifier writes types of the generated package unqualified and others
// by package name.
func (b *builder) qualifier(p *types.Package) string {
	if p == b.pkg {
		return ""
	}
	return p.Name()
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
