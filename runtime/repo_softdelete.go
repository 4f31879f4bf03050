package runtime

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Soft delete. A type whose Schema names a Deleted field keeps its deleted
// documents: Delete and DeleteMany set the field to the current time (with
// the Updated stamp and the version bump of any update), and every other
// operation of the repository sees only the documents whose field is null
// or missing, {deleted: null}, unless a find option [WithDeleted] asks for
// the deleted ones too. Restore clears the field; HardDelete removes the
// document.
//
// Unique indexes of such a type are partial, {deleted: null}: a deleted
// member's email does not block a new sign-up, and the reads of the
// repository, whose filters carry the same {deleted: null}, can use them.
// Restoring a document whose unique value a live one has taken since fails
// with the duplicate key error. mongod accepts an equality with null in a
// partialFilterExpression (the EQ match expression); it refuses
// {$exists: false}, which is a $not.

// WithDeleted makes a read of a soft-deleted type see deleted documents
// too: Find, FindOne, Iter, FindOneAndUpdate, and an aggregate's input
// when given as one of its stages. It changes nothing for other types.
func WithDeleted() FindOption { return func(o *FindOptions) { o.WithDeleted = true } }

// live returns filter restricted to the documents that are not
// soft-deleted, unless the type is not soft-deleted or opts ask for
// deleted documents too. filter itself is not changed.
func (r Repo) live(filter bson.D, opts ...FindOption) bson.D {
	path := r.s.Deleted
	if path == "" || (len(opts) > 0 && ApplyFindOptions(opts).WithDeleted) {
		return filter
	}
	return andNull(filter, path)
}

// andNull is filter and {path: null}: the condition appended when filter
// does not test path already (a filter with it twice would be ambiguous to
// read), else both in an $and.
func andNull(filter bson.D, path string) bson.D {
	isNull := bson.E{Key: path, Value: nil}
	for _, e := range filter {
		if e.Key == path {
			return bson.D{{Key: "$and", Value: bson.A{filter, bson.D{isNull}}}}
		}
	}
	out := make(bson.D, len(filter), len(filter)+1)
	copy(out, filter)
	return append(out, isNull)
}

// deletedMark is the update that soft-deletes: the mark set to now, with
// the stamps of every update.
func (s *schema) deletedMark(v any) bson.D {
	return UpdateDoc(s.stamped(opUpdate{op: "$set", path: s.Deleted, val: v}))
}

// softDelete is Delete of a soft-deleted type: the mark set on the live
// document whose _id is id, or ErrNotFound when there is none (a deleted
// document included).
func (r Repo) softDelete(o op, id any) error {
	span, err := o.enter()
	if err != nil {
		return o.done(err)
	}
	res, err := r.coll.UpdateOne(o.ctx, r.live(byID(id)), r.s.deletedMark(now()))
	span.End()
	if err == nil && res.MatchedCount == 0 {
		err = ErrNotFound
	}
	return o.done(err)
}

// softDeleteMany is DeleteMany of a soft-deleted type: the mark set on
// every live document filter matches, whose number it returns.
func (r Repo) softDeleteMany(o op, filter bson.D) (int64, error) {
	span, err := o.enter()
	if err != nil {
		return 0, o.done(err)
	}
	res, err := r.coll.UpdateMany(o.ctx, r.live(filter), r.s.deletedMark(now()))
	span.End()
	if err != nil {
		return 0, o.done(err)
	}
	return res.ModifiedCount, nil
}

// Restore is the generated Restore: it clears the deleted mark of the
// document whose _id is id, with the stamps of an update, so that every
// method sees the document again. Restoring a document that is not deleted
// does nothing; it fails with an error matching [ErrNotFound] when there is
// no document with that _id, and with a duplicate key error
// ([ErrDuplicateKey]) when a document not deleted has taken one of its unique
// values since.
func (r Repo) Restore(ctx context.Context, id any) error {
	o := r.begin(ctx, "restore")
	filter := bson.D{{Key: "_id", Value: id}, {Key: r.s.Deleted, Value: bson.D{{Key: "$ne", Value: nil}}}}
	span, err := o.enter()
	if err != nil {
		return o.done(err)
	}
	res, err := r.coll.UpdateOne(o.ctx, filter, r.s.deletedMark(nil))
	span.End()
	if err == nil && res.MatchedCount == 0 {
		err = exists(o, byID(id))
	}
	return o.done(err)
}

// HardDelete is the generated HardDelete: it removes the document whose _id
// is id for good, deleted or not, or fails with an error matching
// [ErrNotFound] when there is none.
func (r Repo) HardDelete(ctx context.Context, id any) error {
	return r.remove(r.begin(ctx, "hardDelete"), id)
}

// exists is nil when a document matches filter, else ErrNotFound.
func exists(o op, filter bson.D) error {
	span, err := o.enter()
	if err != nil {
		return err
	}
	n, err := o.coll.CountDocuments(o.ctx, filter, options.Count().SetLimit(1))
	span.End()
	switch {
	case err != nil:
		return err
	case n == 0:
		return ErrNotFound
	}
	return nil
}

// aggregateScope is what r adds to an aggregate of the pipeline p: the
// transaction attempt it runs in (nil: the one its context carries, if
// any), as [Enter] takes it, and the stages that run before the caller's,
// for a soft-deleted type the $match that leaves deleted documents out,
// unless the stages include [WithDeleted].
func (r Repo) aggregateScope(p Pipeline) (*Tx, []bson.D) {
	if r.s.Deleted == "" || p.Options.WithDeleted {
		return r.tx, nil
	}
	return r.tx, []bson.D{{{Key: "$match", Value: bson.D{{Key: r.s.Deleted, Value: nil}}}}}
}
