package templates

import (
	"maps"
	"slices"
	"strings"

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

// codecDecls are the codec of one struct type, a bsoncodec.Codec that the
// compiler lays out as data, and its three methods, one call each:
//
//	var codecOfAccount = bsoncodec.Codec{Name: "shop.Account", Doc: (*Account)(nil), Size: 96, Fields: []bsoncodec.Field{
//		{Key: "_id", Go: "ID", Kind: bsoncodec.ObjectID, OmitEmpty: true, Zeroer: true},
//		{Key: "owner", Go: "Owner", Kind: bsoncodec.String},
//	}}
//
//	func (v Account) MarshalBSON() ([]byte, error) { return codecOfAccount.Marshal(&v) }
//	func (v *Account) UnmarshalBSON(data []byte) error { ... }
//	func (v *Account) UnmarshalBSONValue(t byte, data []byte) error { ... }
//
// Code per field would be compiled again in every build of the package;
// the table is read by bsoncodec, compiled once.
func codecDecls(pkg *model.Package, c *model.Codec) []jen.Code {
	recv := func() *jen.Statement { return jen.Id("v").Op("*").Id(c.Name) }
	table := jen.Id(c.Var())
	return []jen.Code{
		codecTable(pkg, c),
		// A value receiver: the driver writes null for a nil *T only then.
		doc("MarshalBSON encodes v as the driver's struct codec does, without reflection.").
			Func().Params(jen.Id("v").Id(c.Name)).Id("MarshalBSON").Params().Params(jen.Index().Byte(), jen.Error()).Add(inline(
			jen.Return(table.Clone().Dot("Marshal").Call(jen.Op("&").Id("v"))),
		)).Line(),
		doc("UnmarshalBSON decodes a document into v as the driver's struct codec does.").
			Func().Params(recv()).Id("UnmarshalBSON").Params(jen.Id("data").Index().Byte()).Error().Add(inline(
			jen.Return(table.Clone().Dot("Unmarshal").Call(jen.Id("v"), jen.Id("data"))),
		)).Line(),
		doc("UnmarshalBSONValue decodes a value into v: the driver calls it for fields.").
			Func().Params(recv()).Id("UnmarshalBSONValue").Params(jen.Id("t").Byte(), jen.Id("data").Index().Byte()).Error().Add(inline(
			jen.Return(table.Clone().Dot("UnmarshalValue").Call(jen.Id("v"), jen.Id("t"), jen.Id("data"))),
		)).Line(),
	}
}

// codecTable is the bsoncodec.Codec literal of c: a field a line.
func codecTable(pkg *model.Package, c *model.Codec) jen.Code {
	fields := make([]jen.Code, len(c.Fields))
	for i, f := range c.Fields {
		fields[i] = jen.Values(codecField(f)...)
	}
	head := []jen.Code{
		jen.Id("Name").Op(":").Lit(pkg.Name + "." + c.Name),
		jen.Id("Doc").Op(":").Parens(jen.Op("*").Id(c.Name)).Parens(jen.Nil()),
		jen.Id("Size").Op(":").Lit(sizeHint(pkg, c, 0)),
	}
	if m := c.InlineMap; m != nil {
		head = append(head, jen.Id("Inline").Op(":").Op("&").Add(codecQual("Field")).Values(codecField(m)...))
	}
	head = append(head, jen.Id("Fields").Op(":").Index().Add(codecQual("Field")).
		Custom(jen.Options{Open: "{", Close: "}", Separator: ",", Multi: true}, fields...))
	return doc("%s is the BSON codec of %s: its stored fields, in the driver's order.", c.Var(), c.Name).
		Var().Id(c.Var()).Op("=").Add(codecQual("Codec")).Values(head...).Line()
}

// codecField is the keyed elements of the bsoncodec.Field of f: the Go
// selector, the kinds, the codec of the struct it holds
// unless that one is found by type (model.CodecType.Cyclic), and the tag
// options that are set.
func codecField(f *model.CodecField) []jen.Code {
	var sel []string
	for _, step := range f.Path {
		sel = append(sel, step.Name)
	}
	var out []jen.Code
	if f.Key != "" {
		out = append(out, jen.Id("Key").Op(":").Lit(f.Key))
	}
	out = append(out,
		jen.Id("Go").Op(":").Lit(strings.Join(sel, ".")),
		jen.Id("Kind").Op(":").Add(codecQual(kindNames[f.Type.Kind])),
	)
	last := f.Type // the type of the values the field holds, the end of its Elem chain
	var elems []jen.Code
	for ; last.Elem != nil; last = last.Elem {
		elems = append(elems, codecQual(kindNames[last.Elem.Kind]))
	}
	if elems != nil {
		out = append(out, jen.Id("Elem").Op(":").Index().Add(codecQual("Kind")).Values(elems...))
	}
	if last.Kind == model.CodecStruct && !last.Cyclic {
		out = append(out, jen.Id("Codec").Op(":").Op("&").Id(model.CodecVar(last.Go.Name)))
	}
	for _, opt := range []struct {
		name string
		on   bool
	}{{"OmitEmpty", f.OmitEmpty}, {"MinSize", f.MinSize}, {"Truncate", f.Truncate}, {"Zeroer", f.OmitEmpty && f.Type.Zeroer}} {
		if opt.on {
			out = append(out, jen.Id(opt.name).Op(":").True())
		}
	}
	return out
}

// kindNames are the bsoncodec.Kind constants of the codec kinds.
var kindNames = map[model.CodecKind]string{
	model.CodecFallback: "Fallback", model.CodecBool: "Bool", model.CodecString: "String",
	model.CodecInt32: "Int32", model.CodecInt: "Int", model.CodecInt64: "Int64",
	model.CodecUint16: "Uint16", model.CodecUint: "Uint", model.CodecFloat: "Float",
	model.CodecObjectID: "ObjectID", model.CodecTime: "Time", model.CodecBytes: "Bytes",
	model.CodecStruct: "Struct", model.CodecPointer: "Pointer", model.CodecSlice: "Slice",
	model.CodecMap: "Map",
}

// codecRegistry registers the codecs that other codecs of their cycle
// hold (model.CodecType.Cyclic: a codec holding its own type finds itself),
// which bsoncodec then finds by their type. Nil when there are none.
func codecRegistry(pkg *model.Package) jen.Code {
	cyclic := map[string]bool{}
	for _, c := range pkg.Codecs {
		for _, t := range c.StructRefs() {
			if t.Cyclic && t.Go.Name != c.Name {
				cyclic[t.Go.Name] = true
			}
		}
	}
	if len(cyclic) == 0 {
		return nil
	}
	var args []jen.Code
	for _, name := range slices.Sorted(maps.Keys(cyclic)) {
		args = append(args, jen.Op("&").Id(model.CodecVar(name)))
	}
	return jen.Comment("The codecs of recursive types, which refer to each other by type.").Line().
		Func().Id("init").Params().Add(inline(codecQual("Register").Call(args...))).Line()
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
