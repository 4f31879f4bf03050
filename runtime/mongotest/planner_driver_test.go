package mongotest_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// TestIndexSeesTransactionWrites: through the driver, a transaction finds
// its own uncommitted writes by an indexed field, others keep finding the
// committed documents, and once it commits everyone finds the new ones;
// sorted, limited and counted reads through the index agree.
func TestIndexSeesTransactionWrites(t *testing.T) {
	srv := mongotest.NewServer(t)
	client := testenv.NewClient(t, options.Client().ApplyURI(srv.URI()))
	coll := client.Database("plan").Collection("people")
	ctx := ctxT(t)
	_, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetUnique(true)})
	must(t, err)
	for i, e := range []string{"d@x", "b@x", "a@x", "c@x"} {
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: int32(i)}, {Key: "email", Value: e}})
		must(t, err)
	}
	ids := func(ctx context.Context, filter bson.D, opts ...options.Lister[options.FindOptions]) []int32 {
		t.Helper()
		cur, err := coll.Find(ctx, filter, opts...)
		must(t, err)
		var docs []struct {
			ID int32 `bson:"_id"`
		}
		must(t, cur.All(ctx, &docs))
		out := []int32{}
		for _, d := range docs {
			out = append(out, d.ID)
		}
		return out
	}
	check := func(what string, got, want []int32) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
	}
	sess, err := client.StartSession()
	must(t, err)
	defer sess.EndSession(ctx)
	must(t, sess.StartTransaction())
	tctx := mongo.NewSessionContext(ctx, sess)
	_, err = coll.UpdateOne(tctx, bson.D{{Key: "email", Value: "b@x"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "email", Value: "e@x"}}}})
	must(t, err)
	check("the transaction by its new email", ids(tctx, bson.D{{Key: "email", Value: "e@x"}}), []int32{1})
	check("the transaction by the old email", ids(tctx, bson.D{{Key: "email", Value: "b@x"}}), []int32{})
	check("others by the old email", ids(ctx, bson.D{{Key: "email", Value: "b@x"}}), []int32{1})
	check("others by the new email", ids(ctx, bson.D{{Key: "email", Value: "e@x"}}), []int32{})
	check("the transaction sorted by email", ids(tctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "email", Value: -1}})), []int32{1, 0, 3, 2})
	check("others sorted by email, first two", ids(ctx, bson.D{{Key: "email", Value: bson.D{{Key: "$gte", Value: "a@x"}}}},
		options.Find().SetSort(bson.D{{Key: "email", Value: 1}}).SetLimit(2)), []int32{2, 1})
	must(t, sess.CommitTransaction(ctx))
	check("after the commit", ids(ctx, bson.D{{Key: "email", Value: bson.D{{Key: "$in", Value: bson.A{"e@x", "b@x"}}}}}), []int32{1})
	n, err := coll.CountDocuments(ctx, bson.D{{Key: "email", Value: bson.D{{Key: "$lt", Value: "d@x"}}}})
	must(t, err)
	if n != 2 {
		t.Errorf("CountDocuments email < d@x = %d, want 2", n)
	}
	if n, err := coll.EstimatedDocumentCount(ctx); err != nil || n != 4 {
		t.Errorf("EstimatedDocumentCount = %d, %v; want 4", n, err)
	}
	// The unique index holds for the committed change.
	_, err = coll.InsertOne(ctx, bson.D{{Key: "email", Value: "e@x"}})
	wantCode(t, err, 11000)
	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: int32(9)}, {Key: "email", Value: "b@x"}})
	must(t, err)
}
