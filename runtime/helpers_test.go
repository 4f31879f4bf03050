package runtime_test

// Integration tests of WithTx through the real driver, against mongotest and,
// with MONGOTXGEN_TEST_URI set, a real replica set, split by concern: retry
// rules (retry_test.go), budget and context (budget_test.go), propagation,
// swallowed failures, panics, options, observers, and the isolation of
// attempts (isolation_test.go). This file holds what they share.

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// begin is the prologue of most tests: a bounded context and a fresh
// collection holding one seed document, so that no transaction has to
// create it.
func begin(t *testing.T, b *testenv.Backend) (context.Context, *mongo.Collection) {
	t.Helper()
	ctx, db := b.Begin(t)
	coll := db.Collection("items")
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "seed"}}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return ctx, coll
}

// collection is begin for a test that has its context already.
func collection(t *testing.T, b *testenv.Backend) *mongo.Collection {
	t.Helper()
	_, coll := begin(t, b)
	return coll
}

// ids returns the sorted _id values of the documents in coll other than the
// seed, read outside any transaction.
func ids(t *testing.T, coll *mongo.Collection) []string {
	t.Helper()
	cur, err := coll.Find(context.Background(), bson.D{{Key: "_id", Value: bson.D{{Key: "$ne", Value: "seed"}}}})
	if err != nil {
		t.Fatalf("find: %v", err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(context.Background(), &docs); err != nil {
		t.Fatalf("find: %v", err)
	}
	out := make([]string, 0, len(docs))
	for _, d := range docs {
		out = append(out, d.ID)
	}
	slices.Sort(out)
	return out
}

func insert(ctx context.Context, coll *mongo.Collection, id string) error {
	_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: id}})
	return err
}

func wantIDs(t *testing.T, coll *mongo.Collection, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := ids(t, coll); !slices.Equal(got, want) {
		t.Errorf("documents = %v, want %v", got, want)
	}
}

// hookLog records which attempt's hooks ran.
type hookLog struct {
	mu                   sync.Mutex
	committed, rolledBak []int
}

func (h *hookLog) register(ctx context.Context, attempt int) {
	runtime.OnCommit(ctx, func(context.Context) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.committed = append(h.committed, attempt)
	})
	runtime.OnRollback(ctx, func(context.Context) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.rolledBak = append(h.rolledBak, attempt)
	})
}

func (h *hookLog) check(t *testing.T, committed, rolledBack []int) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if !slices.Equal(h.committed, committed) || !slices.Equal(h.rolledBak, rolledBack) {
		t.Errorf("OnCommit ran for attempts %v, OnRollback for %v; want %v and %v",
			h.committed, h.rolledBak, committed, rolledBack)
	}
}

var fastBackoff = runtime.WithBackoff(time.Millisecond, 2*time.Millisecond)

// conflictOnce makes the next command named command fail with a transient
// write conflict.
func conflictOnce(command string) mongotest.FailPoint {
	return mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{command},
		ErrorCode: 112, ErrorLabels: []string{"TransientTransactionError"}}
}

// alwaysConflict makes every insert fail with a transient write conflict.
var alwaysConflict = mongotest.FailPoint{Mode: mongotest.AlwaysOn, Commands: []string{"insert"},
	ErrorCode: 112, ErrorLabels: []string{"TransientTransactionError"}}

// monitoredClient connects to b with mon installed.
func monitoredClient(t *testing.T, b *testenv.Backend, mon *event.CommandMonitor) *mongo.Client {
	t.Helper()
	return testenv.NewClient(t, options.Client().ApplyURI(b.URI).SetMonitor(mon))
}
