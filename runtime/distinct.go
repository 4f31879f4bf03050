package runtime

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// DistinctField is a field [Distinct] can read: every field kind. Its type
// parameter is the Go type of the values distinct returns, V for a field of
// V and E for an array of E, whose elements MongoDB returns one by one.
type DistinctField[V any] interface {
	Pather
	distinctValue(V)
}

// Distincter runs MongoDB's distinct command: a *mongo.Collection is one.
// A repository bound to a transaction passes its collection with a context
// bound to that transaction, as its other methods do.
type Distincter interface {
	Name() string
	Distinct(ctx context.Context, fieldName string, filter any, opts ...options.Lister[options.DistinctOptions]) *mongo.DistinctResult
}

// Distinct returns the distinct values of field among the documents filter
// matches (a nil filter matches all), in the server's order:
//
//	tags, err := runtime.Distinct(ctx, coll, BookFields.Tags, nil)   // []string
//
// It runs in the transaction of ctx, if any. Errors are [*OpError]s, made
// with [Failed].
func Distinct[V any](ctx context.Context, src Distincter, field DistinctField[V], filter Filter) ([]V, error) {
	res := src.Distinct(ctx, field.Path(), FilterDoc(filter))
	// The driver's Decode does not report the command's own error: it
	// decodes the missing array and fails with unexpected EOF. Err first.
	err := res.Err()
	vals := []V{}
	if err == nil {
		err = res.Decode(&vals)
	}
	if err != nil {
		return nil, Failed(ctx, src.Name(), "distinct", err)
	}
	return vals, nil
}
