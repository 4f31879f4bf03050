// Package bsoncodec holds the primitives of the BSON codecs mongotxgen
// generates: the MarshalBSON, UnmarshalBSON and UnmarshalBSONValue methods
// of annotated types and the struct types they contain.
//
// Generated code encodes a struct field by field with the Encode functions
// into a [Writer], and decodes it by walking the [Elements] of its document,
// each field with a Decode function. Every function follows the rule of the
// driver's own codec (go.mongodb.org/mongo-driver/v2/bson) for its Go kind:
// the integer kinds Go int and int64 encode to and which BSON numbers they
// accept, float32 range checks, time truncation to milliseconds, null for
// nil pointers, slices and maps, and so on. A field type they do not cover
// goes through [EncodeFallback] and [DecodeFallback], which let the driver
// encode or decode that one field as its struct codec would.
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
