package runtime_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

func TestInvalidOptions(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := testenv.Context(t)
		for _, tc := range []struct {
			opt  runtime.TxOption
			want string
		}{
			{runtime.WithTimeout(0), "WithTimeout(0s): the timeout must be positive"},
			{runtime.WithMaxAttempts(0), "WithMaxAttempts(0): at least one attempt is needed"},
			{runtime.WithBackoff(time.Second, time.Millisecond), "WithBackoff(1s, 1ms): need 0 < min ≤ max"},
			{runtime.WithMaxCommitTime(-time.Second), "WithMaxCommitTime(-1s): the time must be positive"},
			{runtime.WithPropagation(runtime.Propagation(9)), "WithPropagation(Propagation(9)): unknown propagation"},
		} {
			ran := false
			err := runtime.WithTx(ctx, b.Client, func(context.Context) error { ran = true; return nil }, tc.opt)
			if err == nil || err.Error() != "mongotxgen: invalid transaction option: "+tc.want || ran {
				t.Errorf("WithTx = %v (callback ran: %v), want %q", err, ran, tc.want)
			}
		}
		if err := runtime.WithTx(ctx, nil, func(context.Context) error { return nil }); err == nil {
			t.Error("WithTx with a nil client succeeded")
		}
		if err := runtime.WithTx(ctx, b.Client, nil); err == nil {
			t.Error("WithTx with a nil callback succeeded")
		}
	})
}

// The transaction options reach the server on the commands the
// specification puts them on.
func TestTransactionOptionsReachTheWire(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		var mu sync.Mutex
		cmds := map[string]bson.Raw{}
		client := monitoredClient(t, b, &event.CommandMonitor{
			Started: func(_ context.Context, e *event.CommandStartedEvent) {
				mu.Lock()
				defer mu.Unlock()
				cmds[e.CommandName] = slices.Clone(e.Command)
			},
		})
		ctx := context.Background() // no deadline: it would add maxTimeMS everywhere
		coll := client.Database(b.DB(t).Name()).Collection("items")
		err := runtime.WithTx(ctx, client, func(ctx context.Context) error {
			return insert(ctx, coll, "a")
		},
			runtime.WithReadConcern(readconcern.Snapshot()),
			runtime.WithWriteConcern(writeconcern.Majority()),
			runtime.WithReadPreference(readpref.Primary()),
			runtime.WithMaxCommitTime(5*time.Second))
		if err != nil {
			t.Fatalf("WithTx: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if got := cmds["insert"].Lookup("readConcern", "level").StringValue(); got != "snapshot" {
			t.Errorf("insert readConcern.level = %q, want snapshot (command %v)", got, cmds["insert"])
		}
		commit := cmds["commitTransaction"]
		if got := commit.Lookup("writeConcern", "w").StringValue(); got != "majority" {
			t.Errorf("commit writeConcern.w = %q, want majority (command %v)", got, commit)
		}
		if ms, ok := commit.Lookup("maxTimeMS").AsInt64OK(); !ok || ms <= 0 || ms > 5000 {
			t.Errorf("commit maxTimeMS = %v, want in (0, 5000] (command %v)", commit.Lookup("maxTimeMS"), commit)
		}
	})
}

func TestWithTxValueAndContextState(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
		b.FailPoint(t, conflictOnce("insert"))
		if runtime.InTx(ctx) || runtime.TxFrom(ctx) != nil {
			t.Fatal("a plain context is in a transaction")
		}
		var inner context.Context
		calls := 0
		v, err := runtime.WithTxValue(ctx, b.Client, func(ctx context.Context) (int, error) {
			calls++
			inner = ctx
			if !runtime.InTx(ctx) {
				return 0, errors.New("InTx is false in the callback")
			}
			tx := runtime.TxFrom(ctx)
			if tx.Session() != mongo.SessionFromContext(ctx) {
				return 0, errors.New("Tx.Session is not the context's session")
			}
			if tx.Bind(ctx) != ctx {
				return 0, errors.New("Bind on a context already in the transaction changed it")
			}
			// A context without the session, bound: operations run in tx.
			bound := tx.Bind(context.Background())
			if !runtime.InTx(bound) || mongo.SessionFromContext(bound) != tx.Session() {
				return 0, errors.New("Bind did not carry the transaction")
			}
			return calls * 10, insert(bound, coll, "a")
		}, fastBackoff)
		if err != nil || v != 20 {
			t.Fatalf("WithTxValue = %d, %v; want 20 (the committed attempt's value)", v, err)
		}
		wantIDs(t, coll, "a")
		if runtime.InTx(inner) {
			t.Error("InTx is true for a context whose transaction has ended")
		}
		err = runtime.WithTx(inner, b.Client, func(context.Context) error { return nil })
		if !errors.Is(err, runtime.ErrTxEnded) {
			t.Errorf("WithTx joining an ended transaction = %v, want an error saying so", err)
		}
		if got := (*runtime.Tx)(nil).Bind(ctx); got != ctx {
			t.Error("Bind on a nil Tx changed the context")
		}
		if (*runtime.Tx)(nil).Session() != nil {
			t.Error("nil Tx has a session")
		}
		ran := false
		runtime.OnCommit(ctx, func(context.Context) { ran = true })
		if !ran {
			t.Error("OnCommit outside a transaction did not run at once")
		}
		runtime.OnRollback(ctx, func(context.Context) { t.Error("OnRollback outside a transaction ran") })

		v, err = runtime.WithTxValue(ctx, b.Client, func(ctx context.Context) (int, error) {
			return 5, errors.New("no")
		})
		if v != 0 || err == nil {
			t.Errorf("WithTxValue on error = %d, %v; want the zero value and the error", v, err)
		}
	})
}
