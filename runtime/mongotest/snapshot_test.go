package mongotest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// clientWith is a client of a server started with opts for the test.
func clientWith(t *testing.T, opts mongotest.Options) *mongo.Client {
	t.Helper()
	srv, err := mongotest.StartWith(opts)
	must(t, err)
	t.Cleanup(srv.Close)
	return testenv.NewClient(t, options.Client().ApplyURI(srv.URI()))
}

// snapshotRC is readConcern snapshot, at ts when it is set.
func snapshotRC(ts *bson.Timestamp) bson.D {
	rc := bson.D{{Key: "level", Value: "snapshot"}}
	if ts != nil {
		rc = append(rc, bson.E{Key: "atClusterTime", Value: *ts})
	}
	return rc
}

// snapshotFind runs find on coll under readConcern snapshot (at ts when
// set) and returns the v of each document and the reply's atClusterTime.
func snapshotFind(t *testing.T, db *mongo.Database, ts *bson.Timestamp) ([]int32, bson.Timestamp) {
	t.Helper()
	var reply struct {
		Cursor struct {
			FirstBatch    []struct{ V int32 }
			AtClusterTime bson.Timestamp
		}
	}
	must(t, db.RunCommand(ctxT(t), bson.D{{Key: "find", Value: "c"}, {Key: "sort", Value: bson.D{{Key: "_id", Value: 1}}}, {Key: "readConcern", Value: snapshotRC(ts)}}).Decode(&reply))
	var vs []int32
	for _, d := range reply.Cursor.FirstBatch {
		vs = append(vs, d.V)
	}
	return vs, reply.Cursor.AtClusterTime
}

func TestSnapshotReadAtClusterTime(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		db := b.DB(t)
		coll := db.Collection("c", options.Collection().SetWriteConcern(nil))
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "v", Value: 1}})
		must(t, err)

		got, at := snapshotFind(t, db, nil)
		if !cmp.Equal(got, []int32{1}) || at.IsZero() {
			t.Fatalf("first snapshot read: %v at %v, want [1] at a cluster time", got, at)
		}
		f, u := setV(1, 2)
		_, err = coll.UpdateOne(ctx, f, u)
		must(t, err)
		_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 2}, {Key: "v", Value: 3}})
		must(t, err)

		// At the first read's time: neither the update nor the insert.
		got, again := snapshotFind(t, db, &at)
		if !cmp.Equal(got, []int32{1}) || again != at {
			t.Fatalf("read at %v: %v at %v, want [1] at the same time", at, got, again)
		}
		// distinct and aggregate read the same snapshot; distinct says when
		// at its top level.
		var dist struct {
			Values        []int32
			AtClusterTime bson.Timestamp
		}
		must(t, db.RunCommand(ctx, bson.D{{Key: "distinct", Value: "c"}, {Key: "key", Value: "v"}, {Key: "readConcern", Value: snapshotRC(&at)}}).Decode(&dist))
		if !cmp.Equal(dist.Values, []int32{1}) || dist.AtClusterTime != at {
			t.Fatalf("distinct at %v: %v at %v", at, dist.Values, dist.AtClusterTime)
		}
		// Now: both.
		if got, _ := snapshotFind(t, db, nil); !cmp.Equal(got, []int32{2, 3}) {
			t.Fatalf("snapshot read now: %v, want [2 3]", got)
		}

		// A transaction may start at a cluster time too.
		sess, err := b.Client.StartSession()
		must(t, err)
		defer sess.EndSession(context.Background())
		must(t, sess.StartTransaction(options.Transaction().SetReadConcern(nil)))
		tctx := mongo.NewSessionContext(ctx, sess)
		var one struct{ V int32 }
		must(t, db.RunCommand(tctx, bson.D{{Key: "find", Value: "c"}, {Key: "filter", Value: bson.D{{Key: "_id", Value: 1}}}, {Key: "readConcern", Value: snapshotRC(&at)}}).Err())
		must(t, coll.FindOne(tctx, bson.D{{Key: "_id", Value: 1}}).Decode(&one))
		if one.V != 1 {
			t.Fatalf("transaction started at %v reads v %d, want 1", at, one.V)
		}
		must(t, sess.AbortTransaction(ctx))
	})
}

// refused checks that a command under readConcern snapshot failed on the
// server: with 72 InvalidOptions on mongotest (mongod's code for most of
// them; the specification only asks for a server error).
func refused(t *testing.T, b *testenv.Backend, err error) {
	t.Helper()
	var se mongo.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a server error", err)
	}
	if !b.Real {
		wantCode(t, err, 72)
	}
}

func TestSnapshotReadRefusals(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		db := b.DB(t)
		_, err := db.Collection("c").InsertOne(ctx, bson.D{{Key: "_id", Value: 1}})
		must(t, err)
		snap := bson.E{Key: "readConcern", Value: snapshotRC(nil)}
		for _, cmd := range []bson.D{
			{{Key: "insert", Value: "c"}, {Key: "documents", Value: bson.A{bson.D{{Key: "_id", Value: 2}}}}, snap},
			{{Key: "update", Value: "c"}, {Key: "updates", Value: bson.A{bson.D{{Key: "q", Value: bson.D{}}, {Key: "u", Value: bson.D{{Key: "$set", Value: bson.D{{Key: "x", Value: 1}}}}}}}}, snap},
			{{Key: "delete", Value: "c"}, {Key: "deletes", Value: bson.A{bson.D{{Key: "q", Value: bson.D{}}, {Key: "limit", Value: 1}}}}, snap},
			{{Key: "findAndModify", Value: "c"}, {Key: "query", Value: bson.D{}}, {Key: "remove", Value: true}, snap},
			{{Key: "listCollections", Value: 1}, snap},
			{{Key: "listIndexes", Value: "c"}, snap},
			{{Key: "count", Value: "c"}, snap},
		} {
			refused(t, b, db.RunCommand(ctx, cmd).Err())
		}
		refused(t, b, b.Client.Database("admin").RunCommand(ctx, bson.D{{Key: "listDatabases", Value: 1}, snap}).Err())
		if n, _ := db.Collection("c").CountDocuments(ctx, bson.D{}); n != 1 {
			t.Fatalf("%d documents after refused writes, want 1", n)
		}
	})
}

// TestSnapshotReadTooOld: a time the history no longer covers, a future
// time, or a collection dropped since are refused, never answered from
// newer data.
func TestSnapshotReadTooOld(t *testing.T) {
	ctx := ctxT(t)
	db := clientWith(t, mongotest.Options{SnapshotHistory: time.Millisecond}).Database("snap")
	coll := db.Collection("c")
	_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "v", Value: 1}})
	must(t, err)
	_, at := snapshotFind(t, db, nil)

	future := bson.Timestamp{T: at.T, I: at.I + 100}
	wantCode(t, db.RunCommand(ctx, bson.D{{Key: "find", Value: "c"}, {Key: "readConcern", Value: snapshotRC(&future)}}).Err(), 2)

	time.Sleep(5 * time.Millisecond) // the first state leaves the history
	f, u := setV(1, 2)
	_, err = coll.UpdateOne(ctx, f, u)
	must(t, err)
	time.Sleep(5 * time.Millisecond)
	f, u = setV(1, 3)
	_, err = coll.UpdateOne(ctx, f, u)
	must(t, err)
	wantCode(t, db.RunCommand(ctx, bson.D{{Key: "find", Value: "c"}, {Key: "readConcern", Value: snapshotRC(&at)}}).Err(), 239)

	// Within the history, a collection dropped after the snapshot.
	db2 := clientWith(t, mongotest.Options{}).Database("snap")
	_, err = db2.Collection("c").InsertOne(ctx, bson.D{{Key: "_id", Value: 1}})
	must(t, err)
	_, at = snapshotFind(t, db2, nil)
	must(t, db2.Collection("c").Drop(ctx))
	wantCode(t, db2.RunCommand(ctx, bson.D{{Key: "find", Value: "c"}, {Key: "readConcern", Value: snapshotRC(&at)}}).Err(), 246)
}

// TestTxnDropWaits: a drop waits for the transactions that used the
// collection (mongod's collection locks); a transaction whose snapshot
// predates a drop of a collection it had not used cannot read it.
func TestTxnDropWaits(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		db := b.DB(t)
		coll := db.Collection("c")
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "v", Value: 1}})
		must(t, err)
		_, err = db.Collection("d").InsertOne(ctx, bson.D{{Key: "_id", Value: 1}})
		must(t, err)
		sess, tctx := startTxn(t, b.Client)
		if v := value(t, tctx, coll, 1); v != 1 {
			t.Fatalf("transaction reads %d, want 1", v)
		}
		err = db.RunCommand(ctx, bson.D{{Key: "drop", Value: "c"}, {Key: "maxTimeMS", Value: 50}}).Err()
		wantCode(t, err, 50)
		if v := value(t, tctx, coll, 1); v != 1 {
			t.Fatalf("transaction reads %d after a drop that timed out, want 1", v)
		}
		must(t, sess.AbortTransaction(ctx))

		if b.Real {
			return // mongod 7+ may read the dropped collection at the snapshot
		}
		sess, tctx = startTxn(t, b.Client)
		must(t, db.Collection("d").FindOne(tctx, bson.D{}).Err())
		must(t, coll.Drop(ctx))
		err = coll.FindOne(tctx, bson.D{{Key: "_id", Value: 1}}).Err()
		wantCode(t, err, 246)
		wantLabel(t, err, "TransientTransactionError", true)
		_ = sess.AbortTransaction(ctx)
	})
}
