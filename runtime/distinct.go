package runtime

import "context"

// DistinctField is a field [Distinct] can read: every field kind. Its type
// parameter is the Go type of the values distinct returns, V for a field of
// V and E for an array of E, whose elements MongoDB returns one by one.
type DistinctField[V any] interface {
	Pather
	distinctValue(V)
}

// Distinct returns the distinct values of field among the documents of
// repo that filter matches (a nil filter matches all), in the server's
// order:
//
//	tags, err := runtime.Distinct(ctx, store.Book, BookFields.Tags, nil) // []string
//
// It runs in the transaction of ctx, if any, or in that of the repository
// when it is bound to one, and leaves a soft-deleted type's deleted
// documents out. Errors are [*OpError]s, made with [Failed].
func Distinct[V any](ctx context.Context, repo Corer, field DistinctField[V], filter Filter) ([]V, error) {
	vals := []V{}
	if err := repo.Core().distinct(ctx, field.Path(), filter, &vals); err != nil {
		return nil, err
	}
	return vals, nil
}

// distinct runs the driver's distinct command of the field at path on r's
// collection, in r's transaction, leaving out soft-deleted documents, and
// decodes the values into vals, a *[]V: the typed [Distinct], whose generic
// part is only that slice.
func (r Repo) distinct(ctx context.Context, path string, filter Filter, vals any) error {
	o := r.begin(ctx, "distinct")
	span, err := o.enter()
	if err != nil {
		return o.done(err)
	}
	res := r.coll.Distinct(o.ctx, path, r.live(FilterDoc(filter)))
	span.End()
	// The driver's Decode does not report the command's own error: it
	// decodes the missing array and fails with unexpected EOF. Err first.
	err = res.Err()
	if err == nil {
		err = res.Decode(vals)
	}
	return o.done(err)
}
