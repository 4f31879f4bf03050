package runtime

import (
	"context"

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
	if r.s.created.set {
		update = Combine(update, opUpdate{op: "$setOnInsert", path: r.s.created.path, val: now()})
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
