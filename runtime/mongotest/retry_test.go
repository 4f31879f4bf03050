package mongotest_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
)

// onPrimaryTransactionalWrite sets mongod's fail point of that name.
func onPrimaryTransactionalWrite(t *testing.T, b *testenv.Backend, mode any, data bson.D) {
	t.Helper()
	cmd := bson.D{{Key: "configureFailPoint", Value: "onPrimaryTransactionalWrite"}, {Key: "mode", Value: mode}}
	if data != nil {
		cmd = append(cmd, bson.E{Key: "data", Value: data})
	}
	admin := b.Client.Database("admin")
	must(t, admin.RunCommand(ctxT(t), cmd).Err())
	t.Cleanup(func() {
		off := bson.D{{Key: "configureFailPoint", Value: "onPrimaryTransactionalWrite"}, {Key: "mode", Value: "off"}}
		if err := admin.RunCommand(ctxT(t), off).Err(); err != nil {
			t.Error(err)
		}
	})
}

func ids(t *testing.T, coll *mongo.Collection) []int32 {
	t.Helper()
	cur, err := coll.Find(ctxT(t), bson.D{})
	must(t, err)
	var docs []struct {
		ID int32 `bson:"_id"`
	}
	must(t, cur.All(ctxT(t), &docs))
	var out []int32
	for _, d := range docs {
		out = append(out, d.ID)
	}
	slices.Sort(out)
	return out
}

// TestRetryableWriteStatements: a retry answers the statements that
// succeeded without applying them again, and runs the others.
func TestRetryableWriteStatements(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		db := b.DB(t)
		coll := db.Collection("c")
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 2}})
		must(t, err)
		r := newRawSession(t, b, db.Name())
		insert := bson.D{{Key: "insert", Value: "c"}, {Key: "documents", Value: bson.A{
			bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "_id", Value: 2}}, bson.D{{Key: "_id", Value: 3}},
		}}}
		first := r.retryable(1, insert)
		if get(first, "n") != int32(1) || get(first, "writeErrors") == nil {
			t.Fatalf("first attempt: %v, want n 1 and a duplicate key at index 1", first)
		}
		_, err = coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: 2}})
		must(t, err)
		again := r.retryable(1, insert)
		wantReplyCode(t, again, 0)
		if get(again, "n") != int32(3) || get(again, "writeErrors") != nil {
			t.Fatalf("retry: %v, want n 3 (statement 0 answered again, 1 and 2 run)", again)
		}
		if got := ids(t, coll); !cmp.Equal(got, []int32{1, 2, 3}) {
			t.Fatalf("documents %v, want [1 2 3]", got)
		}

		// An update batch: counts and upserted indexes add up across attempts.
		update := bson.D{{Key: "update", Value: "c"}, {Key: "updates", Value: bson.A{
			bson.D{{Key: "q", Value: bson.D{{Key: "_id", Value: 1}}}, {Key: "u", Value: bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}}}},
			bson.D{{Key: "q", Value: bson.D{{Key: "_id", Value: 9}}}, {Key: "u", Value: bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}}}, {Key: "upsert", Value: true}},
		}}}
		first = r.retryable(2, update)
		again = r.retryable(2, update)
		if diff := cmp.Diff(first[:3], again[:3]); diff != "" {
			t.Fatalf("retried update reply differs (-first +retry):\n%s", diff)
		}
		if up, _ := get(again, "upserted").(bson.A); len(up) != 1 || get(up[0].(bson.D), "index") != int32(1) {
			t.Fatalf("upserted %v, want one at index 1", get(again, "upserted"))
		}
		if v := value(t, ctx, coll, 1); v != 1 {
			t.Fatalf("v = %d after an update retried, want 1", v)
		}
	})
}

// TestOnPrimaryTransactionalWrite: mongod's fail point for the "did my
// write happen?" case: the write commits, the connection closes, and the
// driver's retry gets the result without applying it twice; with
// failBeforeCommitExceptionCode nothing is applied.
func TestOnPrimaryTransactionalWrite(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("c")
		must(t, coll.Database().CreateCollection(ctx, "c"))

		onPrimaryTransactionalWrite(t, b, bson.D{{Key: "times", Value: 1}}, nil)
		res, err := coll.InsertMany(ctx, []any{bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "_id", Value: 2}}})
		must(t, err)
		if len(res.InsertedIDs) != 2 {
			t.Fatalf("inserted %v", res.InsertedIDs)
		}
		up, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}})
		must(t, err)
		if up.ModifiedCount != 1 {
			t.Fatalf("update: %+v", up)
		}

		// Committed on the first attempt: applied once, the driver never knew.
		onPrimaryTransactionalWrite(t, b, bson.D{{Key: "times", Value: 1}}, nil)
		up, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}})
		must(t, err)
		if up.MatchedCount != 1 || up.ModifiedCount != 1 {
			t.Fatalf("update retried: %+v, want the first attempt's counts", up)
		}
		if v := value(t, ctx, coll, 1); v != 2 {
			t.Fatalf("v = %d, want 2: the retried update must not apply twice", v)
		}

		// Failing before commit on both attempts: an error, nothing applied.
		// (Without a deadline the driver retries once; with one it retries
		// until the deadline.)
		onPrimaryTransactionalWrite(t, b, bson.D{{Key: "times", Value: 2}}, bson.D{{Key: "failBeforeCommitExceptionCode", Value: 1}})
		_, err = coll.InsertOne(context.Background(), bson.D{{Key: "_id", Value: 3}})
		if err == nil {
			t.Fatalf("insert failing before commit twice succeeded: %v", ids(t, coll))
		}
		// Without closing the connection the failure is the statement's error.
		onPrimaryTransactionalWrite(t, b, bson.D{{Key: "times", Value: 1}}, bson.D{{Key: "failBeforeCommitExceptionCode", Value: 91}, {Key: "closeConnection", Value: false}})
		_, err = coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: 1}})
		wantCode(t, err, 91)
		if got := ids(t, coll); !cmp.Equal(got, []int32{1, 2}) {
			t.Fatalf("documents %v, want [1 2]", got)
		}
	})
}
