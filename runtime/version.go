package runtime

import "go.mongodb.org/mongo-driver/v2/bson"

// VersionIs returns the filter element with which a write conditioned on the
// stored version (Replace) matches version v of field: {field: v}, and for
// v == 0 {field: {$in: [0, null]}}, which also matches a document without the
// field. A document stored before its type had a version field reads as
// version 0, so it must be replaceable as one. It is called by generated code.
func VersionIs[V ~int | ~int8 | ~int16 | ~int32 | ~int64](field string, v V) bson.E {
	return versionIs(field, v, v == 0)
}

// versionIs is VersionIs of v, in the counter's type, zero when v is 0.
func versionIs(field string, v any, zero bool) bson.E {
	if zero {
		return bson.E{Key: field, Value: bson.D{{Key: "$in", Value: bson.A{v, nil}}}}
	}
	return bson.E{Key: field, Value: v}
}
