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
//
// A command's let variables are evaluated once by ParseLet, as mongod does,
// and passed to the With variants (ParseFilterWith, ParseUpdateWith,
// RunPipelineWith), which compile $$name as that constant. A filter cannot
// report an evaluation error, so $expr refuses the operators that can fail
// at run time ($getField, $setField) instead of guessing.
package mql
