package runtime

import (
	"context"
	"iter"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Get is the generated Get: the document whose _id is id, or an error
// matching [ErrNotFound].
func (r Repo[P]) Get(ctx context.Context, id any) (P, error) {
	return r.findOne(r.begin(ctx, "get"), byID(id), nil)
}

// GetBy is the generated GetBy<F> method named op: the document matching
// filter, an equality on a unique field, or an error matching [ErrNotFound].
func (r Repo[P]) GetBy(ctx context.Context, op string, filter Filter) (P, error) {
	return r.findOne(r.begin(ctx, op), FilterDoc(filter), nil)
}

// FindOne is the generated FindOne: the first document matching filter in
// the order of opts, or an error matching [ErrNotFound].
func (r Repo[P]) FindOne(ctx context.Context, filter Filter, opts ...FindOption) (P, error) {
	return r.findOne(r.begin(ctx, "findOne"), FilterDoc(filter), FindOneArgs(opts))
}

// Find is the generated Find: every document matching filter, shaped by
// opts; an empty, non-nil slice when none matches.
func (r Repo[P]) Find(ctx context.Context, filter Filter, opts ...FindOption) ([]P, error) {
	return r.find(r.begin(ctx, "find"), FilterDoc(filter), FindArgs(opts))
}

// FindBy is the generated FindBy<F> method named op: Find with filter, an
// equality on an indexed field.
func (r Repo[P]) FindBy(ctx context.Context, op string, filter Filter, opts ...FindOption) ([]P, error) {
	return r.find(r.begin(ctx, op), FilterDoc(filter), FindArgs(opts))
}

// Iter is the generated Iter: the documents of Find one at a time, the
// query sent when the loop starts and the cursor closed when it ends. An
// error is yielded as (nil, err) and ends the sequence.
func (r Repo[P]) Iter(ctx context.Context, filter Filter, opts ...FindOption) iter.Seq2[P, error] {
	return func(yield func(P, error) bool) {
		var zero P
		o := r.begin(ctx, "iter")
		cur, err := r.coll.Find(o.ctx, FilterDoc(filter), FindArgs(opts))
		if err != nil {
			yield(zero, o.done(err))
			return
		}
		defer cur.Close(o.ctx)
		for cur.Next(o.ctx) {
			doc := r.s.New()
			if err := cur.Decode(doc); err != nil {
				yield(zero, o.done(err))
				return
			}
			if !yield(doc, nil) {
				return
			}
		}
		if err := o.done(cur.Err()); err != nil {
			yield(zero, err)
		}
	}
}

// Count is the generated Count: the exact number of documents matching
// filter.
func (r Repo[P]) Count(ctx context.Context, filter Filter) (int64, error) {
	o := r.begin(ctx, "count")
	n, err := r.coll.CountDocuments(o.ctx, FilterDoc(filter))
	if err != nil {
		return 0, o.done(err)
	}
	return n, nil
}

// findOne decodes the first document matching filter.
func (r Repo[P]) findOne(o op, filter bson.D, opts *options.FindOneOptionsBuilder) (P, error) {
	doc := r.s.New()
	if err := r.coll.FindOne(o.ctx, filter, opts).Decode(doc); err != nil {
		var zero P
		return zero, o.done(err)
	}
	return doc, nil
}

// find decodes every document matching filter.
func (r Repo[P]) find(o op, filter bson.D, opts *options.FindOptionsBuilder) ([]P, error) {
	cur, err := r.coll.Find(o.ctx, filter, opts)
	if err != nil {
		return nil, o.done(err)
	}
	docs := []P{}
	if err := cur.All(o.ctx, &docs); err != nil {
		return nil, o.done(err)
	}
	return docs, nil
}
