// Package bsoncodec holds the BSON codecs mongotxgen generates: the
// MarshalBSON, UnmarshalBSON and UnmarshalBSONValue methods of annotated
// types and the struct types they contain.
//
// A generated codec is data: a [Codec] literal listing the stored fields of
// a struct type, each with its key, its Go selector, its [Kind] and its tag
// options, which the compiler lays out statically; the three methods are a
// call of [Codec.Marshal], [Codec.Unmarshal] and [Codec.UnmarshalValue]
// each. A Codec finds its fields' offsets by reflection at its first use,
// and from then on encodes a struct field by field into a [Writer] with the
// Encode functions, and decodes it by walking the [Elements] of its
// document, each field with a Decode function. Every function follows the
// rule of the driver's own codec (go.mongodb.org/mongo-driver/v2/bson) for
// its Go kind: the integer kinds Go int and int64 encode to and which BSON
// numbers they accept, float32 range checks, time truncation to
// milliseconds, null for nil pointers, slices and maps, and so on. A field
// type the kinds do not cover (kind [Fallback]) is encoded and decoded by
// the driver, as the only field of a one-field struct, as its struct codec
// would. Codecs that other codecs store (kind [Struct]) are found by their
// type: generated code passes them to [Register] at init.
//
// Code per field would be compiled again in every build of the package
// that holds the types; the Codec's loops are compiled once, here, at some
// cost at run time (BENCHMARKS.md, "Codecs as data").
//
// Inside generated code the rules are the driver's struct codec's exactly.
// Where the driver itself encodes or decodes a value of a generated type
// (a field of a struct without a codec), it goes through the methods, and
// the driver's hooks differ from its struct codec in one corner: BSON
// undefined (a deprecated type) for a nil pointer field gives a pointer to
// a zero value rather than nil, as for any type with UnmarshalBSONValue;
// and a minsize or truncate tag on such a field does not reach the fields
// inside it.
// A nil pointer field is written as null, because MarshalBSON has a value
// receiver; for the same reason a nil pointer handed to the driver as a
// whole document panics rather than fail.
//
// The driver's encoder and decoder options that change those rules (client
// BSONOptions such as AllowTruncatingDoubles, UseLocalTimeZone, ZeroMaps,
// or a custom registry) do not reach a type's own MarshalBSON and
// UnmarshalBSON methods: generate with -codecs=false when a client sets
// them.
package bsoncodec
