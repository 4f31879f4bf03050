package templates

import (
	"strings"

	"github.com/dave/jennifer/jen"
)

// fieldsVar declares the typed fields of a collection type:
//
//	// AccountFields are the typed fields of Account, ...
//	var AccountFields = struct {
//		ID      runtime.Field[bson.ObjectID]
//		Owner   runtime.Field[string]
//		Address AccountAddressFields
//	}{
//		ID:    runtime.NewField[bson.ObjectID]("_id"),
//		Owner: runtime.NewField[string]("owner"),
//		Address: AccountAddressFields{
//			Field: runtime.NewField[Address]("address"),
//			City:  runtime.NewField[string]("address.city"),
//		},
//	}
func fieldsVar(p *typePlan) jen.Code {
	return doc("%s are the typed fields of %s, the documents of the %q collection. They build filters, updates and sort orders whose field names and value types the compiler checks.",
		p.fieldsVar, p.t.Name, p.t.Collection).
		Var().Id(p.fieldsVar).Op("=").Add(fieldsStruct(p.fields)).Add(fieldsValues(p.fields)).Line()
}

// fieldsStruct is the struct type of a TFields value, one member per field:
//
//	struct {
//		Owner   runtime.Field[string]
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
//		Owner:   runtime.NewField[string]("owner"),
//		Address: AccountAddressFields{...},
//	}
func fieldsValues(nodes []*fieldNode) jen.Code {
	items := make([]jen.Code, len(nodes))
	for i, n := range nodes {
		items[i] = jen.Id(n.f.GoName).Op(":").Add(fieldValue(n))
	}
	return multiValues(items...)
}

// fieldType is runtime.Field[string] for a leaf field and the nested fields
// type, AccountAddressFields, for a sub-document.
func fieldType(n *fieldNode) jen.Code {
	if n.nested != "" {
		return jen.Id(n.nested)
	}
	return rt("Field").Types(typeCode(n.f.Type))
}

// fieldValue is runtime.NewField[string]("owner") for a leaf field, and for a
// sub-document
//
//	AccountAddressFields{
//		Field: runtime.NewField[Address]("address"),
//		City:  runtime.NewField[string]("address.city"),
//	}
func fieldValue(n *fieldNode) jen.Code {
	own := rt("NewField").Types(typeCode(n.f.Type)).Call(jen.Lit(n.f.BSONPath))
	if n.nested == "" {
		return own
	}
	items := make([]jen.Code, 0, len(n.children)+1)
	items = append(items, jen.Id("Field").Op(":").Add(own))
	for _, c := range n.children {
		items = append(items, jen.Id(c.f.GoName).Op(":").Add(fieldValue(c)))
	}
	return jen.Id(n.nested).Add(multiValues(items...))
}

// nestedFieldsType declares the fields of a sub-document. The embedded
// runtime.Field addresses the sub-document itself; the members address the
// fields inside it:
//
//	// AccountAddressFields are the typed fields of the sub-document
//	// Account.Address, stored at "address". The embedded Field stands for
//	// the sub-document itself.
//	type AccountAddressFields struct {
//		runtime.Field[Address]
//		City runtime.Field[string] // address.city
//	}
func nestedFieldsType(p *typePlan, n *fieldNode) jen.Code {
	members := make([]jen.Code, 0, len(n.children)+1)
	members = append(members, rt("Field").Types(typeCode(n.f.Type)))
	for _, c := range n.children {
		members = append(members, jen.Id(c.f.GoName).Add(fieldType(c)).Comment(c.f.BSONPath))
	}
	return doc("%s are the typed fields of the sub-document %s.%s, stored at %q. The embedded Field stands for the sub-document itself, as in %s.%s.Exists(true).",
		n.nested, p.t.Name, n.f.GoPath, n.f.BSONPath, p.fieldsVar, joinSel(n.sel)).
		Type().Id(n.nested).Struct(members...).Line()
}

// multiValues is a composite literal's {...} with one item per line.
func multiValues(items ...jen.Code) *jen.Statement {
	return jen.Custom(jen.Options{Open: "{", Close: "}", Separator: ",", Multi: true}, items...)
}

func joinSel(sel []string) string { return strings.Join(sel, ".") }
