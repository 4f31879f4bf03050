package mongotest_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
)

func lookupAggregate(t *testing.T, ctx context.Context, coll *mongo.Collection, pipeline string) []bson.D {
	t.Helper()
	cur, err := coll.Aggregate(ctx, mqlPipeline(t, pipeline))
	mqlMust(t, err)
	var got []bson.D
	mqlMust(t, cur.All(ctx, &got))
	return got
}

func TestMQLLookupConformance(t *testing.T) {
	tests := []struct{ name, pipeline, want string }{
		{"equality form", `[{"$lookup": {"from": "accounts", "localField": "acct", "foreignField": "_id", "as": "a"}}, {"$project": {"a.owner": 1}}, {"$sort": {"_id": 1}}]`,
			`[{"_id": 1, "a": [{"owner": "ann"}]}, {"_id": 2, "a": [{"owner": "bob"}]}, {"_id": 3, "a": [{"owner": "ann"}]}, {"_id": 4, "a": []}]`},
		{"let and pipeline", `[{"$lookup": {"from": "accounts", "let": {"id": "$acct", "t": "$total"},
			"pipeline": [{"$match": {"$expr": {"$and": [{"$eq": ["$_id", "$$id"]}, {"$gte": ["$$t", 5]}]}}}, {"$project": {"_id": 0, "owner": 1, "t": "$$t"}}], "as": "a"}},
			{"$project": {"a": 1}}, {"$sort": {"_id": 1}}]`,
			`[{"_id": 1, "a": [{"owner": "ann", "t": 5}]}, {"_id": 2, "a": [{"owner": "bob", "t": 7}]}, {"_id": 3, "a": []}, {"_id": 4, "a": []}]`},
		{"revenue by owner", `[{"$lookup": {"from": "accounts", "localField": "acct", "foreignField": "_id", "as": "a"}}, {"$unwind": "$a"},
			{"$group": {"_id": "$a.owner", "revenue": {"$sum": "$total"}, "orders": {"$sum": 1}}}, {"$sort": {"_id": 1}}]`,
			`[{"_id": "ann", "revenue": 7, "orders": 2}, {"_id": "bob", "revenue": 7, "orders": 1}]`},
		{"addFields and replaceWith", `[{"$match": {"_id": 2}}, {"$addFields": {"double": "$total", "meta.src": "orders"}}, {"$replaceWith": {"id": "$_id", "meta": "$meta"}}]`,
			`[{"id": 2, "meta": {"src": "orders"}}]`},
		{"replaceRoot from lookup", `[{"$match": {"_id": 1}}, {"$lookup": {"from": "accounts", "localField": "acct", "foreignField": "_id", "as": "a"}}, {"$unwind": "$a"}, {"$replaceRoot": {"newRoot": "$a"}}]`,
			`[{"_id": 10, "owner": "ann"}]`},
		{"facet", `[{"$facet": {"big": [{"$match": {"total": {"$gte": 5}}}, {"$count": "n"}], "first": [{"$sort": {"_id": 1}}, {"$limit": 1}, {"$project": {"_id": 1}}]}}]`,
			`[{"big": [{"n": 2}], "first": [{"_id": 1}]}]`},
		{"sortByCount", `[{"$sortByCount": "$acct"}, {"$sort": {"count": -1, "_id": 1}}]`,
			`[{"_id": 10, "count": 2}, {"_id": 11, "count": 1}, {"_id": 99, "count": 1}]`},
	}
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		db := b.DB(t)
		orders, accounts := db.Collection("orders"), db.Collection("accounts")
		mqlInsert(t, accounts, mqlDocs(t, `[{"_id": 10, "owner": "ann"}, {"_id": 11, "owner": "bob"}]`))
		mqlInsert(t, orders, mqlDocs(t, `[{"_id": 1, "acct": 10, "total": 5}, {"_id": 2, "acct": 11, "total": 7}, {"_id": 3, "acct": 10, "total": 2}, {"_id": 4, "acct": 99, "total": 1}]`))
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := lookupAggregate(t, mqlCtx(t), orders, tt.pipeline)
				if d := mqlDiff(mqlDocs(t, tt.want), got); d != "" {
					t.Errorf("aggregate %s (-want +got):\n%s", tt.pipeline, d)
				}
			})
		}
		t.Run("lookup reads the transaction's snapshot", func(t *testing.T) {
			ctx := mqlCtx(t)
			sess, err := b.Client.StartSession()
			mqlMust(t, err)
			defer sess.EndSession(ctx)
			mqlMust(t, sess.StartTransaction())
			tctx := mongo.NewSessionContext(ctx, sess)
			pipeline := `[{"$match": {"_id": 4}}, {"$lookup": {"from": "accounts", "let": {"id": "$acct"}, "pipeline": [{"$match": {"$expr": {"$eq": ["$_id", "$$id"]}}}], "as": "a"}}, {"$project": {"a": 1}}]`
			// The first read fixes the snapshot; a write committed outside
			// after it stays invisible, the transaction's own write is seen.
			if got := lookupAggregate(t, tctx, orders, pipeline); mqlDiff(mqlDocs(t, `[{"_id": 4, "a": []}]`), got) != "" {
				t.Fatalf("before the writes: %v", got)
			}
			_, err = accounts.InsertOne(ctx, bson.D{{Key: "_id", Value: 98}, {Key: "owner", Value: "outside"}})
			mqlMust(t, err)
			_, err = accounts.InsertOne(tctx, bson.D{{Key: "_id", Value: 99}, {Key: "owner", Value: "inside"}})
			mqlMust(t, err)
			got := lookupAggregate(t, tctx, orders, `[{"$match": {"_id": 4}}, {"$lookup": {"from": "accounts", "pipeline": [{"$match": {"_id": {"$gte": 98}}}], "as": "a"}}, {"$project": {"a": 1}}]`)
			if d := mqlDiff(mqlDocs(t, `[{"_id": 4, "a": [{"_id": 99, "owner": "inside"}]}]`), got); d != "" {
				t.Errorf("in the transaction (-want +got):\n%s", d)
			}
			got = lookupAggregate(t, ctx, orders, pipeline)
			if d := mqlDiff(mqlDocs(t, `[{"_id": 4, "a": []}]`), got); d != "" {
				t.Errorf("outside, before the commit (-want +got):\n%s", d)
			}
			mqlMust(t, sess.AbortTransaction(ctx))
		})
		t.Run("errors", func(t *testing.T) {
			errs := []struct {
				pipeline string
				code     int
				msg      string
			}{
				{`[{"$lookup": {"from": "accounts", "localField": "acct", "foreignField": "_id"}}]`, 9, "must specify 'as' field for a $lookup"},
				{`[{"$lookup": {"from": "accounts", "localField": "acct", "foreignField": "_id", "as": "a", "bogus": 1}}]`, 9, "unknown argument to $lookup: bogus"},
				{`[{"$lookup": {"from": "accounts", "as": "a", "pipeline": [{"$match": {"$expr": {"$eq": ["$_id", "$$nope"]}}}]}}]`, 17276, "Use of undefined variable: nope"},
				{`[{"$facet": {"a": [{"$facet": {"b": [{"$limit": 1}]}}]}}]`, 40600, "$facet is not allowed to be used within a $facet stage"},
				{`[{"$sortByCount": "acct"}]`, 40148, ""},
				{`[{"$graphLookup": {"from": "accounts"}}]`, 2, "not supported by mongotest"},
			}
			for _, e := range errs {
				if b.Real && e.code == 2 {
					continue // a refusal of mongotest's own
				}
				_, err := orders.Aggregate(mqlCtx(t), mqlPipeline(t, e.pipeline))
				mqlWantError(t, err, e.code, e.msg)
			}
		})
	})
}
