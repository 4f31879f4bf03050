package templates

import "github.com/mongotxgen/mongotxgen/generator/model"

// shopCodecs are the codecs of accountModel's package, as the loader
// describes them for internal/shop/shop.go.
func shopCodecs() []*model.Codec {
	str := &model.CodecType{Kind: model.CodecString, Go: basic("string")}
	i64 := &model.CodecType{Kind: model.CodecInt64, Go: basic("int64")}
	tm := &model.CodecType{Kind: model.CodecTime, Go: named("time", "Time"), Zeroer: true}
	f := func(key, goName string, t *model.CodecType) *model.CodecField {
		return &model.CodecField{Key: key, Path: []model.CodecStep{{Name: goName}}, Type: t}
	}
	id := f("_id", "ID", &model.CodecType{Kind: model.CodecObjectID, Go: named(bsonPath, "ObjectID"), Zeroer: true})
	id.OmitEmpty = true
	tags := f("tags", "Tags", &model.CodecType{Kind: model.CodecSlice, Go: slice(basic("string")), Elem: str})
	tags.OmitEmpty = true
	origin := &model.CodecType{Kind: model.CodecStruct, Go: named("", "Origin")}
	return []*model.Codec{
		{Name: "Account", Fields: []*model.CodecField{
			id, f("owner", "Owner", str), f("balance", "Balance", i64),
			f("address", "Address", &model.CodecType{Kind: model.CodecStruct, Go: named("", "Address")}),
			tags, f("created_at", "CreatedAt", tm), f("updated_at", "UpdatedAt", tm), f("version", "Version", i64),
		}},
		{Name: "Address", Fields: []*model.CodecField{f("city", "City", str), f("zip", "Zip", str)}},
		{Name: "Event", Fields: []*model.CodecField{
			f("_id", "Key", str), f("at", "At", tm),
			f("origin", "Origin", &model.CodecType{Kind: model.CodecPointer, Go: ptr(named("", "Origin")), Elem: origin}),
		}},
		{Name: "Origin", Fields: []*model.CodecField{f("line", "Line", &model.CodecType{Kind: model.CodecInt, Go: basic("int")})}},
	}
}

// codecFuncs are the methods each codec type gets, in file order.
var codecFuncs = []string{"MarshalBSON", "UnmarshalBSON", "UnmarshalBSONValue"}
