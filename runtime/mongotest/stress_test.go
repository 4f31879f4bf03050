package mongotest_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// TestConcurrentClients runs 32 clients at once, each moving money between
// a few hot accounts in transactions (so they conflict and retry) and
// inserting documents of its own. The total must be conserved.
func TestConcurrentClients(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		const clients, rounds, accounts = 32, 5, 4
		ctx := ctxT(t)
		db := b.DB(t)
		acc := db.Collection("accounts")
		for i := range accounts {
			_, err := acc.InsertOne(ctx, bson.D{{Key: "_id", Value: i}, {Key: "balance", Value: 100}})
			must(t, err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- runClient(ctx, b.URI, db.Name(), c, rounds, accounts)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		cur, err := acc.Aggregate(ctx, mongo.Pipeline{{{Key: "$group", Value: bson.D{{Key: "_id", Value: nil}, {Key: "sum", Value: bson.D{{Key: "$sum", Value: "$balance"}}}}}}})
		must(t, err)
		var sums []struct{ Sum int32 }
		must(t, cur.All(ctx, &sums))
		if len(sums) != 1 || sums[0].Sum != 100*accounts {
			t.Fatalf("total balance %v, want %d", sums, 100*accounts)
		}
		n, err := db.Collection("log").CountDocuments(ctx, bson.D{})
		must(t, err)
		if n != clients*rounds {
			t.Fatalf("%d log documents, want %d", n, clients*rounds)
		}
	})
}

func runClient(ctx context.Context, uri, dbName string, id, rounds, accounts int) error {
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return err
	}
	defer client.Disconnect(context.Background())
	db := client.Database(dbName)
	acc, log := db.Collection("accounts"), db.Collection("log")
	sess, err := client.StartSession()
	if err != nil {
		return err
	}
	defer sess.EndSession(context.Background())
	for r := range rounds {
		from, to := (id+r)%accounts, (id+r+1)%accounts
		_, err := sess.WithTransaction(ctx, func(ctx context.Context) (any, error) {
			if _, err := acc.UpdateOne(ctx, bson.D{{Key: "_id", Value: from}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "balance", Value: -1}}}}); err != nil {
				return nil, err
			}
			return acc.UpdateOne(ctx, bson.D{{Key: "_id", Value: to}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "balance", Value: 1}}}})
		})
		if err != nil {
			return fmt.Errorf("client %d round %d: %w", id, r, err)
		}
		if _, err := log.InsertOne(ctx, bson.D{{Key: "client", Value: id}, {Key: "round", Value: r}}); err != nil {
			return err
		}
	}
	return nil
}

// TestCloseLeavesNoGoroutines closes a server while clients are connected,
// a streaming monitor is held, a command is blocked by a fail point and a
// write waits for a transaction; every server goroutine must end.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, err := mongotest.Start()
	must(t, err)
	// No retries and a short selection timeout: once the server is gone
	// the client gives up at once.
	client, err := mongo.Connect(options.Client().ApplyURI(srv.URI()).
		SetRetryReads(false).SetRetryWrites(false).SetServerSelectionTimeout(time.Second))
	must(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	coll := client.Database("d").Collection("c")
	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}})
	must(t, err)

	sess, err := client.StartSession()
	must(t, err)
	must(t, sess.StartTransaction())
	_, err = coll.UpdateOne(mongo.NewSessionContext(ctx, sess), bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "$set", Value: bson.D{{Key: "x", Value: 1}}}})
	must(t, err)
	must(t, mongotest.SetFailPoint(ctx, client, mongotest.FailPoint{Commands: []string{"find"}, BlockConnection: true, BlockTime: time.Hour}))

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // waits for the transaction
		defer wg.Done()
		_, _ = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "$set", Value: bson.D{{Key: "x", Value: 2}}}})
	}()
	go func() { // blocked by the fail point
		defer wg.Done()
		_ = coll.FindOne(ctx, bson.D{}).Err()
	}()
	// Let both commands reach the server; Close must end them wherever they are.
	time.Sleep(50 * time.Millisecond)

	srv.Close()
	wg.Wait()
	sess.EndSession(context.Background())
	dctx, dcancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer dcancel()
	_ = client.Disconnect(dctx)

	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("%d goroutines after Close, %d before:\n%s", n, before, serverStacks(string(buf)))
	}
}

// serverStacks keeps the goroutine dumps that mention this package.
func serverStacks(dump string) string {
	var keep []string
	for _, g := range strings.Split(dump, "\n\n") {
		if strings.Contains(g, "mongotest") {
			keep = append(keep, g)
		}
	}
	if len(keep) == 0 {
		return dump
	}
	return strings.Join(keep, "\n\n")
}
