package runtime

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Get is the generated Get: the document whose _id is id, or an error
// matching [ErrNotFound] when there is none.
func (r Repo) Get(ctx context.Context, id any) (any, error) {
	return r.findOne(r.begin(ctx, "get"), r.live(byID(id)), nil)
}

// GetBy is the generated GetBy<F> method named op: the document matching
// filter, an equality on a unique field, so that there is at most one, or an
// error matching [ErrNotFound].
func (r Repo) GetBy(ctx context.Context, op string, filter Filter) (any, error) {
	return r.findOne(r.begin(ctx, op), r.live(FilterDoc(filter)), nil)
}

// FindOne is the generated FindOne: the first document matching filter (any
// document for a nil filter) in the order opts give, or an error matching
// [ErrNotFound] when none matches. Of opts, only sort and skip apply.
func (r Repo) FindOne(ctx context.Context, filter Filter, opts ...FindOption) (any, error) {
	return r.findOne(r.begin(ctx, "findOne"), r.live(FilterDoc(filter), opts...), FindOneArgs(opts))
}

// Find is the generated Find: the documents matching filter (all documents
// for a nil filter), shaped by opts (sort, skip, limit, batch size, Select),
// once [All] runs the query. No match gives an empty slice and a nil error.
// Use Iter for results too large to hold at once.
func (r Repo) Find(ctx context.Context, filter Filter, opts ...FindOption) Query {
	return Query{o: r.begin(ctx, "find"), s: r.s, filter: r.live(FilterDoc(filter), opts...), opts: FindArgs(opts)}
}

// FindBy is the generated FindBy<F> method named op: Find with filter, an
// equality on an indexed field.
func (r Repo) FindBy(ctx context.Context, op string, filter Filter, opts ...FindOption) Query {
	return Query{o: r.begin(ctx, op), s: r.s, filter: r.live(FilterDoc(filter), opts...), opts: FindArgs(opts)}
}

// Iter is the generated Iter: the query of Find, whose documents [Each]
// yields one at a time. The query runs when the loop starts; breaking out of
// the loop closes the cursor. An error is yielded as (nil, err) and ends the
// sequence. The loop's body may run other operations of the same
// transaction.
func (r Repo) Iter(ctx context.Context, filter Filter, opts ...FindOption) Query {
	return Query{o: r.begin(ctx, "iter"), s: r.s, filter: r.live(FilterDoc(filter), opts...), opts: FindArgs(opts)}
}

// Count is the generated Count: the number of documents matching filter (all
// documents for a nil filter), counted exactly, inside transactions too. Of
// opts, Skip, Limit and WithDeleted apply; the others change nothing.
func (r Repo) Count(ctx context.Context, filter Filter, opts ...FindOption) (int64, error) {
	o := r.begin(ctx, "count")
	span, err := o.enter()
	if err != nil {
		return 0, o.done(err)
	}
	n, err := r.coll.CountDocuments(o.ctx, r.live(FilterDoc(filter), opts...), CountArgs(opts))
	span.End()
	if err != nil {
		return 0, o.done(err)
	}
	return n, nil
}

// findOne decodes the first document matching filter into a new document.
func (r Repo) findOne(o op, filter bson.D, opts *options.FindOneOptionsBuilder) (any, error) {
	span, err := o.enter()
	if err != nil {
		return nil, o.done(err)
	}
	doc, err := r.s.decodeResult(r.coll.FindOne(o.ctx, filter, opts))
	span.End()
	if err != nil {
		return nil, o.done(err)
	}
	if err := r.s.afterLoad(o.ctx, doc); err != nil {
		return nil, o.done(err)
	}
	return doc, nil
}

// decodeResult decodes the document of res into a new document: with the
// generated codec when the type has one, reading the reply's bytes, else
// with the driver's decoder. The error of res is returned as is.
func (s *schema) decodeResult(res *mongo.SingleResult) (any, error) {
	doc := s.newDoc()
	if s.decode == nil {
		return doc, res.Decode(doc)
	}
	raw, err := res.Raw()
	if err != nil {
		return nil, err
	}
	return doc, s.decode(doc, raw)
}
