package mongotest_test

import (
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

func collExists(t *testing.T, db *mongo.Database, name string) bool {
	t.Helper()
	names, err := db.ListCollectionNames(ctxT(t), bson.D{})
	must(t, err)
	return slices.Contains(names, name)
}

// TestTxnCreateVisibleAtCommit: a collection created inside a transaction,
// explicitly or by an insert, is seen by others only once it commits, and
// never after an abort.
func TestTxnCreateVisibleAtCommit(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		db := b.DB(t)
		must(t, db.CreateCollection(ctx, "other")) // the database exists

		sess, tctx := startTxn(t, b.Client)
		must(t, db.CreateCollection(tctx, "explicit"))
		_, err := db.Collection("implicit").InsertOne(tctx, bson.D{{Key: "_id", Value: 1}})
		must(t, err)
		if collExists(t, db, "explicit") || collExists(t, db, "implicit") {
			t.Fatal("collections created in an open transaction are visible outside it")
		}
		if v := value(t, tctx, db.Collection("implicit"), 1); v != 0 {
			t.Fatalf("the transaction reads %d from its own new collection, want its document", v)
		}
		must(t, sess.CommitTransaction(ctx))
		if !collExists(t, db, "explicit") || !collExists(t, db, "implicit") {
			t.Fatal("collections created in a committed transaction are missing")
		}

		sess, tctx = startTxn(t, b.Client)
		must(t, db.CreateCollection(tctx, "aborted"))
		_, err = db.Collection("aborted2").InsertOne(tctx, bson.D{{Key: "_id", Value: 1}})
		must(t, err)
		must(t, sess.AbortTransaction(ctx))
		if collExists(t, db, "aborted") || collExists(t, db, "aborted2") {
			t.Fatal("collections of an aborted transaction exist")
		}
	})
}

// TestTxnCreateIndexes: createIndexes inside a transaction builds indexes
// only on a collection it creates, visible to others at commit.
func TestTxnCreateIndexes(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		db := b.DB(t)
		must(t, db.CreateCollection(ctx, "existing"))
		model := mongo.IndexModel{Keys: bson.D{{Key: "x", Value: 1}}, Options: options.Index().SetName("x_1")}

		sess, tctx := startTxn(t, b.Client)
		_, err := db.Collection("fresh").Indexes().CreateOne(tctx, model)
		must(t, err)
		// Outside the transaction: NamespaceNotFound, which the driver
		// lists as no index.
		err = db.RunCommand(ctx, bson.D{{Key: "listIndexes", Value: "fresh"}}).Err()
		wantCode(t, err, 26)
		must(t, sess.CommitTransaction(ctx))
		specs, err := db.Collection("fresh").Indexes().ListSpecifications(ctx)
		must(t, err)
		if len(specs) != 2 || specs[1].Name != "x_1" {
			t.Fatalf("after commit: indexes %v, want _id_ and x_1", specs)
		}

		sess, tctx = startTxn(t, b.Client)
		_, err = db.Collection("existing").Indexes().CreateOne(tctx, model)
		wantCode(t, err, 263) // OperationNotSupportedInTransaction
		_ = sess.AbortTransaction(ctx)
	})
}

// TestTxnCreateConflicts: another transaction creating the same namespace
// gets a WriteConflict; a write outside transactions waits for the creator.
func TestTxnCreateConflicts(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := ctxT(t)
		db := b.DB(t)
		must(t, db.CreateCollection(ctx, "other"))

		sess, tctx := startTxn(t, b.Client)
		must(t, db.CreateCollection(tctx, "c"))

		sess2, tctx2 := startTxn(t, b.Client)
		_, err := db.Collection("c").InsertOne(tctx2, bson.D{{Key: "_id", Value: 2}})
		if !b.Real {
			wantCode(t, err, 112) // mongod may report its lock timeout (24) instead
		}
		wantLabel(t, err, "TransientTransactionError", true)
		_ = sess2.AbortTransaction(ctx)

		err = db.RunCommand(ctx, bson.D{{Key: "insert", Value: "c"}, {Key: "documents", Value: bson.A{bson.D{{Key: "_id", Value: 3}}}}, {Key: "maxTimeMS", Value: 50}}).Err()
		wantCode(t, err, 50) // waited for the creator until maxTimeMS

		must(t, sess.CommitTransaction(ctx))
		_, err = db.Collection("c").InsertOne(ctx, bson.D{{Key: "_id", Value: 3}})
		must(t, err)
	})
}

// TestDropAfterExpiredCreator: a drop that finds the collection pending in
// a transaction past its lifetime aborts that transaction, which takes the
// collection (and its new database) away: the drop then finds nothing.
func TestDropAfterExpiredCreator(t *testing.T) {
	client := clientWith(t, mongotest.Options{TransactionLifetime: time.Millisecond})
	db := client.Database("expired")
	sess, tctx := startTxn(t, client)
	must(t, db.CreateCollection(tctx, "c"))
	time.Sleep(5 * time.Millisecond) // the transaction outlives its lifetime
	must(t, db.Collection("c").Drop(ctxT(t)))
	must(t, db.Drop(ctxT(t)))
	wantCode(t, sess.CommitTransaction(ctxT(t)), 251)
}
