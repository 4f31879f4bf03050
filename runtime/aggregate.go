package runtime

import (
	"context"
	"iter"
	"reflect"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Aggregate runs an aggregation pipeline on the collection of repo and
// decodes every result into an R, a struct whose bson tags name the fields
// the pipeline outputs:
//
//	type Revenue struct {
//		Owner   string `bson:"_id"`
//		Revenue int64  `bson:"revenue"`
//	}
//	rows, err := runtime.Aggregate[Revenue](ctx, store.Order,
//		runtime.Lookup("accounts", OrderFields.AccountID, AccountFields.ID, "account"),
//		runtime.Unwind(runtime.Path("account")),
//		runtime.Group(runtime.Path("account.owner"), runtime.Sum("revenue", OrderFields.Total)),
//		runtime.Sort(runtime.Path("revenue").Desc()))
//
// It runs in the transaction of ctx, if any, or in that of the repository
// when it is bound to one, so it sees the transaction's own writes,
// $lookup's foreign collection included; a soft-deleted type's deleted
// documents are left out of its input unless the stages include
// [WithDeleted]. Results of the repository's own type T (R being T) get
// its AfterLoad hook. No result gives an empty slice. Errors are [*OpError]s made with [Failed];
// a stage the server refuses fails with the server's error. Use
// [AggregateIter] for results too large to hold at once.
func Aggregate[R any](ctx context.Context, repo Corer, stages ...Stage) ([]R, error) {
	out := []R{}
	for r, err := range AggregateIter[R](ctx, repo, stages...) {
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// AggregateIter is [Aggregate] one result at a time: the pipeline runs when
// the loop starts, each batch is fetched as the loop reaches it, and
// breaking out of the loop closes the cursor. An error is yielded as (zero
// R, err) and ends the sequence. The body of the loop may run other
// operations of the same transaction between results.
func AggregateIter[R any](ctx context.Context, repo Corer, stages ...Stage) iter.Seq2[R, error] {
	return func(yield func(R, error) bool) {
		var zero R
		core := repo.Core()
		coll := core.coll
		fail := func(ctx context.Context, err error) { yield(zero, Failed(ctx, coll.Name(), "aggregate", err)) }
		p := NewPipeline(stages...)
		bound, prefix := core.aggregateScope(p)
		p.Stages = append(prefix[:len(prefix):len(prefix)], p.Stages...)
		loaded := core.s.hasAfterLoad && reflect.TypeFor[*R]() == core.s.ptr
		cur, err := openAggregate(ctx, bound, coll, p)
		if err != nil {
			fail(bound.Bind(ctx), err)
			return
		}
		ctx = bound.Bind(ctx)
		defer closeCursor(ctx, cur)
		for {
			sctx, span, err := Enter(ctx, nil)
			if err != nil {
				fail(sctx, err)
				return
			}
			more := cur.Next(sctx)
			span.End()
			if !more {
				break
			}
			var r R
			err = cur.Decode(&r)
			if err == nil && loaded {
				err = core.s.afterLoad(ctx, &r)
			}
			if err != nil {
				fail(ctx, err)
				return
			}
			if !yield(r, nil) {
				return
			}
		}
		if err := cur.Err(); err != nil {
			fail(ctx, err)
		}
	}
}

// openAggregate sends the aggregate command inside a span.
func openAggregate(ctx context.Context, bound *Tx, coll *mongo.Collection, p Pipeline) (*mongo.Cursor, error) {
	ctx, span, err := Enter(ctx, bound)
	if err != nil {
		return nil, err
	}
	defer span.End()
	opts := options.Aggregate()
	if p.Options.BatchSize > 0 {
		opts.SetBatchSize(p.Options.BatchSize)
	}
	stages := p.Stages
	if stages == nil {
		stages = []bson.D{}
	}
	return coll.Aggregate(ctx, stages, opts)
}

// closeCursor closes cur inside a span; a cursor left open by an ended
// attempt is the server's to reap.
func closeCursor(ctx context.Context, cur *mongo.Cursor) {
	ctx, span, err := Enter(ctx, nil)
	if err != nil {
		return
	}
	_ = cur.Close(ctx)
	span.End()
}
