package mongotest_test

import (
	"context"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// startTxn starts a session with a transaction open; it ends at cleanup.
func startTxn(t *testing.T, c *mongo.Client) (*mongo.Session, context.Context) {
	t.Helper()
	sess, err := c.StartSession()
	must(t, err)
	t.Cleanup(func() { sess.EndSession(context.Background()) })
	must(t, sess.StartTransaction())
	return sess, mongo.NewSessionContext(ctxT(t), sess)
}

func value(t *testing.T, ctx context.Context, coll *mongo.Collection, id any) int32 {
	t.Helper()
	var d struct{ V int32 }
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return -1
	}
	must(t, err)
	return d.V
}

func setV(id any, v int32) (bson.D, bson.D) {
	return bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "v", Value: v}}}}
}

func TestTxnSnapshotAndOwnWrites(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("c")
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "v", Value: 1}})
		must(t, err)

		sess, tctx := startTxn(t, b.Client)
		if got := value(t, tctx, coll, "a"); got != 1 {
			t.Fatalf("txn reads %d, want 1", got)
		}
		// A commit after the snapshot is not seen by the transaction.
		f, u := setV("a", 2)
		_, err = coll.UpdateOne(ctx, f, u)
		must(t, err)
		if got := value(t, tctx, coll, "a"); got != 1 {
			t.Fatalf("txn reads %d after an outside commit, want its snapshot's 1", got)
		}
		// Its own writes are seen by it only, until commit.
		_, err = coll.InsertOne(tctx, bson.D{{Key: "_id", Value: "b"}, {Key: "v", Value: 5}})
		must(t, err)
		_, err = coll.InsertOne(tctx, bson.D{{Key: "_id", Value: "c"}, {Key: "v", Value: 6}})
		must(t, err)
		if got := value(t, tctx, coll, "b"); got != 5 {
			t.Fatalf("txn reads its insert as %d, want 5", got)
		}
		if got := value(t, ctx, coll, "b"); got != -1 {
			t.Fatalf("outside reads an uncommitted insert: %d", got)
		}
		n, err := coll.CountDocuments(tctx, bson.D{})
		must(t, err)
		if n != 3 {
			t.Fatalf("txn counts %d, want 3", n)
		}
		// getMore runs in the transaction too.
		var all []bson.D
		cur, err := coll.Find(tctx, bson.D{}, options.Find().SetBatchSize(1))
		must(t, err)
		must(t, cur.All(tctx, &all))
		if len(all) != 3 {
			t.Fatalf("txn finds %d documents in batches of 1, want 3", len(all))
		}
		must(t, sess.CommitTransaction(ctx))
		n, err = coll.CountDocuments(ctx, bson.D{})
		must(t, err)
		if n != 3 || value(t, ctx, coll, "a") != 2 {
			t.Fatalf("after commit: %d documents, a = %d", n, value(t, ctx, coll, "a"))
		}
	})
}

func TestTxnAbortDiscards(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("c")
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "v", Value: 1}})
		must(t, err)
		sess, tctx := startTxn(t, b.Client)
		f, u := setV("a", 9)
		_, err = coll.UpdateOne(tctx, f, u)
		must(t, err)
		_, err = coll.DeleteOne(tctx, bson.D{{Key: "_id", Value: "a"}})
		must(t, err)
		_, err = coll.InsertOne(tctx, bson.D{{Key: "_id", Value: "b"}})
		must(t, err)
		must(t, sess.AbortTransaction(ctx))
		if value(t, ctx, coll, "a") != 1 || value(t, ctx, coll, "b") != -1 {
			t.Fatal("aborted writes are visible")
		}
	})
}

func TestTxnWriteConflict(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("c")
		_, err := coll.InsertMany(ctx, []any{bson.D{{Key: "_id", Value: "a"}, {Key: "v", Value: 1}}, bson.D{{Key: "_id", Value: "b"}, {Key: "v", Value: 1}}})
		must(t, err)

		// Another open transaction wrote the document first.
		s1, c1 := startTxn(t, b.Client)
		s2, c2 := startTxn(t, b.Client)
		f, u := setV("a", 2)
		_, err = coll.UpdateOne(c1, f, u)
		must(t, err)
		f, u = setV("a", 3)
		_, err = coll.UpdateOne(c2, f, u)
		wantCode(t, err, 112)
		wantLabel(t, err, "TransientTransactionError", true)
		// The conflict aborted the second transaction.
		_, err = coll.InsertOne(c2, bson.D{{Key: "_id", Value: "z"}})
		wantCode(t, err, 251)
		wantLabel(t, err, "TransientTransactionError", true)
		err = s2.CommitTransaction(ctx)
		wantCode(t, err, 251)
		must(t, s1.CommitTransaction(ctx))
		if v := value(t, ctx, coll, "a"); v != 2 {
			t.Fatalf("a = %d, want the first writer's 2", v)
		}

		// The document was committed after the transaction's snapshot.
		s3, c3 := startTxn(t, b.Client)
		if v := value(t, c3, coll, "b"); v != 1 {
			t.Fatalf("b = %d", v)
		}
		f, u = setV("b", 5)
		_, err = coll.UpdateOne(ctx, f, u)
		must(t, err)
		f, u = setV("b", 6)
		_, err = coll.UpdateOne(c3, f, u)
		wantCode(t, err, 112)
		wantLabel(t, err, "TransientTransactionError", true)
		_ = s3.AbortTransaction(ctx)
	})
}

func TestTxnErrorAborts(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("c")
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}})
		must(t, err)
		sess, tctx := startTxn(t, b.Client)
		_, err = coll.InsertOne(tctx, bson.D{{Key: "_id", Value: 2}})
		must(t, err)
		_, err = coll.InsertOne(tctx, bson.D{{Key: "_id", Value: 1}})
		if !mongo.IsDuplicateKeyError(err) {
			t.Fatalf("duplicate in txn: %v", err)
		}
		_, err = coll.InsertOne(tctx, bson.D{{Key: "_id", Value: 3}})
		wantCode(t, err, 251)
		wantLabel(t, err, "TransientTransactionError", true)
		wantCode(t, sess.CommitTransaction(ctx), 251)
		if value(t, ctx, coll, 2) != -1 {
			t.Fatal("the aborted transaction's insert is visible")
		}
	})
}

func TestTxnUniqueIndex(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("c")
		_, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "k", Value: 1}}, Options: options.Index().SetUnique(true)})
		must(t, err)
		_, err = coll.InsertOne(ctx, bson.D{{Key: "k", Value: "taken"}})
		must(t, err)

		// Against the snapshot plus own writes.
		s1, c1 := startTxn(t, b.Client)
		_, err = coll.InsertOne(c1, bson.D{{Key: "k", Value: "x"}})
		must(t, err)
		_, err = coll.InsertOne(c1, bson.D{{Key: "k", Value: "x"}})
		if !mongo.IsDuplicateKeyError(err) {
			t.Fatalf("own duplicate: %v", err)
		}
		_ = s1.AbortTransaction(ctx)
		s2, c2 := startTxn(t, b.Client)
		_, err = coll.InsertOne(c2, bson.D{{Key: "k", Value: "taken"}})
		if !mongo.IsDuplicateKeyError(err) {
			t.Fatalf("committed duplicate: %v", err)
		}
		_ = s2.AbortTransaction(ctx)

		// Against another open transaction's uncommitted key: a conflict.
		s3, c3 := startTxn(t, b.Client)
		s4, c4 := startTxn(t, b.Client)
		_, err = coll.InsertOne(c3, bson.D{{Key: "k", Value: "y"}})
		must(t, err)
		_, err = coll.InsertOne(c4, bson.D{{Key: "k", Value: "y"}})
		wantCode(t, err, 112)
		_ = s4.AbortTransaction(ctx)
		must(t, s3.CommitTransaction(ctx))
	})
}

func TestTxnRefusesCount(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("c")
		_, err := coll.InsertOne(ctx, bson.D{})
		must(t, err)
		sess, tctx := startTxn(t, b.Client)
		_, err = coll.EstimatedDocumentCount(tctx)
		wantCode(t, err, 263)
		_ = sess.AbortTransaction(ctx)
	})
}

func TestTxnCommitIdempotent(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		coll := b.DB(t).Collection("c")
		sess, tctx := startTxn(t, b.Client)
		_, err := coll.InsertOne(tctx, bson.D{{Key: "_id", Value: 1}})
		must(t, err)
		must(t, sess.CommitTransaction(ctx))
		must(t, sess.CommitTransaction(ctx)) // sends commitTransaction again
		if n, _ := coll.CountDocuments(ctx, bson.D{}); n != 1 {
			t.Fatalf("%d documents after two commits", n)
		}
	})
}

// rawSession drives a session's transaction numbers by hand, over a bare
// connection, for the rules the driver never lets a client break.
type rawSession struct {
	t    *testing.T
	conn *rawConn
	db   string
	lsid bson.D
}

func newRawSession(t *testing.T, b *testenv.Backend, db string) *rawSession {
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return &rawSession{t: t, conn: dialRaw(t, hostOf(t, b.URI)), db: db,
		lsid: bson.D{{Key: "id", Value: bson.Binary{Subtype: 4, Data: id}}}}
}

// txn runs cmd as a statement of transaction n (start: its first).
func (r *rawSession) txn(n int64, start bool, db string, cmd bson.D) bson.D {
	cmd = append(cmd, bson.E{Key: "lsid", Value: r.lsid}, bson.E{Key: "txnNumber", Value: n})
	if start {
		cmd = append(cmd, bson.E{Key: "startTransaction", Value: true})
	}
	cmd = append(cmd, bson.E{Key: "autocommit", Value: false}, bson.E{Key: "$db", Value: db})
	return r.conn.run(cmd)
}

// retryable runs cmd as retryable write n.
func (r *rawSession) retryable(n int64, cmd bson.D) bson.D {
	cmd = append(cmd, bson.E{Key: "lsid", Value: r.lsid}, bson.E{Key: "txnNumber", Value: n}, bson.E{Key: "$db", Value: r.db})
	return r.conn.run(cmd)
}

func (r *rawSession) insert(id any) bson.D {
	return bson.D{{Key: "insert", Value: "c"}, {Key: "documents", Value: bson.A{bson.D{{Key: "_id", Value: id}}}}}
}

func wantReplyCode(t *testing.T, reply bson.D, code int32) {
	t.Helper()
	got, _ := get(reply, "code").(int32)
	if code == 0 && get(reply, "ok") != 1.0 {
		t.Fatalf("reply %v, want ok", reply)
	}
	if got != code {
		t.Fatalf("reply %v, want code %d", reply, code)
	}
}

func commit() bson.D { return bson.D{{Key: "commitTransaction", Value: 1}} }
func abort() bson.D  { return bson.D{{Key: "abortTransaction", Value: 1}} }

func TestTxnNumberRules(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		db := b.DB(t)
		must(t, db.CreateCollection(ctx, "c"))
		r := newRawSession(t, b, db.Name())

		wantReplyCode(t, r.txn(1, true, db.Name(), r.insert(1)), 0)
		wantReplyCode(t, r.txn(1, false, "admin", commit()), 0)
		wantReplyCode(t, r.txn(1, false, "admin", commit()), 0) // idempotent
		wantReplyCode(t, r.txn(1, false, "admin", abort()), 256)

		wantReplyCode(t, r.txn(2, true, db.Name(), r.insert(2)), 0)
		wantReplyCode(t, r.txn(2, false, "admin", abort()), 0)
		wantReplyCode(t, r.txn(2, false, "admin", commit()), 251)
		wantReplyCode(t, r.txn(2, false, db.Name(), r.insert(3)), 251)

		// A newer transaction aborts the open older one.
		wantReplyCode(t, r.txn(3, true, db.Name(), r.insert(4)), 0)
		wantReplyCode(t, r.txn(4, true, db.Name(), r.insert(5)), 0)
		wantReplyCode(t, r.txn(3, false, "admin", commit()), 225)
		wantReplyCode(t, r.txn(4, false, "admin", commit()), 0)
		// Continuing a transaction that never started.
		wantReplyCode(t, r.txn(9, false, db.Name(), r.insert(6)), 251)

		coll := db.Collection("c")
		if value(t, ctx, coll, 1) == -1 || value(t, ctx, coll, 2) != -1 || value(t, ctx, coll, 4) != -1 || value(t, ctx, coll, 5) == -1 {
			t.Fatal("wrong transactions were applied")
		}
	})
}

func TestRetryableWriteApplied(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		db := b.DB(t)
		must(t, db.CreateCollection(ctx, "c"))
		r := newRawSession(t, b, db.Name())
		inc := bson.D{{Key: "update", Value: "c"}, {Key: "updates", Value: bson.A{bson.D{
			{Key: "q", Value: bson.D{{Key: "_id", Value: 1}}},
			{Key: "u", Value: bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}}},
			{Key: "upsert", Value: true},
		}}}}
		first := r.retryable(1, inc)
		wantReplyCode(t, first, 0)
		again := r.retryable(1, inc) // the driver's retry after a network error
		wantReplyCode(t, again, 0)
		if get(first, "n") != get(again, "n") {
			t.Fatalf("retry reply %v differs from %v", again, first)
		}
		wantReplyCode(t, r.retryable(2, inc), 0)
		if v := value(t, ctx, db.Collection("c"), 1); v != 2 {
			t.Fatalf("v = %d after write 1 (retried) and write 2, want 2", v)
		}
		wantReplyCode(t, r.retryable(1, inc), 225)
	})
}

func TestNonTxnWriteWaitsForTxn(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		db := b.DB(t)
		coll := db.Collection("c")
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "v", Value: 1}})
		must(t, err)
		sess, tctx := startTxn(t, b.Client)
		incBy := func(n int32) bson.D { return bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: n}}}} }
		_, err = coll.UpdateOne(tctx, bson.D{{Key: "_id", Value: 1}}, incBy(10))
		must(t, err)

		// Bounded by maxTimeMS, the outside write gives up.
		err = db.RunCommand(ctx, bson.D{{Key: "update", Value: "c"}, {Key: "updates", Value: bson.A{bson.D{
			{Key: "q", Value: bson.D{{Key: "_id", Value: 1}}}, {Key: "u", Value: incBy(1000)},
		}}}, {Key: "maxTimeMS", Value: 50}}).Err()
		wantCode(t, err, 50)

		// Unbounded, it applies after the transaction ends.
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}}, incBy(100))
			if err != nil {
				t.Error(err)
			}
		}()
		must(t, sess.CommitTransaction(ctx))
		wg.Wait()
		if v := value(t, ctx, coll, 1); v != 111 {
			t.Fatalf("v = %d, want 1+10+100", v)
		}

		// An upsert on a key a transaction is inserting waits, then
		// updates the inserted document.
		sess2, tctx2 := startTxn(t, b.Client)
		_, err = coll.InsertOne(tctx2, bson.D{{Key: "_id", Value: 2}, {Key: "v", Value: 5}})
		must(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: 2}}, incBy(1), options.UpdateOne().SetUpsert(true))
			if err != nil {
				t.Error(err)
			}
		}()
		must(t, sess2.CommitTransaction(ctx))
		wg.Wait()
		if v := value(t, ctx, coll, 2); v != 6 {
			t.Fatalf("v = %d, want 5+1", v)
		}
	})
}

func TestDropWaitsForTxn(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		db := b.DB(t)
		must(t, db.CreateCollection(ctx, "c"))
		sess, tctx := startTxn(t, b.Client)
		_, err := db.Collection("c").InsertOne(tctx, bson.D{{Key: "_id", Value: 1}})
		must(t, err)
		done := make(chan error, 1)
		go func() { done <- db.Collection("c").Drop(ctx) }()
		must(t, sess.CommitTransaction(ctx))
		must(t, <-done)
		names, err := db.ListCollectionNames(ctx, bson.D{})
		must(t, err)
		if len(names) != 0 {
			t.Fatalf("collections after drop: %v", names)
		}
	})
}

// Dropping a collection whose documents an expired transaction inserted
// aborts that transaction on the way; the abort removes its records while
// drop looks for holders. With enough of them the collection's record list
// is compacted in place, which once made drop read a nil record (found by
// FuzzCommand).
func TestDropAfterExpiredInsertingTxn(t *testing.T) {
	srv, err := mongotest.StartWith(mongotest.Options{TransactionLifetime: 50 * time.Millisecond})
	must(t, err)
	t.Cleanup(srv.Close)
	b := testenv.Connect(t, "mongotest", srv.URI(), false)
	ctx := ctxT(t)
	coll := b.DB(t).Collection("c")
	must(t, coll.Database().CreateCollection(ctx, "c"))
	_, tctx := startTxn(t, b.Client)
	docs := make([]any, 100)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: i}}
	}
	_, err = coll.InsertMany(tctx, docs)
	must(t, err)
	time.Sleep(100 * time.Millisecond) // outlive the lifetime
	must(t, coll.Drop(ctx))
	names, err := coll.Database().ListCollectionNames(ctx, bson.D{})
	must(t, err)
	if len(names) != 0 {
		t.Fatalf("collections after drop: %v", names)
	}
}

func TestTxnLifetime(t *testing.T) {
	srv, err := mongotest.StartWith(mongotest.Options{TransactionLifetime: 50 * time.Millisecond})
	must(t, err)
	t.Cleanup(srv.Close)
	b := testenv.Connect(t, "mongotest", srv.URI(), false)
	ctx := ctxT(t)
	coll := b.DB(t).Collection("c")
	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "v", Value: 1}})
	must(t, err)
	sess, tctx := startTxn(t, b.Client)
	f, u := setV(1, 2)
	_, err = coll.UpdateOne(tctx, f, u)
	must(t, err)
	time.Sleep(100 * time.Millisecond) // outlive the lifetime
	// An outside write no longer waits for the expired transaction.
	f, u = setV(1, 3)
	_, err = coll.UpdateOne(ctx, f, u)
	must(t, err)
	_, err = coll.InsertOne(tctx, bson.D{{Key: "_id", Value: 2}})
	wantCode(t, err, 251)
	wantCode(t, sess.CommitTransaction(ctx), 251)
	if v := value(t, ctx, coll, 1); v != 3 {
		t.Fatalf("v = %d, want 3", v)
	}

	if _, err := mongotest.StartWith(mongotest.Options{TransactionLifetime: -time.Second}); err == nil {
		t.Fatal("negative lifetime accepted")
	}
}

func TestEndSessionsAbortsTxn(t *testing.T) {
	srv := mongotest.NewServer(t)
	b := testenv.Connect(t, "mongotest", srv.URI(), false)
	ctx := ctxT(t)
	db := b.DB(t)
	must(t, db.CreateCollection(ctx, "c"))
	r := newRawSession(t, b, db.Name())
	wantReplyCode(t, r.txn(1, true, db.Name(), r.insert(1)), 0)
	wantReplyCode(t, r.conn.run(bson.D{{Key: "endSessions", Value: bson.A{r.lsid}}, {Key: "$db", Value: "admin"}}), 0)
	wantReplyCode(t, r.txn(1, false, "admin", commit()), 251)
	if value(t, ctx, db.Collection("c"), 1) != -1 {
		t.Fatal("the ended session's transaction committed")
	}

	wantReplyCode(t, r.txn(2, true, db.Name(), r.insert(2)), 0)
	wantReplyCode(t, r.conn.run(bson.D{{Key: "killAllSessions", Value: bson.A{}}, {Key: "$db", Value: "admin"}}), 0)
	wantReplyCode(t, r.txn(2, false, "admin", commit()), 251)
	if value(t, ctx, db.Collection("c"), 2) != -1 {
		t.Fatal("the killed session's transaction committed")
	}
}
