package mongotest_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
)

// The driver's Client.BulkWrite sends MongoDB 8.0's bulkWrite command.

func TestClientBulkWrite(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := mqlCtx(t)
		db := b.DB(t)
		a, c := db.Collection("a"), db.Collection("c")
		mqlInsert(t, a, mqlDocs(t, `[{"_id": 1, "x": 1}, {"_id": 2, "x": 2}, {"_id": 3, "x": 3}]`))
		writes := []mongo.ClientBulkWrite{
			{Database: db.Name(), Collection: "a", Model: mongo.NewClientInsertOneModel().SetDocument(bson.D{{Key: "_id", Value: 4}})},
			{Database: db.Name(), Collection: "c", Model: mongo.NewClientInsertOneModel().SetDocument(bson.D{{Key: "_id", Value: "other"}})},
			{Database: db.Name(), Collection: "a", Model: mongo.NewClientUpdateOneModel().
				SetFilter(bson.D{{Key: "_id", Value: 1}}).SetUpdate(bson.D{{Key: "$inc", Value: bson.D{{Key: "x", Value: 10}}}})},
			{Database: db.Name(), Collection: "a", Model: mongo.NewClientUpdateManyModel().
				SetFilter(bson.D{{Key: "x", Value: bson.D{{Key: "$gte", Value: 2}}}}).SetUpdate(mqlValue(t, `[{"$set": {"many": true}}]`))},
			{Database: db.Name(), Collection: "a", Model: mongo.NewClientReplaceOneModel().
				SetFilter(bson.D{{Key: "_id", Value: 9}}).SetReplacement(bson.D{{Key: "r", Value: 1}}).SetUpsert(true)},
			{Database: db.Name(), Collection: "a", Model: mongo.NewClientDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: 3}})},
		}
		res, err := b.Client.BulkWrite(ctx, writes, options.ClientBulkWrite().SetVerboseResults(true))
		mqlMust(t, err)
		counts := [5]int64{res.InsertedCount, res.MatchedCount, res.ModifiedCount, res.UpsertedCount, res.DeletedCount}
		if counts != [5]int64{2, 4, 4, 1, 1} {
			t.Errorf("inserted, matched, modified, upserted, deleted = %v, want [2 4 4 1 1]", counts)
		}
		if u := res.UpdateResults[4]; u.UpsertedID != int32(9) {
			t.Errorf("upsert result = %+v, want _id 9", u)
		}
		if d := res.DeleteResults[5]; d.DeletedCount != 1 {
			t.Errorf("delete result = %+v", d)
		}
		want := mqlDocs(t, `[{"_id": 1, "x": 11, "many": true}, {"_id": 2, "x": 2, "many": true}, {"_id": 4}, {"_id": 9, "r": 1}]`)
		if d := mqlDiff(want, mqlFind(t, a, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))); d != "" {
			t.Errorf("collection a (-want +got):\n%s", d)
		}
		if got := mqlFind(t, c, bson.D{}); len(got) != 1 {
			t.Errorf("collection c = %v", got)
		}
	})
}

func TestClientBulkWriteErrors(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := mqlCtx(t)
		db := b.DB(t)
		coll := db.Collection("e")
		mqlInsert(t, coll, mqlDocs(t, `[{"_id": 1}]`))
		ins := func(id int) mongo.ClientBulkWrite {
			return mongo.ClientBulkWrite{Database: db.Name(), Collection: "e", Model: mongo.NewClientInsertOneModel().SetDocument(bson.D{{Key: "_id", Value: id}})}
		}
		badExpr := mongo.ClientBulkWrite{Database: db.Name(), Collection: "e", Model: mongo.NewClientDeleteOneModel().
			SetFilter(mqlDoc(t, `{"$expr": {"$eq": ["$_id", "$$undefinedVar"]}}`))}
		for _, tt := range []struct {
			name     string
			ordered  bool
			inserted int64
			codes    map[int]int
		}{
			{"ordered stops at the first error", true, 1, map[int]int{1: 11000}},
			{"unordered goes on", false, 2, map[int]int{1: 11000, 3: 17276}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := coll.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$ne", Value: 1}}}})
				mqlMust(t, err)
				writes := []mongo.ClientBulkWrite{ins(2), ins(1), ins(3), badExpr}
				_, err = b.Client.BulkWrite(ctx, writes, options.ClientBulkWrite().SetOrdered(tt.ordered).SetVerboseResults(true))
				var ex mongo.ClientBulkWriteException
				if !errors.As(err, &ex) {
					t.Fatalf("error = %v, want a ClientBulkWriteException", err)
				}
				codes := map[int]int{}
				for i, we := range ex.WriteErrors {
					codes[i] = we.Code
				}
				if d := cmp.Diff(tt.codes, codes); d != "" {
					t.Errorf("write error codes by index (-want +got):\n%s", d)
				}
				if ex.PartialResult == nil || ex.PartialResult.InsertedCount != tt.inserted {
					t.Errorf("partial result = %+v, want %d inserted", ex.PartialResult, tt.inserted)
				}
			})
		}
	})
}

func TestBulkWriteCommand(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := mqlCtx(t)
		db := b.DB(t)
		ns := db.Name() + ".k"
		run := func(cmd bson.D) (bson.D, error) {
			var out bson.D
			err := b.Client.Database("admin").RunCommand(ctx, cmd).Decode(&out)
			return out, err
		}
		ops := bson.A{
			bson.D{{Key: "insert", Value: 0}, {Key: "document", Value: bson.D{{Key: "_id", Value: 1}}}},
			bson.D{{Key: "insert", Value: 0}, {Key: "document", Value: bson.D{{Key: "_id", Value: 1}}}},
		}
		// errorsOnly returns only the failed operations, through a cursor.
		out, err := run(bson.D{{Key: "bulkWrite", Value: 1}, {Key: "ops", Value: ops},
			{Key: "nsInfo", Value: bson.A{bson.D{{Key: "ns", Value: ns}}}}, {Key: "errorsOnly", Value: true}})
		mqlMust(t, err)
		cur, _ := get(out, "cursor").(bson.D)
		batch, _ := get(cur, "firstBatch").(bson.A)
		if len(batch) != 1 {
			t.Fatalf("firstBatch = %v, want the one error", batch)
		}
		if e := batch[0].(bson.D); get(e, "ok") != 0.0 || get(e, "idx") != int32(1) || get(e, "code") != int32(11000) {
			t.Errorf("error entry = %v", e)
		}
		if get(cur, "ns") != "admin.$cmd.bulkWrite" || get(out, "nErrors") != int32(1) || get(out, "nInserted") != int32(1) {
			t.Errorf("reply = %v", out)
		}

		// It runs only against admin, and checks its namespaces.
		err = db.RunCommand(ctx, bson.D{{Key: "bulkWrite", Value: 1}, {Key: "ops", Value: ops}, {Key: "nsInfo", Value: bson.A{bson.D{{Key: "ns", Value: ns}}}}}).Err()
		wantCode(t, err, 13)
		_, err = run(bson.D{{Key: "bulkWrite", Value: 1}, {Key: "ops", Value: ops}, {Key: "nsInfo", Value: bson.A{bson.D{{Key: "ns", Value: "nodot"}}}}})
		wantCode(t, err, 73)
		_, err = run(bson.D{{Key: "bulkWrite", Value: 1}, {Key: "ops", Value: bson.A{}}, {Key: "nsInfo", Value: bson.A{bson.D{{Key: "ns", Value: ns}}}}})
		wantCode(t, err, 16)
		if ce := cmdErr(t, err); ce.Name != "InvalidLength" {
			t.Errorf("code name = %q, want InvalidLength", ce.Name)
		}
	})
}
