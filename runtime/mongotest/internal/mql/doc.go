// Package mql implements the MongoDB query language for the mongotest server:
// BSON comparison order, query filters, update documents, sort and projection
// specifications, and a small aggregation pipeline.
//
// Documents are bson.D values as produced by bson.Unmarshal into a bson.D:
// embedded documents are bson.D, arrays bson.A, and scalars the bson package's
// own types (int32, int64, float64, string, bool, nil, bson.ObjectID, ...).
// For convenience in tests, Go's other integer types, float32, []any and
// time.Time are accepted as well and behave like their BSON counterparts.
//
// The semantics follow mongod 8.0. What is not implemented is refused with an
// *Error naming the unsupported feature, never answered approximately: the
// server that uses this package is a test double and must not mislead tests.
package mql
