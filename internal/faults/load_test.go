package faults

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	goruntime "runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// Load test dimensions: loadClients clients with their own connection
// pools each run loadOps operations, on loadAccounts accounts.
const (
	loadClients  = 32
	loadOps      = 40
	loadAccounts = 16
	loadBalance  = 1000
	loadTimeout  = 25 * time.Second // the whole run; the test fails if it is not over by then
	// faultyClient's connection is closed on loadFaults of its writes
	// (each costs the driver about half a second).
	faultyClient = "load-31"
	loadFaults   = 6
)

// TestLoad runs loadClients clients at once against one mongotest server,
// each a bounded mix of transfers (transactions over two collections that
// conflict with each other), plain counter increments outside any
// transaction, and reads; one client's connection is closed on some of its
// writes (retried by WithTx and by retryable writes). Then it checks that nothing deadlocked (all
// clients finished within their context), that the bank's invariants hold
// and the ledger has one entry per OnCommit, that every plain write was
// applied once, and that closing the clients and the server leaves no
// goroutine behind.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	before := goruntime.NumGoroutine()
	srv, err := mongotest.Start()
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			srv.Close()
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
	defer cancel()
	clients := make([]*mongo.Client, loadClients)
	for i := range clients {
		c, err := mongo.Connect(options.Client().ApplyURI(srv.URI()).SetAppName(fmt.Sprintf("load-%02d", i)))
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = c
	}
	disconnect := func() {
		for _, c := range clients {
			dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := c.Disconnect(dctx); err != nil {
				t.Errorf("disconnect: %v", err)
			}
			dcancel()
		}
	}

	setup := NewStore(clients[0].Database("bank"))
	if err := setup.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	initial := map[string]int64{}
	var accounts []*Account
	for i := range loadAccounts {
		id := fmt.Sprintf("acct%02d", i)
		initial[id] = loadBalance
		accounts = append(accounts, &Account{ID: id, Balance: loadBalance})
	}
	if err := setup.Account.InsertMany(ctx, accounts); err != nil {
		t.Fatal(err)
	}
	// One client also loses its connection now and then, in transactions
	// and in plain (retryable) writes alike.
	err = mongotest.SetFailPoint(ctx, clients[0], mongotest.FailPoint{
		Mode:            mongotest.Times(loadFaults),
		Commands:        []string{"findAndModify", "update", "insert", "commitTransaction"},
		CloseConnection: true,
		AppName:         faultyClient,
	})
	if err != nil {
		t.Fatal(err)
	}

	var (
		hooks      hookCounts
		transfers  atomic.Int64 // WithTx calls that returned nil
		refused    atomic.Int64 // refused for insufficient funds
		increments atomic.Int64 // plain writes acknowledged
		errs       = make(chan error, loadClients*loadOps)
		wg         sync.WaitGroup
	)
	for i, client := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A fixed seed per client: the same mix on every run.
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			store := NewStore(client.Database("bank"))
			hits := client.Database("bank").Collection("hits")
			for op := range loadOps {
				switch k := rng.IntN(10); {
				case k < 6:
					from := rng.IntN(loadAccounts)
					to := (from + 1 + rng.IntN(loadAccounts-1)) % loadAccounts
					e := Entry{
						Transfer: fmt.Sprintf("c%02d-%03d", i, op),
						From:     fmt.Sprintf("acct%02d", from),
						To:       fmt.Sprintf("acct%02d", to),
						Amount:   int64(1 + rng.IntN(loadBalance/2)),
					}
					err := store.WithTx(ctx, func(ctx context.Context, tx *Store) error {
						return transfer(ctx, tx, e, &hooks)
					})
					switch {
					case err == nil:
						transfers.Add(1)
					case errors.Is(err, errInsufficientFunds):
						refused.Add(1)
					default:
						errs <- fmt.Errorf("transfer %s: %w", e.Transfer, err)
					}
				case k < 9:
					_, err := hits.UpdateOne(ctx, bson.D{{Key: "_id", Value: "hits"}},
						bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}, options.UpdateOne().SetUpsert(true))
					if err != nil {
						errs <- fmt.Errorf("increment: %w", err)
						continue
					}
					increments.Add(1)
				default:
					if _, err := store.Entry.Count(ctx, nil); err != nil {
						errs <- fmt.Errorf("count: %w", err)
					}
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(loadTimeout + 10*time.Second):
		t.Fatalf("clients still running 10 s after their context ended: deadlock?\n%s", goroutines())
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Turning the fail point off answers how often it fired.
	var fired struct {
		Count int64 `bson:"count"`
	}
	err = clients[0].Database("admin").RunCommand(context.Background(),
		bson.D{{Key: "configureFailPoint", Value: "failCommand"}, {Key: "mode", Value: "off"}}).Decode(&fired)
	if err != nil {
		t.Fatal(err)
	}
	if fired.Count != loadFaults {
		t.Errorf("the fail point fired %d times, want %d", fired.Count, loadFaults)
	}

	st, err := readState(context.Background(), setup)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.check(initial); err != nil {
		t.Error(err)
	}
	if n, c := int64(len(st.entries)), hooks.commits.Load(); n != c || n != transfers.Load() {
		t.Errorf("%d ledger entries, %d OnCommit hooks, %d committed transfers: want all equal", n, c, transfers.Load())
	}
	var hitsDoc struct {
		N int64 `bson:"n"`
	}
	err = clients[0].Database("bank").Collection("hits").FindOne(context.Background(), bson.D{}).Decode(&hitsDoc)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		t.Fatal(err)
	}
	if hitsDoc.N != increments.Load() {
		t.Errorf("counter is %d after %d acknowledged increments", hitsDoc.N, increments.Load())
	}
	t.Logf("%d transfers committed, %d refused for funds, %d increments, %d rollbacks (retried attempts included)",
		transfers.Load(), refused.Load(), increments.Load(), hooks.rollbacks.Load())

	disconnect()
	srv.Close()
	closed = true
	// Goroutines end asynchronously after Close and Disconnect return
	// (the driver's pool and monitor goroutines notice on their own): wait
	// for them, bounded.
	deadline := time.Now().Add(10 * time.Second)
	for goruntime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := goruntime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after closing everything, %d before the test\n%s", n, before, goroutines())
	}
}

// goroutines is the stack dump of every goroutine, grouped.
func goroutines() string {
	var b bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
	return b.String()
}
