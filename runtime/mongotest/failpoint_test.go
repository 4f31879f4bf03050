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

// setFP sets fp and clears it when the test ends.
func setFP(t *testing.T, b *testenv.Backend, fp mongotest.FailPoint) {
	t.Helper()
	must(t, mongotest.SetFailPoint(ctxT(t), b.Client, fp))
	t.Cleanup(func() {
		if err := mongotest.ClearFailPoint(context.Background(), b.Client); err != nil {
			t.Error(err)
		}
	})
}

func findErr(t *testing.T, coll *mongo.Collection) error {
	t.Helper()
	return coll.FindOne(ctxT(t), bson.D{}).Err()
}

func TestFailPointModes(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		coll := b.DB(t).Collection("c")
		_, err := coll.InsertOne(ctxT(t), bson.D{})
		must(t, err)
		// Error 2 is not retryable, so the driver reports each failure.
		fail := func(mode mongotest.FailMode) mongotest.FailPoint {
			return mongotest.FailPoint{Mode: mode, Commands: []string{"find"}, ErrorCode: 2}
		}
		var got []bool
		outcomes := func(n int) []bool {
			got = got[:0]
			for range n {
				err := findErr(t, coll)
				if err != nil {
					wantCode(t, err, 2)
				}
				got = append(got, err != nil)
			}
			return got
		}

		setFP(t, b, fail(mongotest.Times(2)))
		if o := outcomes(3); !cmp.Equal(o, []bool{true, true, false}) {
			t.Fatalf("times 2: failures %v", o)
		}
		setFP(t, b, fail(mongotest.Skip(1)))
		if o := outcomes(3); !cmp.Equal(o, []bool{false, true, true}) {
			t.Fatalf("skip 1: failures %v", o)
		}
		setFP(t, b, fail(mongotest.AlwaysOn))
		if o := outcomes(2); !cmp.Equal(o, []bool{true, true}) {
			t.Fatalf("alwaysOn: failures %v", o)
		}
		must(t, mongotest.ClearFailPoint(ctxT(t), b.Client))
		if o := outcomes(1); !cmp.Equal(o, []bool{false}) {
			t.Fatalf("off: failures %v", o)
		}
		// Other commands are not affected.
		setFP(t, b, fail(mongotest.AlwaysOn))
		_, err = coll.InsertOne(ctxT(t), bson.D{})
		must(t, err)
	})
}

func TestFailPointErrorLabels(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("c")
		must(t, coll.Database().CreateCollection(ctx, "c"))

		// A retryable code on a retryable write gets RetryableWriteError by
		// default, so the driver retries it, and it is applied once.
		setFP(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"insert"}, ErrorCode: 91})
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}})
		must(t, err)

		// Explicit labels replace the defaults: no label, no retry.
		setFP(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"insert"}, ErrorCode: 91, ErrorLabels: []string{}})
		_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 2}})
		wantCode(t, err, 91)
		wantLabel(t, err, "RetryableWriteError", false)

		setFP(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"find"}, ErrorCode: 2, ErrorLabels: []string{"TransientTransactionError"}})
		err = findErr(t, coll)
		wantCode(t, err, 2)
		wantLabel(t, err, "TransientTransactionError", true)

		// Inside a transaction a transient code gets TransientTransactionError.
		// As on mongod, the injected failure happens before the statement
		// reaches the transaction: it stays open, the statement sent again
		// succeeds and the commit applies both inserts.
		sess, tctx := startTxn(t, b.Client)
		_, err = coll.InsertOne(tctx, bson.D{{Key: "_id", Value: 3}})
		must(t, err)
		setFP(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"insert"}, ErrorCode: 112})
		_, err = coll.InsertOne(tctx, bson.D{{Key: "_id", Value: 4}})
		wantCode(t, err, 112)
		wantLabel(t, err, "TransientTransactionError", true)
		_, err = coll.InsertOne(tctx, bson.D{{Key: "_id", Value: 4}})
		must(t, err)
		must(t, sess.CommitTransaction(ctx))

		if n, _ := coll.CountDocuments(ctx, bson.D{}); n != 3 {
			t.Fatalf("%d documents, want 3", n)
		}

		// A failure of a transaction's first statement starts nothing: the
		// statement sent again with startTransaction begins it.
		r := newRawSession(t, b, coll.Database().Name())
		setFP(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"insert"}, ErrorCode: 112})
		wantReplyCode(t, r.txn(1, true, r.db, r.insert(5)), 112)
		wantReplyCode(t, r.txn(1, true, r.db, r.insert(5)), 0)
		wantReplyCode(t, r.txn(1, false, "admin", commit()), 0)
		if n, _ := coll.CountDocuments(ctx, bson.D{}); n != 4 {
			t.Fatalf("%d documents, want 4", n)
		}
	})
}

func TestFailPointCloseConnection(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		client, err := mongo.Connect(options.Client().ApplyURI(b.URI).SetRetryReads(false))
		must(t, err)
		defer client.Disconnect(context.Background())
		coll := client.Database(testenv.DBName(t)).Collection("c")
		setFP(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"find"}, CloseConnection: true})
		err = findErr(t, coll)
		if !mongo.IsNetworkError(err) {
			t.Fatalf("closeConnection: got %v, want a network error", err)
		}
		// The next find gets a new connection and works.
		if err := findErr(t, coll); !errors.Is(err, mongo.ErrNoDocuments) {
			t.Fatalf("after closeConnection: %v", err)
		}

		// A closed connection during a retryable write: the driver retries.
		setFP(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"insert"}, CloseConnection: true})
		_, err = coll.InsertOne(ctxT(t), bson.D{{Key: "_id", Value: 1}})
		must(t, err)
		must(t, coll.Database().Drop(ctxT(t)))
	})
}

func TestFailPointBlockConnection(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		coll := b.DB(t).Collection("c")
		setFP(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"find"}, BlockConnection: true, BlockTime: 10 * time.Millisecond})
		if err := findErr(t, coll); !errors.Is(err, mongo.ErrNoDocuments) {
			t.Fatalf("blocked find: %v, want it to run after the block", err)
		}
		// A block longer than the caller waits: the caller's deadline ends it.
		setFP(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"find"}, BlockConnection: true, BlockTime: 10 * time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := coll.FindOne(ctx, bson.D{}).Err()
		if !errors.Is(err, context.DeadlineExceeded) && !mongo.IsTimeout(err) {
			t.Fatalf("find blocked past its deadline: %v", err)
		}
	})
}

// A fail point on commitTransaction answers before the commit runs, so the
// transaction stays open, and its labels are mongod's for a commit: a
// retryable code makes the driver retry the commit (the specification's
// "commitTransaction succeeds after NotWritablePrimary"), a write conflict is
// transient.
func TestFailPointOnCommit(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("c")
		must(t, coll.Database().CreateCollection(ctx, "c"))

		sess, tctx := startTxn(t, b.Client)
		_, err := coll.InsertOne(tctx, bson.D{{Key: "_id", Value: 1}})
		must(t, err)
		setFP(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"commitTransaction"}, ErrorCode: 10107})
		must(t, sess.CommitTransaction(ctx)) // the driver's own retry commits

		sess, tctx = startTxn(t, b.Client)
		_, err = coll.InsertOne(tctx, bson.D{{Key: "_id", Value: 2}})
		must(t, err)
		setFP(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"commitTransaction"}, ErrorCode: 112})
		err = sess.CommitTransaction(ctx)
		wantCode(t, err, 112)
		wantLabel(t, err, "TransientTransactionError", true)
		// The transaction is still open (holding document 2) and the driver
		// will not abort after a commit: end it as an operator would.
		must(t, b.Client.Database("admin").RunCommand(ctx, bson.D{{Key: "killSessions", Value: bson.A{sess.ID()}}}).Err())

		if n, _ := coll.CountDocuments(ctx, bson.D{}); n != 1 {
			t.Fatalf("%d documents, want 1 (the first transaction's)", n)
		}
	})
}

func TestFailPointWriteConcernError(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("c")
		must(t, coll.Database().CreateCollection(ctx, "c"))
		setFP(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"insert"},
			WriteConcernError: &mongotest.WriteConcernError{Code: 100, CodeName: "UnsatisfiableWriteConcern", Errmsg: "Not enough data-bearing nodes"}})
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}})
		var we mongo.WriteException
		if !errors.As(err, &we) || we.WriteConcernError == nil || we.WriteConcernError.Code != 100 {
			t.Fatalf("got %v, want a write concern error 100", err)
		}
		// The write itself was applied.
		if n, _ := coll.CountDocuments(ctx, bson.D{}); n != 1 {
			t.Fatalf("%d documents, want 1", n)
		}

		// On commit: the driver labels it UnknownTransactionCommitResult;
		// committing again succeeds.
		sess, tctx := startTxn(t, b.Client)
		_, err = coll.InsertOne(tctx, bson.D{{Key: "_id", Value: 2}})
		must(t, err)
		setFP(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"commitTransaction"},
			WriteConcernError: &mongotest.WriteConcernError{Code: 64, CodeName: "WriteConcernFailed", Errmsg: "waiting for replication timed out"}})
		err = sess.CommitTransaction(ctx)
		wantLabel(t, err, "UnknownTransactionCommitResult", true)
		must(t, sess.CommitTransaction(ctx))
		if n, _ := coll.CountDocuments(ctx, bson.D{}); n != 2 {
			t.Fatalf("%d documents, want 2", n)
		}
	})
}

func TestFailPointAppName(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		other, err := mongo.Connect(options.Client().ApplyURI(b.URI).SetAppName("victim"))
		must(t, err)
		defer other.Disconnect(context.Background())
		name := testenv.DBName(t)
		setFP(t, b, mongotest.FailPoint{Mode: mongotest.AlwaysOn, Commands: []string{"find"}, ErrorCode: 2, AppName: "victim"})
		if err := findErr(t, b.Client.Database(name).Collection("c")); !errors.Is(err, mongo.ErrNoDocuments) {
			t.Fatalf("client without the appName: %v", err)
		}
		wantCode(t, findErr(t, other.Database(name).Collection("c")), 2)
	})
}

func TestFailPointRefusals(t *testing.T) {
	srv := mongotest.NewServer(t)
	b := testenv.Connect(t, "mongotest", srv.URI(), false)
	admin := b.Client.Database("admin")
	for _, cmd := range []bson.D{
		{{Key: "configureFailPoint", Value: "rsSyncApplyStop"}, {Key: "mode", Value: "alwaysOn"}},
		mongotest.FailPoint{Commands: []string{"hello"}, ErrorCode: 2}.Command(),
		mongotest.FailPoint{ErrorCode: 2}.Command(),
		{{Key: "configureFailPoint", Value: "failCommand"}, {Key: "mode", Value: "sometimes"}, {Key: "data", Value: bson.D{{Key: "failCommands", Value: bson.A{"find"}}}}},
		{{Key: "configureFailPoint", Value: "failCommand"}, {Key: "mode", Value: "alwaysOn"}, {Key: "data", Value: bson.D{{Key: "failCommands", Value: bson.A{"find"}}, {Key: "namespace", Value: "x.y"}}}},
	} {
		wantCode(t, admin.RunCommand(ctxT(t), cmd).Err(), 2)
	}
	err := b.Client.Database("test").RunCommand(ctxT(t), mongotest.FailPoint{Commands: []string{"find"}}.Command()).Err()
	wantCode(t, err, 13)
}

func TestFailPointCommand(t *testing.T) {
	fp := mongotest.FailPoint{
		Mode: mongotest.Times(3), Commands: []string{"insert", "find"}, ErrorCode: 91, ErrorLabels: []string{},
		CloseConnection: true, BlockConnection: true, BlockTime: 1500 * time.Millisecond,
		WriteConcernError: &mongotest.WriteConcernError{Code: 64, CodeName: "WriteConcernFailed", Errmsg: "timeout"},
		AppName:           "app",
	}
	want := bson.D{
		{Key: "configureFailPoint", Value: "failCommand"},
		{Key: "mode", Value: bson.D{{Key: "times", Value: int32(3)}}},
		{Key: "data", Value: bson.D{
			{Key: "failCommands", Value: []string{"insert", "find"}},
			{Key: "errorCode", Value: int32(91)},
			{Key: "errorLabels", Value: []string{}},
			{Key: "closeConnection", Value: true},
			{Key: "blockConnection", Value: true},
			{Key: "blockTimeMS", Value: int64(1500)},
			{Key: "writeConcernError", Value: bson.D{{Key: "code", Value: int32(64)}, {Key: "codeName", Value: "WriteConcernFailed"}, {Key: "errmsg", Value: "timeout"}}},
			{Key: "appName", Value: "app"},
		}},
	}
	if diff := cmp.Diff(want, fp.Command()); diff != "" {
		t.Fatalf("Command() (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(bson.D{{Key: "configureFailPoint", Value: "failCommand"}, {Key: "mode", Value: "off"}}, mongotest.FailPoint{Mode: mongotest.Off}.Command()); diff != "" {
		t.Fatalf("Off (-want +got):\n%s", diff)
	}
	if mode := (mongotest.FailPoint{Mode: mongotest.Skip(2)}).Command()[1].Value; !cmp.Equal(mode, bson.D{{Key: "skip", Value: int32(2)}}) {
		t.Fatalf("skip mode = %v", mode)
	}
	if mode := (mongotest.FailPoint{}).Command()[1].Value; mode != "alwaysOn" {
		t.Fatalf("zero mode = %v, want alwaysOn", mode)
	}
}

// TestFailPointCommitTransientLabels: a commit failing with a code mongod
// deems transient for a transaction carries TransientTransactionError, so
// drivers retry the whole transaction.
func TestFailPointCommitTransientLabels(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		db := b.DB(t)
		must(t, db.CreateCollection(ctxT(t), "c"))
		r := newRawSession(t, b, db.Name())
		for i, code := range []int32{246, 267, 112, 251} {
			n := int64(i + 1)
			wantReplyCode(t, r.txn(n, true, db.Name(), r.insert(n)), 0)
			setFP(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"commitTransaction"}, ErrorCode: code})
			reply := r.txn(n, false, "admin", commit())
			wantReplyCode(t, reply, code)
			if labels, _ := get(reply, "errorLabels").(bson.A); len(labels) != 1 || labels[0] != "TransientTransactionError" {
				t.Errorf("commit failing with %d: labels %v, want [TransientTransactionError]", code, labels)
			}
			// The injected failure left the transaction open: end it.
			wantReplyCode(t, r.txn(n, false, "admin", abort()), 0)
		}
	})
}
