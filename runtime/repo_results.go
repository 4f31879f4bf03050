package runtime

import (
	"iter"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The generic functions that give a Repo's results the generated type: the
// only code of the repository core that is compiled once per collection
// type, as a call of the shared code with the type's dictionary.

// One types the result of a Repo read of one document: the *T in doc, or
// the zero P with the error.
//
//	return runtime.One[*Account](r.core().Get(ctx, id))
//
// One is not inlined: each generated read that returns one document would
// then compile its body again, about 1.5 ms of compile CPU per collection
// type for one call at run time (BENCHMARKS.md, "Compact output").
//
//go:noinline
func One[P any](doc any, err error) (P, error) {
	p, _ := doc.(P)
	return p, err
}

// Query is a find that a [Repo] has prepared, to be run by [All] or [Each],
// which decode its documents into the caller's type.
type Query struct {
	o      op
	s      *schema
	filter bson.D
	opts   *options.FindOptionsBuilder
}

// All runs q and decodes every document it finds into a P (a *T): an
// empty, non-nil slice when none matches.
//
//	return runtime.All[*Account](r.core().Find(ctx, filter, opts...))
func All[P any](q Query) ([]P, error) {
	var docs []P
	err := q.run(func(n int) { docs = make([]P, 0, n) }, func(doc any) bool {
		p, _ := doc.(P)
		docs = append(docs, p)
		return true
	})
	if err != nil {
		return nil, q.o.done(err)
	}
	if docs == nil {
		docs = []P{}
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
		err := q.run(nil, func(doc any) bool {
			p, _ := doc.(P)
			return yield(p, nil)
		})
		if err != nil {
			var zero P
			yield(zero, q.o.done(err))
		}
	}
}

// run sends q, calls opened with the size of the first batch when it is
// not nil, and decodes the documents one at a time, passing each to yield
// until yield returns false. It returns the first error. The query, each
// cursor batch and the cursor's close are driver calls of their own, each
// inside [Enter]; yield runs outside them, so it may run other operations
// of the same transaction. The loop is not generic: it is compiled once.
func (q Query) run(opened func(n int), yield func(doc any) bool) error {
	o := q.o
	span, err := o.enter()
	if err != nil {
		return err
	}
	cur, err := o.coll.Find(o.ctx, q.filter, q.opts)
	span.End()
	if err != nil {
		return err
	}
	defer q.close(cur)
	if opened != nil {
		opened(cur.RemainingBatchLength())
	}
	for {
		span, err := o.enter()
		if err != nil {
			return err
		}
		more := cur.Next(o.ctx)
		span.End()
		if !more {
			return cur.Err()
		}
		doc := q.s.newDoc()
		if q.s.decode != nil {
			err = q.s.decode(doc, cur.Current)
		} else {
			err = cur.Decode(doc)
		}
		if err == nil {
			err = q.s.afterLoad(o.ctx, doc) // outside the span: it may use the repository
		}
		if err != nil {
			return err
		}
		if !yield(doc) {
			return nil
		}
	}
}

// close closes cur inside [Enter]. When the transaction refuses the call
// (its attempt has ended, or another operation of it is running) the
// cursor is left to the server, which drops it with the transaction: a
// killCursors now would run on a session that is not this goroutine's.
func (q Query) close(cur *mongo.Cursor) {
	span, err := q.o.enter()
	if err != nil {
		return
	}
	_ = cur.Close(q.o.ctx)
	span.End()
}
