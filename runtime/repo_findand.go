package runtime

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// FindOneAndReplace is the generated FindOneAndReplace: it replaces the first
// document matching filter, in the sort order of opts, by doc, prepared as
// [Repo.Replace] prepares it (updated stamp set, version incremented, the
// BeforeSave hook run), and returns the document as stored after. When the
// type has a version, the stored document must also have doc's version: a
// document matching filter with another version is an error matching
// [ErrVersionConflict], no match one matching [ErrNotFound]. When it fails
// doc gets its old values back, and so it does when the transaction it ran in
// is aborted.
func (r Repo) FindOneAndReplace(ctx context.Context, filter Filter, doc any, opts ...FindOption) (any, error) {
	o := r.begin(ctx, "findOneAndReplace")
	if err := r.s.beforeSave(o.ctx, doc); err != nil {
		return nil, o.done(err)
	}
	u := r.s.stampReplace(doc)
	cond := r.live(FilterDoc(filter), opts...)
	if u.version != nil {
		cond = bson.D{{Key: "$and", Value: bson.A{cond, bson.D{u.counter.is(u.oldVersion)}}}}
	}
	span, err := o.enter()
	var out any
	if err == nil {
		out, err = r.s.decodeResult(r.coll.FindOneAndReplace(o.ctx, cond, doc, FindOneAndReplaceArgs(opts)))
		span.End()
	}
	if errors.Is(err, mongo.ErrNoDocuments) && u.version != nil {
		err = conflictOrNotFound(o, r.live(FilterDoc(filter), opts...))
	}
	if err == nil {
		err = r.s.afterLoad(o.ctx, out)
	}
	if err != nil {
		u.restore()
		return nil, o.done(err)
	}
	RestoreOnAbort(o.ctx, u.restore)
	return out, nil
}

// FindOneAndDelete is the generated FindOneAndDelete: it deletes the first
// document matching filter, in the sort order of opts, and returns it, or
// fails with an error matching [ErrNotFound] when none matches. For a
// soft-deleted type it marks the document, as [Repo.Delete] does.
func (r Repo) FindOneAndDelete(ctx context.Context, filter Filter, opts ...FindOption) (any, error) {
	o := r.begin(ctx, "findOneAndDelete")
	span, err := o.enter()
	if err != nil {
		return nil, o.done(err)
	}
	var res *mongo.SingleResult
	if r.s.Deleted != "" {
		// A soft-deleted type's document is marked, as Delete marks it, and
		// returned as it is after.
		res = r.coll.FindOneAndUpdate(o.ctx, r.live(FilterDoc(filter), opts...), r.s.deletedMark(now()), FindOneAndUpdateArgs(opts))
	} else {
		res = r.coll.FindOneAndDelete(o.ctx, FilterDoc(filter), FindOneAndDeleteArgs(opts))
	}
	out, err := r.s.decodeResult(res)
	span.End()
	if err == nil {
		err = r.s.afterLoad(o.ctx, out)
	}
	if err != nil {
		return nil, o.done(err)
	}
	return out, nil
}
