package runtime

import (
	"context"
	"iter"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// One types the result of a Repo read of one document: the *T in doc, or
// the zero P with the error.
//
//	return runtime.One[*Account](r.core().Get(ctx, id))
func One[P any](doc any, err error) (P, error) {
	p, _ := doc.(P)
	return p, err
}

// Query is a find that a [Repo] has prepared, to be run by [All] or [Each],
// which decode its documents into the caller's type.
type Query struct {
	o      op
	s      *Schema
	filter bson.D
	opts   *options.FindOptionsBuilder
}

// All runs q and decodes every document it finds into a P (a *T): an
// empty, non-nil slice when none matches.
//
//	return runtime.All[*Account](r.core().Find(ctx, filter, opts...))
func All[P any](q Query) ([]P, error) {
	o := q.o
	cur, err := o.coll.Find(o.ctx, q.filter, q.opts)
	if err != nil {
		return nil, o.done(err)
	}
	docs := []P{}
	if err := cur.All(o.ctx, &docs); err != nil {
		return nil, o.done(err)
	}
	return docs, nil
}

// Each returns the documents of q one at a time, decoded into a P (a *T):
// the query is sent when the loop starts and the cursor closed when it
// ends. An error is yielded as (nil, err) and ends the sequence.
//
//	return runtime.Each[*Account](r.core().Iter(ctx, filter, opts...))
//
// Each is not inlined: its loop would then be compiled again into every
// generated Iter, once per collection type.
//
//go:noinline
func Each[P any](q Query) iter.Seq2[P, error] {
	return func(yield func(P, error) bool) {
		var zero P
		o := q.o
		cur, err := o.coll.Find(o.ctx, q.filter, q.opts)
		if err != nil {
			yield(zero, o.done(err))
			return
		}
		defer cur.Close(o.ctx)
		for cur.Next(o.ctx) {
			doc := q.s.New()
			if err := cur.Decode(doc); err != nil {
				yield(zero, o.done(err))
				return
			}
			if p, _ := doc.(P); !yield(p, nil) {
				return
			}
		}
		if err := o.done(cur.Err()); err != nil {
			yield(zero, err)
		}
	}
}

// Get is the generated Get: the document whose _id is id, or an error
// matching [ErrNotFound].
func (r Repo) Get(ctx context.Context, id any) (any, error) {
	return r.findOne(r.begin(ctx, "get"), byID(id), nil)
}

// GetBy is the generated GetBy<F> method named op: the document matching
// filter, an equality on a unique field, or an error matching [ErrNotFound].
func (r Repo) GetBy(ctx context.Context, op string, filter Filter) (any, error) {
	return r.findOne(r.begin(ctx, op), FilterDoc(filter), nil)
}

// FindOne is the generated FindOne: the first document matching filter in
// the order of opts, or an error matching [ErrNotFound].
func (r Repo) FindOne(ctx context.Context, filter Filter, opts ...FindOption) (any, error) {
	return r.findOne(r.begin(ctx, "findOne"), FilterDoc(filter), FindOneArgs(opts))
}

// Find is the generated Find: every document matching filter, shaped by
// opts, once [All] runs it.
func (r Repo) Find(ctx context.Context, filter Filter, opts ...FindOption) Query {
	return Query{o: r.begin(ctx, "find"), s: r.s, filter: FilterDoc(filter), opts: FindArgs(opts)}
}

// FindBy is the generated FindBy<F> method named op: Find with filter, an
// equality on an indexed field.
func (r Repo) FindBy(ctx context.Context, op string, filter Filter, opts ...FindOption) Query {
	return Query{o: r.begin(ctx, op), s: r.s, filter: FilterDoc(filter), opts: FindArgs(opts)}
}

// Iter is the generated Iter: the query of Find, for [Each] to run.
func (r Repo) Iter(ctx context.Context, filter Filter, opts ...FindOption) Query {
	return Query{o: r.begin(ctx, "iter"), s: r.s, filter: FilterDoc(filter), opts: FindArgs(opts)}
}

// Count is the generated Count: the exact number of documents matching
// filter.
func (r Repo) Count(ctx context.Context, filter Filter) (int64, error) {
	o := r.begin(ctx, "count")
	n, err := r.coll.CountDocuments(o.ctx, FilterDoc(filter))
	if err != nil {
		return 0, o.done(err)
	}
	return n, nil
}

// findOne decodes the first document matching filter into a new document.
func (r Repo) findOne(o op, filter bson.D, opts *options.FindOneOptionsBuilder) (any, error) {
	doc := r.s.New()
	if err := r.coll.FindOne(o.ctx, filter, opts).Decode(doc); err != nil {
		return nil, o.done(err)
	}
	return doc, nil
}
