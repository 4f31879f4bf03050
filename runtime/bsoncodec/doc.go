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
// The driver's encoder and decoder options that change those rules (client
// BSONOptions such as AllowTruncatingDoubles, UseLocalTimeZone, ZeroMaps,
// or a custom registry) do not reach a type's own MarshalBSON and
// UnmarshalBSON methods: generate with -codecs=false when a client sets
// them.
package bsoncodec
