package mongotest_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/google/go-cmp/cmp"
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

func TestCollation(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := mqlCtx(t)
		coll := b.DB(t).Collection("coll")
		mqlInsert(t, coll, mqlDocs(t, `[{"_id": 1, "x": "ping"}, {"_id": 2, "x": "PING"}, {"_id": 3, "x": "Ping 2"}, {"_id": 4, "x": "b"}, {"_id": 5, "x": "A"}, {"_id": 6, "x": 7}]`))
		ci := &options.Collation{Locale: "en_US", Strength: 2}
		cs := &options.Collation{Locale: "en_US", Strength: 3}
		sorted := func(c *options.Collation) *options.FindOptionsBuilder {
			return options.Find().SetCollation(c).SetSort(bson.D{{Key: "x", Value: 1}, {Key: "_id", Value: 1}})
		}
		for _, tt := range []struct {
			name   string
			filter string
			opts   *options.FindOptionsBuilder
			want   []int32
		}{
			{"simple is binary", `{"x": "PING"}`, options.Find().SetCollation(&options.Collation{Locale: "simple"}), []int32{2}},
			{"strength 2 ignores case", `{"x": "PING"}`, options.Find().SetCollation(ci), []int32{1, 2}},
			{"strength 2 $in", `{"x": {"$in": ["a", "B"]}}`, options.Find().SetCollation(ci), []int32{4, 5}},
			{"strength 2 range", `{"x": {"$gt": "a", "$lt": "c"}}`, sorted(ci), []int32{4}},
			{"strength 2 sort", `{}`, sorted(ci), []int32{6, 5, 4, 1, 2, 3}},
			{"strength 3 is case sensitive", `{"x": "PING"}`, options.Find().SetCollation(cs), []int32{2}},
			{"strength 3 sort puts lowercase first", `{}`, sorted(cs), []int32{6, 5, 4, 1, 2, 3}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got := mqlIDs(mqlFind(t, coll, mqlDoc(t, tt.filter), tt.opts))
				if d := cmp.Diff(tt.want, got); d != "" {
					t.Errorf("find %s (-want +got):\n%s", tt.filter, d)
				}
			})
		}
		n, err := coll.CountDocuments(ctx, bson.D{{Key: "x", Value: "ping"}}, options.Count().SetCollation(ci))
		mqlMust(t, err)
		if n != 2 {
			t.Errorf("count with collation = %d, want 2", n)
		}
		res := coll.Distinct(ctx, "x", bson.D{{Key: "_id", Value: bson.D{{Key: "$lte", Value: 2}}}}, options.Distinct().SetCollation(ci))
		var values []any
		mqlMust(t, res.Decode(&values))
		if d := cmp.Diff([]any{"ping"}, values); d != "" {
			t.Errorf("distinct with collation (-want +got):\n%s", d)
		}
		up, err := coll.UpdateMany(ctx, bson.D{{Key: "x", Value: "PiNg"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "seen", Value: true}}}}, options.UpdateMany().SetCollation(ci))
		mqlMust(t, err)
		if up.ModifiedCount != 2 {
			t.Errorf("updateMany with collation modified %d, want 2", up.ModifiedCount)
		}
		if b.Real {
			return
		}
		// What mongotest cannot compute exactly is refused, never ignored.
		for _, c := range []*options.Collation{{Locale: "fr", Strength: 2}, {Locale: "en", Strength: 2, NumericOrdering: true}, {Locale: "en", Strength: 4}} {
			_, err := coll.Find(ctx, bson.D{}, options.Find().SetCollation(c))
			mqlWantError(t, err, 2, "collation")
		}
		_, err = coll.Find(ctx, bson.D{{Key: "x", Value: "it's"}}, options.Find().SetCollation(ci))
		mqlWantError(t, err, 2, "ASCII letters")
		_, err = coll.Find(ctx, bson.D{{Key: "x", Value: bson.D{{Key: "$regex", Value: "^p"}}}}, options.Find().SetCollation(ci))
		mqlWantError(t, err, 2, "$regex")
		_, err = coll.UpdateOne(ctx, bson.D{}, bson.D{{Key: "$addToSet", Value: bson.D{{Key: "a", Value: "x"}}}}, options.UpdateOne().SetCollation(ci))
		mqlWantError(t, err, 2, "$addToSet")
	})
}
