package mongotest_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
)

// $out, $merge, database aggregates, let in aggregate, and the small read
// answers the drivers' CRUD specification checks.

func mqlAggregate(t testing.TB, agg interface {
	Aggregate(ctx context.Context, pipeline any, opts ...options.Lister[options.AggregateOptions]) (*mongo.Cursor, error)
}, pipeline string, opts ...options.Lister[options.AggregateOptions]) ([]bson.D, error) {
	t.Helper()
	ctx := mqlCtx(t)
	cur, err := agg.Aggregate(ctx, mqlPipeline(t, pipeline), opts...)
	if err != nil {
		return nil, err
	}
	var out []bson.D
	return out, cur.All(ctx, &out)
}

func TestAggregateOutAndMerge(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		db := b.DB(t)
		src, dst := db.Collection("src"), db.Collection("dst")
		mqlInsert(t, src, mqlDocs(t, `[{"_id": 1, "x": 1}, {"_id": 2, "x": 2}, {"_id": 3, "x": 3}]`))
		mqlInsert(t, dst, mqlDocs(t, `[{"_id": 9, "old": true}]`))
		sorted := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}})

		got, err := mqlAggregate(t, src, `[{"$match": {"x": {"$gte": 2}}}, {"$out": "dst"}]`)
		mqlMust(t, err)
		if len(got) != 0 {
			t.Errorf("$out returned %v, want nothing", got)
		}
		want := mqlDocs(t, `[{"_id": 2, "x": 2}, {"_id": 3, "x": 3}]`)
		if d := mqlDiff(want, mqlFind(t, dst, bson.D{}, sorted)); d != "" {
			t.Errorf("after $out (-want +got):\n%s", d)
		}

		_, err = mqlAggregate(t, src, `[{"$set": {"y": "$x"}}, {"$project": {"x": 0}}, {"$merge": {"into": "dst"}}]`)
		mqlMust(t, err)
		want = mqlDocs(t, `[{"_id": 1, "y": 1}, {"_id": 2, "x": 2, "y": 2}, {"_id": 3, "x": 3, "y": 3}]`)
		if d := mqlDiff(want, mqlFind(t, dst, bson.D{}, sorted)); d != "" {
			t.Errorf("after $merge (-want +got):\n%s", d)
		}

		_, err = mqlAggregate(t, src, `[{"$merge": {"into": "dst", "whenMatched": "replace", "whenNotMatched": "discard"}}]`)
		mqlMust(t, err)
		want = mqlDocs(t, `[{"_id": 1, "x": 1}, {"_id": 2, "x": 2}, {"_id": 3, "x": 3}]`)
		if d := mqlDiff(want, mqlFind(t, dst, bson.D{}, sorted)); d != "" {
			t.Errorf("after $merge replace (-want +got):\n%s", d)
		}

		_, err = mqlAggregate(t, src, `[{"$merge": {"into": "dst", "whenMatched": "fail"}}]`)
		mqlWantError(t, err, 11000, "")
		_, err = mqlAggregate(t, src, `[{"$out": "dst"}, {"$match": {}}]`)
		mqlWantError(t, err, 40601, "")
		_, err = mqlAggregate(t, src, `[{"$merge": {"into": "dst", "on": "x"}}]`)
		mqlWantError(t, err, 2, "")
	})
}

func TestDatabaseAggregate(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		db := b.DB(t)
		got, err := mqlAggregate(t, db, `[{"$documents": [{"a": 1}, {"a": 2}]}, {"$match": {"a": 2}}]`)
		mqlMust(t, err)
		if d := mqlDiff(mqlDocs(t, `[{"a": 2}]`), got); d != "" {
			t.Errorf("$documents (-want +got):\n%s", d)
		}
		got, err = mqlAggregate(t, db, `[{"$listLocalSessions": {}}, {"$limit": 1}, {"$project": {"_id": 0, "has": {"$gt": ["$lastUse", null]}}}]`)
		mqlMust(t, err)
		if d := mqlDiff(mqlDocs(t, `[{"has": true}]`), got); d != "" {
			t.Errorf("$listLocalSessions (-want +got):\n%s", d)
		}
		_, err = mqlAggregate(t, db, `[{"$match": {}}]`)
		mqlWantError(t, err, 73, "")
	})
}

func TestReadCommandsWithLet(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := mqlCtx(t)
		coll := b.DB(t).Collection("let")
		mqlInsert(t, coll, mqlDocs(t, `[{"_id": 1, "x": "a"}, {"_id": 2, "x": "b"}]`))
		let := bson.D{{Key: "id", Value: 2}, {Key: "label", Value: bson.D{{Key: "$literal", Value: "$raw"}}}}
		got, err := mqlAggregate(t, coll, `[{"$match": {"$expr": {"$eq": ["$_id", "$$id"]}}}, {"$project": {"_id": 0, "x": 1, "label": "$$label"}}]`,
			options.Aggregate().SetLet(let))
		mqlMust(t, err)
		if d := mqlDiff(mqlDocs(t, `[{"x": "b", "label": "$raw"}]`), got); d != "" {
			t.Errorf("aggregate with let (-want +got):\n%s", d)
		}
		var fam bson.D
		mqlMust(t, coll.FindOneAndUpdate(ctx, mqlDoc(t, `{"$expr": {"$eq": ["$_id", "$$id"]}}`), mqlValue(t, `[{"$set": {"y": "$$label"}}]`),
			options.FindOneAndUpdate().SetLet(let).SetReturnDocument(options.After)).Decode(&fam))
		if d := mqlDiff(mqlDoc(t, `{"_id": 2, "x": "b", "y": "$raw"}`), fam); d != "" {
			t.Errorf("findAndModify with let (-want +got):\n%s", d)
		}

		// distinct on a missing collection is an empty array, never null.
		res := b.DB(t).Collection("missing").Distinct(ctx, "x", bson.D{})
		mqlMust(t, res.Err())
		var values []any
		mqlMust(t, res.Decode(&values))
		if len(values) != 0 {
			t.Errorf("distinct on a missing collection = %v", values)
		}
	})
}

func TestCollationAndIDChecks(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := mqlCtx(t)
		coll := b.DB(t).Collection("coll")
		mqlInsert(t, coll, mqlDocs(t, `[{"_id": 1, "x": "ping"}]`))
		// The simple collation is binary comparison: it changes nothing.
		simple := &options.Collation{Locale: "simple"}
		if got := mqlFind(t, coll, bson.D{{Key: "x", Value: "PING"}}, options.Find().SetCollation(simple)); len(got) != 0 {
			t.Errorf("simple collation matched %v", got)
		}
		if !b.Real {
			// A locale collation is refused, never ignored.
			_, err := coll.Find(ctx, bson.D{{Key: "x", Value: "PING"}}, options.Find().SetCollation(&options.Collation{Locale: "en_US", Strength: 2}))
			mqlWantError(t, err, 2, "collation")
		}
		// A '$'-prefixed field inside _id is not valid for storage.
		_, err := coll.InsertOne(ctx, mqlDoc(t, `{"_id": {"$a": 1}}`))
		mqlWantError(t, err, 52, "")
	})
}
