package benchmarks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/benchmarks/bank"
	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// server returns the URI of the server to measure: the replica set named by
// MONGOTXGEN_TEST_URI, or a fresh in-process mongotest server closed when tb
// ends.
func server(tb testing.TB) string {
	tb.Helper()
	if uri := os.Getenv(testenv.URIEnv); uri != "" {
		return uri
	}
	return mongotest.NewServer(tb).URI()
}

// connect returns a client of uri, disconnected when tb ends. monitor may be
// nil.
func connect(tb testing.TB, uri string, monitor *event.CommandMonitor) *mongo.Client {
	tb.Helper()
	return testenv.NewClient(tb, options.Client().ApplyURI(uri).SetMonitor(monitor))
}

// freshDB returns a database of its own for tb, with the accounts
// collection and its indexes created, dropped when tb ends.
func freshDB(tb testing.TB, client *mongo.Client) *mongo.Database {
	tb.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	db := client.Database("bench_" + hex.EncodeToString(b[:]))
	ctx := context.Background()
	if err := bank.NewStore(db).EnsureIndexes(ctx); err != nil {
		tb.Fatalf("ensure indexes: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Drop(context.Background()); err != nil {
			tb.Errorf("drop %s: %v", db.Name(), err)
		}
	})
	return db
}

// Seeded data: accounts spread evenly over branches, so that a branch holds
// perBranch accounts, the size of the Find and Count benchmarks.
const (
	branches  = 10
	perBranch = 100
)

func branchName(i int) string { return fmt.Sprintf("branch-%02d", i%branches) }

// newAccount returns the i-th account of the seed data, not yet inserted.
func newAccount(i int) *bank.Account {
	return &bank.Account{
		Owner:    fmt.Sprintf("owner-%06d", i),
		Branch:   branchName(i),
		Currency: "EUR",
		Balance:  int64(1000 + i),
	}
}

// seed inserts branches·perBranch accounts into db, through the driver in one
// insertMany, and returns their IDs in insertion order.
func seed(tb testing.TB, db *mongo.Database) []bson.ObjectID {
	tb.Helper()
	n := branches * perBranch
	docs := make([]*bank.Account, n)
	for i := range docs {
		docs[i] = newAccount(i)
	}
	if err := bank.NewAccountRepo(db).InsertMany(context.Background(), docs); err != nil {
		tb.Fatalf("seed: %v", err)
	}
	ids := make([]bson.ObjectID, n)
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids
}
