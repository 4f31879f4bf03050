package runtime_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// 9. A server-side failure swallowed by the callback comes back after one
// attempt, not as a NoSuchTransaction retry loop.
func TestSwallowedServerErrorIsNotRetried(t *testing.T) {
	for _, tc := range []struct {
		name        string
		report      bool // the failure goes through runtime.Failed, as in generated repositories
		wantCalls   int
		wantEvents  []string
		wantDupeKey bool // WithTx's error names the swallowed failure
	}{
		{
			// WithTx knows of the failure and aborts instead of committing.
			name: "repository", report: true, wantCalls: 1, wantDupeKey: true,
			wantEvents: []string{"start 1",
				"end 1 callback DuplicateKey 11000 [] retry=false",
				"outcome committed=false attempts=1 err=true"},
		},
		{
			// A plain driver call without CommandMonitor: WithTx cannot see
			// the failure, so it retries once, as for a transaction the server
			// ended on its own, and stops when the commit fails alike again.
			name: "plain driver call", report: false, wantCalls: 2,
			wantEvents: []string{"start 1",
				"end 1 commit NoSuchTransaction 251 [TransientTransactionError] retry=true",
				"backoff 2", "start 2",
				"end 2 commit NoSuchTransaction 251 [TransientTransactionError] retry=false",
				"outcome committed=false attempts=2 err=true"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
				ctx, coll := begin(t, b)
				if err := insert(ctx, coll, "taken"); err != nil {
					t.Fatal(err)
				}
				rec := &recorder{}
				calls := 0
				var swallowed error
				err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
					calls++
					if err := insert(ctx, coll, "new"); err != nil {
						return err
					}
					swallowed = insert(ctx, coll, "taken") // duplicate key: the server aborts the transaction
					if tc.report {
						swallowed = runtime.Failed(ctx, coll.Name(), "insert", swallowed)
					}
					return nil
				}, runtime.WithObserver(rec), fastBackoff)
				if !mongo.IsDuplicateKeyError(swallowed) {
					t.Fatalf("the duplicate insert returned %v, want a duplicate key error", swallowed)
				}
				if !errors.Is(err, runtime.ErrTxAborted) {
					t.Fatalf("WithTx = %v, want ErrTxAborted", err)
				}
				if got := errors.Is(err, runtime.ErrDuplicateKey); got != tc.wantDupeKey {
					t.Errorf("errors.Is(%v, ErrDuplicateKey) = %v, want %v", err, got, tc.wantDupeKey)
				}
				if calls != tc.wantCalls {
					t.Errorf("callback ran %d times, want %d", calls, tc.wantCalls)
				}
				wantEvents(t, rec, tc.wantEvents...)
				wantIDs(t, coll, "taken")
			})
		})
	}
}

// A swallowed transient failure (here a connection closed under the second
// insert, which leaves the server's transaction running with the first) must
// not be committed: that would store half of what the callback meant. WithTx
// aborts and runs the callback again, and both documents are stored once.
func TestSwallowedTransientFailureIsNotCommitted(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
		b.FailPoint(t, mongotest.FailPoint{Mode: mongotest.Skip(1), Commands: []string{"insert"}, CloseConnection: true})
		calls := 0
		outer := ctx
		err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			calls++
			if calls == 2 {
				// The fail point has done its work; keep it from firing on
				// every insert from now on (outside the transaction).
				if err := mongotest.ClearFailPoint(outer, b.Client); err != nil {
					return err
				}
			}
			if err := insert(ctx, coll, "a"); err != nil {
				return err
			}
			_ = runtime.Failed(ctx, coll.Name(), "insert", insert(ctx, coll, "b")) // swallowed
			return nil
		}, fastBackoff)
		if err != nil {
			t.Fatalf("WithTx: %v", err)
		}
		if calls != 2 {
			t.Errorf("callback ran %d times, want 2", calls)
		}
		wantIDs(t, coll, "a", "b")
	})
}

// 9, with runtime.CommandMonitor on the client: the swallowed failure itself
// comes back, and a swallowed transient failure is retried.
func TestCommandMonitorReportsSwallowedFailures(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		var started, succeeded atomic.Int64
		next := &event.CommandMonitor{
			Started:   func(context.Context, *event.CommandStartedEvent) { started.Add(1) },
			Succeeded: func(context.Context, *event.CommandSucceededEvent) { succeeded.Add(1) },
		}
		client := monitoredClient(t, b, runtime.CommandMonitor(next))
		coll := client.Database(b.DB(t).Name()).Collection("items")

		t.Run("duplicate key", func(t *testing.T) {
			ctx := testenv.Context(t)
			if err := insert(ctx, coll, "taken"); err != nil {
				t.Fatal(err)
			}
			calls := 0
			err := runtime.WithTx(ctx, client, func(ctx context.Context) error {
				calls++
				_ = insert(ctx, coll, "taken") // swallowed
				return nil
			})
			if !errors.Is(err, runtime.ErrTxAborted) || !errors.Is(err, runtime.ErrDuplicateKey) || !mongo.IsDuplicateKeyError(err) {
				t.Fatalf("WithTx = %v, want ErrTxAborted and the duplicate key error", err)
			}
			var oe *runtime.OpError
			if !errors.As(err, &oe) || oe.Collection != "items" || oe.Op != "insert" {
				t.Errorf("the failure is %+v, want an *OpError naming items and insert", oe)
			}
			if calls != 1 {
				t.Errorf("callback ran %d times, want 1", calls)
			}
		})

		t.Run("write conflict", func(t *testing.T) {
			ctx := testenv.Context(t)
			if err := insert(ctx, coll, "x"); err != nil {
				t.Fatal(err)
			}
			// Another transaction holds a write on x until our first
			// attempt is over.
			other, err := client.StartSession()
			if err != nil {
				t.Fatal(err)
			}
			defer other.EndSession(ctx)
			if err := other.StartTransaction(); err != nil {
				t.Fatal(err)
			}
			otherCtx := mongo.NewSessionContext(ctx, other)
			if _, err := coll.UpdateByID(otherCtx, "x", bson.D{{Key: "$set", Value: bson.D{{Key: "by", Value: "other"}}}}); err != nil {
				t.Fatal(err)
			}
			calls := 0
			var swallowed error
			err = runtime.WithTx(ctx, client, func(ctx context.Context) error {
				calls++
				if calls == 1 {
					runtime.OnRollback(ctx, func(context.Context) {
						if err := other.CommitTransaction(otherCtx); err != nil {
							t.Errorf("commit the other transaction: %v", err)
						}
					})
				}
				_, err := coll.UpdateByID(ctx, "x", bson.D{{Key: "$set", Value: bson.D{{Key: "by", Value: "us"}}}})
				if calls == 1 {
					swallowed = err
					return nil
				}
				return err
			}, fastBackoff)
			if !runtime.IsTransient(swallowed) {
				t.Fatalf("the conflicting update returned %v, want a transient write conflict", swallowed)
			}
			if err != nil || calls != 2 {
				t.Fatalf("WithTx = %v after %d attempts, want success on the second", err, calls)
			}
			var doc struct{ By string }
			if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "x"}}).Decode(&doc); err != nil || doc.By != "us" {
				t.Errorf("x = %+v, %v; want by us", doc, err)
			}
		})
		if started.Load() == 0 || succeeded.Load() == 0 {
			t.Errorf("the next monitor saw %d started and %d succeeded events, want some", started.Load(), succeeded.Load())
		}
	})
}
