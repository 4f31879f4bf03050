package templates

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// decodeFunc decodes a document with a switch on its keys, in the order of
// the struct's fields; bsoncodec's Value.DecodeFields walks the elements
// and applies the driver's rules around them (the lower-case retry, skipping
// unknown keys, the key in errors, null or undefined as the zero value):
//
//	func (v *Account) decodeBSON(val bsoncodec.Value) error {
//		return val.DecodeFields("shop.Account", v, func(key []byte, e bsoncodec.Value) error {
//			switch string(key) {
//			case "_id":
//				return bsoncodec.DecodeObjectID(&v.ID, e)
//			case "owner":
//				return bsoncodec.DecodeString(&v.Owner, e)
//			}
//			return bsoncodec.ErrUnknownKey
//		})
//	}
//
// A struct with an inline map gets the keys it does not know through
// DecodeFieldsInline's second function.
func decodeFunc(pkg *model.Package, c *model.Codec) jen.Code {
	cases := make([]jen.Code, 0, len(c.Fields))
	for _, f := range c.Fields {
		cases = append(cases, jen.Case(jen.Lit(f.Key)).Block(decodeField(f)...))
	}
	elemFunc := func(body ...jen.Code) jen.Code {
		return jen.Func().Params(jen.Id("key").Index().Byte(), jen.Id("e").Add(codecQual("Value"))).Error().Block(body...)
	}
	walk, args := "DecodeFields", []jen.Code{jen.Lit(pkg.Name + "." + c.Name), jen.Id("v"), elemFunc(
		jen.Switch(jen.String().Call(jen.Id("key"))).Block(cases...),
		jen.Return(codecQual("ErrUnknownKey")),
	)}
	if m := c.InlineMap; m != nil {
		walk = "DecodeFieldsInline"
		args = append(args, elemFunc(
			jen.Return(codecQual("DecodeInlineEntry").Call(jen.Op("&").Add(fieldSel(m)), jen.Id("key"), jen.Id("e"), decodeElem(m.Type.Elem))),
		))
	}
	return jen.Func().Params(jen.Id("v").Op("*").Id(c.Name)).Id("decodeBSON").Params(jen.Id("val").Add(codecQual("Value"))).Error().Block(
		jen.Return(jen.Id("val").Dot(walk).Call(args...)),
	).Line()
}

// decodeField is the body of a field's case: the inline pointers on its
// path made, and the value decoded.
func decodeField(f *model.CodecField) []jen.Code {
	var out []jen.Code
	s := jen.Id("v")
	for _, step := range f.Path[:len(f.Path)-1] {
		s = s.Dot(step.Name)
		if step.Pointer {
			out = append(out, codecQual("Alloc").Call(jen.Op("&").Add(s.Clone())))
		}
	}
	e := jen.Id("e")
	if f.Truncate {
		e = jen.Id("e").Dot("Truncated").Call()
	}
	sel := func() *jen.Statement { return fieldSel(f) }
	p := place{addr: func() *jen.Statement { return jen.Op("&").Add(sel()) }, val: sel}
	return append(out, jen.Return(decodeValue(f.Type, p, e)))
}

// decodeValue is the expression decoding the value e into p, an error.
func decodeValue(t *model.CodecType, p place, e jen.Code) jen.Code {
	switch t.Kind {
	case model.CodecStruct:
		return p.val().Dot("decodeBSON").Call(e)
	case model.CodecPointer:
		return codecQual("DecodePointer").Call(p.addr(), e, decodeElem(t.Elem))
	case model.CodecSlice:
		return codecQual("DecodeSlice").Call(p.addr(), e, decodeElem(t.Elem))
	case model.CodecMap:
		return codecQual("DecodeMap").Call(p.addr(), e, decodeElem(t.Elem))
	}
	k, ok := kindFuncs[t.Kind]
	if !ok {
		panic(fmt.Sprintf("templates: no decoder for codec kind %d", t.Kind))
	}
	return codecQual(k.decode).Call(p.addr(), e)
}

// decodeElem is a function value decoding an element of type t, as
// encodeElem.
func decodeElem(t *model.CodecType) jen.Code {
	switch t.Kind {
	case model.CodecStruct:
		return jen.Parens(jen.Op("*").Add(typeCode(t.Go))).Dot("decodeBSON")
	case model.CodecPointer, model.CodecSlice, model.CodecMap:
		return jen.Func().Params(jen.Id("v").Op("*").Add(typeCode(t.Go)), jen.Id("e").Add(codecQual("Value"))).Error().
			Block(jen.Return(decodeValue(t, pointerPlace(), jen.Id("e"))))
	}
	k := kindFuncs[t.Kind]
	return kindFunc(t, k.decode, k.generic)
}
