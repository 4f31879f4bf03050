package runtime

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Upsert is the generated Upsert: it applies update to the first document
// matching filter or, when none matches, inserts a new document made of
// filter's equalities and update; it reports whether it inserted. Both get
// the stamps of UpdateMany (updated set, version incremented: 1 on a new
// document, as a $inc on a missing field sets it); only an insert gets the
// created stamp, through $setOnInsert.
//
// Two concurrent Upserts of one new key may both match nothing and both
// insert: with a unique index on the key the server retries the loser as an
// update, or reports a duplicate key, an error matching [ErrDuplicateKey], to
// be retried.
func (r Repo) Upsert(ctx context.Context, filter Filter, update Update) (bool, error) {
	o := r.begin(ctx, "upsert")
	update = r.s.stamped(update)
	if r.s.Created != nil {
		update = Combine(update, opUpdate{op: "$setOnInsert", path: r.s.Created.path, val: now()})
	}
	cctx, span, err := Enter(o.ctx, r.tx)
	if err != nil {
		return false, o.done(err)
	}
	res, err := r.coll.UpdateOne(cctx, r.live(FilterDoc(filter)), UpdateDoc(update), options.UpdateOne().SetUpsert(true))
	span.End()
	if err != nil {
		return false, o.done(err)
	}
	return res.UpsertedCount > 0, nil
}

// Name is the name of r's collection: with Distinct it makes a generated
// repository a [Distincter], for the typed [Distinct].
func (r Repo) Name() string { return r.coll.Name() }

// Distinct is the generated Distinct: the driver's distinct command on r's
// collection, in r's transaction, leaving out soft-deleted documents.
// Applications call the typed [Distinct] with the repository instead, which
// returns the values as a slice of the field's type:
//
//	tags, err := runtime.Distinct(ctx, store.Book, BookFields.Tags, nil) // []string
func (r Repo) Distinct(ctx context.Context, fieldName string, filter any, opts ...options.Lister[options.DistinctOptions]) *mongo.DistinctResult {
	if d, ok := filter.(bson.D); ok || filter == nil {
		filter = r.live(d) // a soft-deleted type's deleted documents left out
	}
	return r.coll.Distinct(r.tx.Bind(ctx), fieldName, filter, opts...)
}
