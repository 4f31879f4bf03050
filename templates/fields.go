package templates

import (
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// fieldsVar declares the typed fields of a collection type:
//
//	// AccountFields are the typed fields of Account, ...
//	var AccountFields = struct {
//		ID      runtime.OrderedField[bson.ObjectID]
//		Owner   runtime.StringField[string]
//		Address AccountAddressFields
//	}{
//		ID:    runtime.NewOrderedField[bson.ObjectID]("_id"),
//		Owner: runtime.NewStringField[string]("owner"),
//		Address: AccountAddressFields{
//			ValueField: runtime.NewValueField[Address]("address"),
//			City:       runtime.NewStringField[string]("address.city"),
//		},
//	}
func fieldsVar(p *typePlan) jen.Code {
	return doc("%s are the typed fields of %s, for filters, updates and sorts.",
		p.fieldsVar, p.t.Name).
		Var().Id(p.fieldsVar).Op("=").Add(fieldsStruct(p.fields)).Add(fieldsValues(p.fields)).Line()
}

// fieldsStruct is the struct type of a TFields value, one member per field:
//
//	struct {
//		Owner   runtime.StringField[string]
//		Address AccountAddressFields
//	}
func fieldsStruct(nodes []*fieldNode) jen.Code {
	members := make([]jen.Code, len(nodes))
	for i, n := range nodes {
		members[i] = jen.Id(n.f.GoName).Add(fieldType(n))
	}
	return jen.Struct(members...)
}

// fieldsValues is the composite literal giving every field its path:
//
//	{
//		Owner:   runtime.NewStringField[string]("owner"),
//		Address: AccountAddressFields{...},
//	}
func fieldsValues(nodes []*fieldNode) jen.Code {
	items := make([]jen.Code, len(nodes))
	for i, n := range nodes {
		items[i] = jen.Id(n.f.GoName).Op(":").Add(fieldValue(n))
	}
	return multiValues(items...)
}

// kindOf is the runtime field kind of f and its type argument: the field's
// type, or for the slice kinds the element type.
func kindOf(f *model.Field) (name string, arg jen.Code) {
	name = f.Kind.RuntimeType()
	if f.Kind == model.SliceKind || f.Kind == model.StructSliceKind {
		return name, typeCode(*f.Elem)
	}
	return name, typeCode(f.Type)
}

// ownField is the runtime field of n itself: runtime.NumberField[int64].
func ownField(n *fieldNode) *jen.Statement {
	name, arg := kindOf(n.f)
	return rt(name).Types(arg)
}

// fieldType is runtime.StringField[string] for a leaf field and the nested
// fields type, AccountAddressFields, for a sub-document or an array of them.
func fieldType(n *fieldNode) jen.Code {
	if n.nested != "" {
		return jen.Id(n.nested)
	}
	return ownField(n)
}

// fieldValue is runtime.NewStringField[string]("owner") for a leaf field,
// and for a sub-document
//
//	AccountAddressFields{
//		ValueField: runtime.NewValueField[Address]("address"),
//		City:       runtime.NewStringField[string]("address.city"),
//	}
func fieldValue(n *fieldNode) jen.Code {
	name, arg := kindOf(n.f)
	own := rt("New" + name).Types(arg).Call(jen.Lit(n.f.BSONPath))
	if n.nested == "" {
		return own
	}
	items := make([]jen.Code, 0, len(n.children)+1)
	items = append(items, jen.Id(name).Op(":").Add(own))
	for _, c := range n.children {
		items = append(items, jen.Id(c.f.GoName).Op(":").Add(fieldValue(c)))
	}
	return jen.Id(n.nested).Add(multiValues(items...))
}

// nestedFieldsType declares the fields of a sub-document, or of the
// elements of an array of sub-documents. The embedded runtime field
// addresses the sub-document (the array) itself; the members address the
// fields inside it:
//
//	// AccountAddressFields are the typed fields of the sub-document
//	// Account.Address, stored at "address". ...
//	type AccountAddressFields struct {
//		runtime.ValueField[Address]
//		City runtime.StringField[string] // address.city
//	}
func nestedFieldsType(p *typePlan, n *fieldNode) jen.Code {
	members := make([]jen.Code, 0, len(n.children)+1)
	members = append(members, ownField(n))
	for _, c := range n.children {
		members = append(members, jen.Id(c.f.GoName).Add(fieldType(c)).Comment(c.f.BSONPath))
	}
	d := doc("%s are the typed fields of the sub-document %s.%s, stored at %q. The embedded %s stands for the sub-document itself, as in %s.%s.Exists(true).",
		n.nested, p.t.Name, n.f.GoPath, n.f.BSONPath, n.f.Kind.RuntimeType(), p.fieldsVar, joinSel(n.sel))
	if n.f.Kind == model.StructSliceKind {
		d = doc("%s are the typed fields of the array of sub-documents %s.%s, stored at %q. The embedded StructSliceField stands for the array itself, as in %s.%s.Size(0); a filter on a member matches when some element matches it (%s.%s.ElemMatch requires one element to match all).",
			n.nested, p.t.Name, n.f.GoPath, n.f.BSONPath, p.fieldsVar, joinSel(n.sel), p.fieldsVar, joinSel(n.sel))
	}
	return d.Type().Id(n.nested).Struct(members...).Line()
}

// multiValues is a composite literal's {...} with one item per line.
func multiValues(items ...jen.Code) *jen.Statement {
	return jen.Custom(jen.Options{Open: "{", Close: "}", Separator: ",", Multi: true}, items...)
}

func joinSel(sel []string) string { return strings.Join(sel, ".") }
