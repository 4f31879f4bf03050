package generator

import (
	"go/types"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// orderedNamed are the named types of other packages whose BSON values
// compare in a meaningful order, so that their fields get Gt, Gte, Lt, Lte.
var orderedNamed = map[string]bool{
	"time.Time":             true,
	bsonPkg + ".ObjectID":   true,
	bsonPkg + ".DateTime":   true,
	bsonPkg + ".Decimal128": true,
	bsonPkg + ".Timestamp":  true,
}

// fieldKind is the runtime field kind of a field of Go type t: the kind
// whose operators make sense for the BSON value the driver writes for t.
// A type with its own BSON marshaler is stored as it chooses, so it is a
// plain value unless it is one of orderedNamed; a pointer keeps the order
// of what it points to, but not the arithmetic ($inc on null fails).
func fieldKind(t types.Type) model.FieldKind {
	t = types.Unalias(t)
	if p, ok := t.Underlying().(*types.Pointer); ok {
		if k := fieldKind(p.Elem()); k == model.OrderedKind || k == model.NumberKind || k == model.StringKind {
			return model.OrderedKind
		}
		return model.ValueKind
	}
	if named, ok := t.(*types.Named); ok && opaque(named) {
		if pkg := named.Obj().Pkg(); pkg != nil && orderedNamed[pkg.Path()+"."+named.Obj().Name()] {
			return model.OrderedKind
		}
		return model.ValueKind
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&(types.IsInteger|types.IsFloat) != 0:
			return model.NumberKind
		case u.Info()&types.IsString != 0:
			return model.StringKind
		}
	case *types.Slice:
		if b, ok := u.Elem().Underlying().(*types.Basic); ok && b.Kind() == types.Byte {
			return model.ValueKind // []byte is BSON binary, not an array
		}
		if structElem(u.Elem()) != nil {
			return model.StructSliceKind
		}
		return model.SliceKind
	}
	return model.ValueKind
}

// structElem returns the struct type of elem when the driver stores it as
// a sub-document (a struct, not a pointer, without its own marshaler), nil
// otherwise.
func structElem(elem types.Type) *types.Struct {
	elem = types.Unalias(elem)
	if opaque(elem) {
		return nil
	}
	st, _ := elem.Underlying().(*types.Struct)
	return st
}
