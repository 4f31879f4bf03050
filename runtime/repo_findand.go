package runtime

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// FindOneAndReplace is the generated FindOneAndReplace: it replaces the
// first document matching filter, in the order of opts, by doc, prepared
// as Replace prepares it (updated set, version incremented), and returns
// the document as stored after. When the type has a version, the stored
// document must also have doc's version: a document matching filter with
// another version is an error matching [ErrVersionConflict], no match one
// matching [ErrNotFound]. When it fails doc gets its old values back, and
// so it does when the transaction it ran in is aborted.
func (r Repo) FindOneAndReplace(ctx context.Context, filter Filter, doc any, opts ...FindOption) (any, error) {
	o := r.begin(ctx, "findOneAndReplace")
	u := r.s.stampReplace(doc)
	cond := FilterDoc(filter)
	if u.version != nil {
		cond = bson.D{{Key: "$and", Value: bson.A{cond, bson.D{{Key: r.s.Version.path, Value: u.kind.typed(u.oldVersion)}}}}}
	}
	out := r.s.New()
	cctx, span, err := Enter(o.ctx, r.tx)
	if err == nil {
		err = r.coll.FindOneAndReplace(cctx, cond, doc, FindOneAndReplaceArgs(opts)).Decode(out)
		span.End()
	}
	if errors.Is(err, mongo.ErrNoDocuments) && u.version != nil {
		err = r.whyNoMatch(o, FilterDoc(filter))
	}
	if err != nil {
		u.restore()
		return nil, o.done(err)
	}
	RestoreOnAbort(o.ctx, u.restore)
	return out, nil
}

// whyNoMatch tells why a versioned write on the documents filter
// matches found nothing: one exists with another version, or none exists.
func (r Repo) whyNoMatch(o op, filter bson.D) error {
	cctx, span, err := Enter(o.ctx, r.tx)
	if err != nil {
		return err
	}
	n, err := r.coll.CountDocuments(cctx, filter, options.Count().SetLimit(1))
	span.End()
	switch {
	case err != nil:
		return err
	case n == 0:
		return ErrNotFound
	}
	return ErrVersionConflict
}

// FindOneAndDelete is the generated FindOneAndDelete: it deletes the first
// document matching filter, in the order of opts, and returns it, or fails
// with an error matching [ErrNotFound].
func (r Repo) FindOneAndDelete(ctx context.Context, filter Filter, opts ...FindOption) (any, error) {
	o := r.begin(ctx, "findOneAndDelete")
	out := r.s.New()
	cctx, span, err := Enter(o.ctx, r.tx)
	if err == nil {
		err = r.coll.FindOneAndDelete(cctx, FilterDoc(filter), FindOneAndDeleteArgs(opts)).Decode(out)
		span.End()
	}
	if err != nil {
		return nil, o.done(err)
	}
	return out, nil
}
