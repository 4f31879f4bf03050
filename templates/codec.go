package templates

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// bsoncodecPath is the import path of the generated codecs' primitives.
const bsoncodecPath = "github.com/mongotxgen/mongotxgen/runtime/bsoncodec"

// Options are the choices of a generation run.
type Options struct {
	// Codecs emits MarshalBSON, UnmarshalBSON and UnmarshalBSONValue for
	// every type of model.Package.Codecs (mongotxgen -codecs, on by
	// default).
	Codecs bool
}

// Renderer returns Render with opts: what generator.Config.Render takes.
func Renderer(opts Options) func(*model.Package) ([]byte, error) {
	return func(pkg *model.Package) ([]byte, error) { return renderWith(pkg, opts) }
}

// codecDecls are the codec methods of one struct type, in file order:
//
//	func (v Account) MarshalBSON() ([]byte, error)
//	func (v *Account) UnmarshalBSON(data []byte) error
//	func (v *Account) UnmarshalBSONValue(t byte, data []byte) error
//	func (v *Account) encodeBSON(w *bsoncodec.Writer, key string)
//	func (v *Account) decodeBSON(val bsoncodec.Value) error
func codecDecls(pkg *model.Package, c *model.Codec) []jen.Code {
	recv := func() *jen.Statement { return jen.Id("v").Op("*").Id(c.Name) }
	return []jen.Code{
		// A value receiver: the driver writes null for a nil *T only then.
		doc("MarshalBSON encodes v as the driver's struct codec does, without reflection.").
			Func().Params(jen.Id("v").Id(c.Name)).Id("MarshalBSON").Params().Params(jen.Index().Byte(), jen.Error()).Block(
			jen.Id("w").Op(":=").Add(codecQual("NewWriter")).Call(jen.Lit(sizeHint(pkg, c, 0))),
			jen.Id("v").Dot("encodeBSON").Call(jen.Id("w"), jen.Lit("")),
			jen.Return(jen.Id("w").Dot("Result").Call()),
		).Line(),
		doc("UnmarshalBSON decodes a document into v as the driver's struct codec does.").
			Func().Params(recv()).Id("UnmarshalBSON").Params(jen.Id("data").Index().Byte()).Error().Add(inline(
			jen.Return(jen.Id("v").Dot("decodeBSON").Call(codecQual("DocumentValue").Call(jen.Id("data")))),
		)).Line(),
		doc("UnmarshalBSONValue decodes a value into v: the driver calls it for fields.").
			Func().Params(recv()).Id("UnmarshalBSONValue").Params(jen.Id("t").Byte(), jen.Id("data").Index().Byte()).Error().Add(inline(
			jen.Return(jen.Id("v").Dot("decodeBSON").Call(codecQual("Value").Values(
				jen.Id("Type").Op(":").Qual(bsonPath, "Type").Call(jen.Id("t")),
				jen.Id("Data").Op(":").Id("data"),
			))),
		)).Line(),
		encodeFunc(c),
		decodeFunc(pkg, c),
	}
}

// sizeHint estimates the bytes of a document of c, to size the buffer
// MarshalBSON writes it in: keys, fixed-size values, 16 bytes a string,
// 64 a container, nested codecs by their own estimate.
func sizeHint(pkg *model.Package, c *model.Codec, depth int) int {
	n := 5
	for _, f := range c.Fields {
		n += 2 + len(f.Key) + valueHint(pkg, f.Type, depth)
	}
	if c.InlineMap != nil {
		n += 64
	}
	return n
}

func valueHint(pkg *model.Package, t *model.CodecType, depth int) int {
	switch t.Kind {
	case model.CodecBool:
		return 1
	case model.CodecInt32, model.CodecUint16, model.CodecInt:
		return 4
	case model.CodecInt64, model.CodecUint, model.CodecFloat, model.CodecTime:
		return 8
	case model.CodecObjectID:
		return 12
	case model.CodecString:
		return 4 + 16
	case model.CodecPointer:
		return valueHint(pkg, t.Elem, depth)
	case model.CodecStruct:
		for _, c := range pkg.Codecs {
			if c.Name == t.Go.Name && depth < 2 {
				return sizeHint(pkg, c, depth+1)
			}
		}
	}
	return 64
}

func codecQual(name string) *jen.Statement { return jen.Qual(bsoncodecPath, name) }

// encodeFunc writes the fields in the driver's order:
//
//	func (v *Account) encodeBSON(w *bsoncodec.Writer, key string) {
//		start := w.BeginDocument(key)
//		bsoncodec.EncodeObjectIDOmitEmpty(&v.ID, w, "_id")
//		bsoncodec.EncodeString(&v.Owner, w, "owner")
//		v.Address.encodeBSON(w, "address")
//		w.End(start)
//	}
func encodeFunc(c *model.Codec) jen.Code {
	body := []jen.Code{jen.Id("start").Op(":=").Id("w").Dot("BeginDocument").Call(jen.Id("key"))}
	for _, f := range c.Fields {
		body = append(body, encodeField(f))
	}
	if m := c.InlineMap; m != nil {
		cases := make([]jen.Code, len(c.Fields))
		for i, f := range c.Fields {
			cases[i] = jen.Lit(f.Key)
		}
		taken := jen.Func().Params(jen.Id("k").String()).Bool().Block(
			jen.Switch(jen.Id("k")).Block(jen.Case(cases...).Block(jen.Return(jen.True()))),
			jen.Return(jen.False()),
		)
		if len(cases) == 0 {
			taken = jen.Func().Params(jen.String()).Bool().Block(jen.Return(jen.False()))
		}
		body = append(body, codecQual("EncodeInlineMap").Call(jen.Op("&").Add(fieldSel(m)), jen.Id("w"), taken, encodeElem(m.Type.Elem)))
	}
	body = append(body, jen.Id("w").Dot("End").Call(jen.Id("start")))
	// Unexported, without a doc comment: MarshalBSON's says what it does.
	return jen.Func().Params(jen.Id("v").Op("*").Id(c.Name)).Id("encodeBSON").
		Params(jen.Id("w").Op("*").Add(codecQual("Writer")), jen.Id("key").String()).Block(body...).Line()
}

// fieldSel is v.Address.City: the field in the value being encoded.
func fieldSel(f *model.CodecField) *jen.Statement {
	s := jen.Id("v")
	for _, step := range f.Path {
		s = s.Dot(step.Name)
	}
	return s
}

// viaNil is the condition that the inline pointers on f's path are set,
// v.Base != nil, or nil when there are none.
func viaNil(f *model.CodecField) jen.Code {
	var conds []jen.Code
	s := jen.Id("v")
	for _, step := range f.Path[:len(f.Path)-1] {
		s = s.Dot(step.Name)
		if step.Pointer {
			conds = append(conds, jen.Add(s.Clone()).Op("!=").Nil())
		}
	}
	if len(conds) == 0 {
		return nil
	}
	return jen.Add(joinOp("&&", conds)...)
}

func joinOp(op string, conds []jen.Code) []jen.Code {
	out := []jen.Code{conds[0]}
	for _, c := range conds[1:] {
		out = append(out, jen.Op(op), c)
	}
	return out
}

// encodeField is the statement writing one field: guarded by its inline
// pointers and omitempty, in a minsize block when tagged so.
func encodeField(f *model.CodecField) jen.Code {
	sel := func() *jen.Statement { return fieldSel(f) }
	t := f.Type
	var stmt jen.Code
	switch {
	case t.Kind == model.CodecFallback && f.OmitEmpty:
		stmt = codecQual("EncodeFallbackOmitEmpty").Call(jen.Op("&").Add(sel()), jen.Id("w"), jen.Lit(f.Key))
	case t.Kind == model.CodecObjectID && f.OmitEmpty:
		stmt = codecQual("EncodeObjectIDOmitEmpty").Call(jen.Op("&").Add(sel()), jen.Id("w"), jen.Lit(f.Key))
	default:
		stmt = encodeValue(t, place{addr: func() *jen.Statement { return jen.Op("&").Add(sel()) }, val: sel}, jen.Lit(f.Key))
	}
	var conds []jen.Code
	if c := viaNil(f); c != nil {
		conds = append(conds, c)
	}
	if f.OmitEmpty && t.Kind != model.CodecFallback && t.Kind != model.CodecObjectID {
		if c := notEmpty(t, sel); c != nil {
			conds = append(conds, c)
		}
	}
	if f.MinSize {
		stmt = jen.Block(
			jen.Id("was").Op(":=").Id("w").Dot("MinSize").Call(jen.True()),
			stmt,
			jen.Id("w").Dot("MinSize").Call(jen.Id("was")),
		)
	}
	if len(conds) > 0 {
		return jen.If(joinOp("&&", conds)...).Block(stmt)
	}
	return stmt
}

// place is a value being encoded or decoded: its address and the value.
// They are functions because a jen.Statement grows when it is used.
type place struct {
	addr, val func() *jen.Statement
}

// pointerPlace is the place of the closure parameter v, a pointer.
func pointerPlace() place {
	return place{addr: func() *jen.Statement { return jen.Id("v") }, val: func() *jen.Statement { return jen.Id("v") }}
}

// kindFuncs names the bsoncodec functions that encode and decode a value
// of each kind (the containers and structs have their own code); a generic
// one is instantiated with the Go type when passed as a value.
var kindFuncs = map[model.CodecKind]struct {
	encode, decode string
	generic        bool
}{
	model.CodecBool:     {"EncodeBool", "DecodeBool", true},
	model.CodecString:   {"EncodeString", "DecodeString", true},
	model.CodecInt32:    {"EncodeInt32", "DecodeInt", true},
	model.CodecInt:      {"EncodeInt", "DecodeInt", true},
	model.CodecInt64:    {"EncodeInt64", "DecodeInt", true},
	model.CodecUint16:   {"EncodeUint16", "DecodeUint", true},
	model.CodecUint:     {"EncodeUint", "DecodeUint", true},
	model.CodecFloat:    {"EncodeFloat", "DecodeFloat", true},
	model.CodecObjectID: {"EncodeObjectID", "DecodeObjectID", false},
	model.CodecTime:     {"EncodeTime", "DecodeTime", false},
	model.CodecBytes:    {"EncodeBytes", "DecodeBytes", false},
	model.CodecFallback: {"EncodeFallback", "DecodeFallback", true},
}

// kindFunc is the function value name of kindFuncs, instantiated for t
// when generic.
func kindFunc(t *model.CodecType, name string, generic bool) jen.Code {
	if generic {
		return codecQual(name).Types(typeCode(t.Go))
	}
	return codecQual(name)
}

// encodeValue is the statement writing the value at p with key.
func encodeValue(t *model.CodecType, p place, key jen.Code) jen.Code {
	switch t.Kind {
	case model.CodecStruct:
		return p.val().Dot("encodeBSON").Call(jen.Id("w"), key)
	case model.CodecPointer:
		return codecQual("EncodePointer").Call(p.addr(), jen.Id("w"), key, encodeElem(t.Elem))
	case model.CodecSlice:
		return codecQual("EncodeSlice").Call(p.addr(), jen.Id("w"), key, encodeElem(t.Elem))
	case model.CodecMap:
		return codecQual("EncodeMap").Call(p.addr(), jen.Id("w"), key, encodeElem(t.Elem))
	}
	k, ok := kindFuncs[t.Kind]
	if !ok {
		panic(fmt.Sprintf("templates: no encoder for codec kind %d", t.Kind))
	}
	return codecQual(k.encode).Call(p.addr(), jen.Id("w"), key)
}

// encodeElem is a function value writing an element of type t:
// bsoncodec.EncodeString[string], (*Item).encodeBSON, or a closure for a
// container of containers.
func encodeElem(t *model.CodecType) jen.Code {
	switch t.Kind {
	case model.CodecStruct:
		return jen.Parens(jen.Op("*").Add(typeCode(t.Go))).Dot("encodeBSON")
	case model.CodecPointer, model.CodecSlice, model.CodecMap:
		return jen.Func().Params(jen.Id("v").Op("*").Add(typeCode(t.Go)), jen.Id("w").Op("*").Add(codecQual("Writer")), jen.Id("key").String()).
			Block(encodeValue(t, pointerPlace(), jen.Id("key")))
	}
	k := kindFuncs[t.Kind]
	return kindFunc(t, k.encode, k.generic)
}

// notEmpty is the condition under which omitempty writes the field, as the
// driver's isEmpty decides it, or nil when it always does.
func notEmpty(t *model.CodecType, sel func() *jen.Statement) jen.Code {
	if t.Zeroer {
		if t.Kind == model.CodecPointer {
			return jen.Add(sel()).Op("!=").Nil().Op("&&").Op("!").Add(sel()).Dot("IsZero").Call()
		}
		return jen.Op("!").Add(sel()).Dot("IsZero").Call()
	}
	switch t.Kind {
	case model.CodecBool:
		return sel()
	case model.CodecString:
		return jen.Add(sel()).Op("!=").Lit("")
	case model.CodecInt32, model.CodecInt, model.CodecInt64, model.CodecUint16, model.CodecUint, model.CodecFloat:
		return jen.Add(sel()).Op("!=").Lit(0) // -0 too is empty, NaN is not

	case model.CodecBytes, model.CodecSlice, model.CodecMap:
		return jen.Len(sel()).Op("!=").Lit(0)
	case model.CodecPointer:
		return jen.Add(sel()).Op("!=").Nil()
	}
	return nil // a struct is never empty
}

// codecPackages records the names of the packages of the types the codec
// spells, as fieldPackages does for fields.
func (in *importNames) codecPackages(c *model.Codec) {
	var visit func(t *model.CodecType)
	visit = func(t *model.CodecType) {
		if t == nil {
			return
		}
		in.fieldPackages([]*model.Field{{Type: t.Go}})
		visit(t.Elem)
	}
	for _, fd := range c.Fields {
		visit(fd.Type)
	}
	if c.InlineMap != nil {
		visit(c.InlineMap.Type)
	}
}
