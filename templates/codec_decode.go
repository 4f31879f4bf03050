package templates

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// decodeFunc walks the document's elements, a case per key:
//
//	func (v *Account) decodeBSON(val bsoncodec.Value) error {
//		if val.IsNull() {
//			*v = Account{}
//			return nil
//		}
//		it, err := val.Document("shop.Account")
//		if err != nil {
//			return err
//		}
//		for it.Next() {
//			key, e := it.Key(), it.Value()
//		retry:
//			switch string(key) {
//			case "_id":
//				err = bsoncodec.DecodeObjectID(&v.ID, e)
//			case "owner":
//				err = bsoncodec.DecodeString(&v.Owner, e)
//			default:
//				if lower, ok := bsoncodec.Lower(key); ok {
//					key = lower
//					goto retry
//				}
//				continue
//			}
//			if err != nil {
//				return bsoncodec.AtKey(key, err)
//			}
//		}
//		return it.Err()
//	}
//
// An unknown key is looked up again in lower case, then stored in the
// inline map or skipped, as the driver does.
func decodeFunc(pkg *model.Package, c *model.Codec) jen.Code {
	cases := make([]jen.Code, 0, len(c.Fields)+1)
	for _, f := range c.Fields {
		cases = append(cases, jen.Case(jen.Lit(f.Key)).Block(decodeField(f)...))
	}
	unknown := []jen.Code{
		jen.If(jen.List(jen.Id("lower"), jen.Id("ok")).Op(":=").Add(codecQual("Lower")).Call(jen.Id("key")), jen.Id("ok")).Block(
			jen.Id("key").Op("=").Id("lower"),
			jen.Goto().Id("retry"),
		),
	}
	if m := c.InlineMap; m != nil {
		unknown = append(unknown,
			jen.If(jen.Err().Op(":=").Add(codecQual("DecodeInlineEntry")).Call(jen.Op("&").Add(fieldSel(m)), jen.Id("it").Dot("Key").Call(), jen.Id("e"), decodeElem(m.Type.Elem)), jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Err()),
			))
	}
	unknown = append(unknown, jen.Continue())
	cases = append(cases, jen.Default().Block(unknown...))

	return doc("decodeBSON decodes val into v: a document, or null or undefined, which leave v zero.").
		Func().Params(jen.Id("v").Op("*").Id(c.Name)).Id("decodeBSON").Params(jen.Id("val").Add(codecQual("Value"))).Error().Block(
		jen.If(jen.Id("val").Dot("IsNull").Call()).Block(
			jen.Op("*").Id("v").Op("=").Id(c.Name).Values(),
			jen.Return(jen.Nil()),
		),
		jen.List(jen.Id("it"), jen.Err()).Op(":=").Id("val").Dot("Document").Call(jen.Lit(pkg.Name+"."+c.Name)),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.For(jen.Id("it").Dot("Next").Call()).Block(
			jen.List(jen.Id("key"), jen.Id("e")).Op(":=").List(jen.Id("it").Dot("Key").Call(), jen.Id("it").Dot("Value").Call()),
			jen.Id("retry").Op(":"),
			jen.Switch(jen.String().Call(jen.Id("key"))).Block(cases...),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(codecQual("AtKey").Call(jen.Id("key"), jen.Err()))),
		),
		jen.Return(jen.Id("it").Dot("Err").Call()),
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
	return append(out, jen.Err().Op("=").Add(decodeValue(f.Type, p, e)))
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
