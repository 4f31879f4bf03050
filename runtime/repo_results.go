package runtime

import (
	"iter"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The generic functions that give a Repo's results the generated type: the
// only code of the repository core that is compiled once per collection
// type, as a call of the shared code with the type's dictionary.

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
	if q.s.AfterLoad != nil {
		for _, doc := range docs {
			if err := q.s.afterLoad(o.ctx, doc); err != nil {
				return nil, o.done(err)
			}
		}
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
			err := cur.Decode(doc)
			if err == nil {
				err = q.s.afterLoad(o.ctx, doc)
			}
			if err != nil {
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
