package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// 1. A transient error on a write re-runs the callback; one commit; the
// failed attempt's hooks are dropped and its OnRollback hooks run.
func TestTransientWriteErrorRetriesTheCallback(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		for _, tc := range []struct {
			name string
			fp   mongotest.FailPoint
			end  string
		}{
			{"write conflict", conflictOnce("insert"),
				"end 1 callback WriteConflict 112 [TransientTransactionError] retry=true"},
			{"closed connection", mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"insert"},
				CloseConnection: true},
				"end 1 callback  0 [NetworkError,TransientTransactionError] retry=true"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx, coll := begin(t, b)
				b.FailPoint(t, tc.fp)
				rec := &recorder{}
				var hooks hookLog
				calls := 0
				err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
					calls++
					hooks.register(ctx, calls)
					return insert(ctx, coll, "a")
				}, runtime.WithObserver(rec), fastBackoff)
				if err != nil {
					t.Fatalf("WithTx: %v", err)
				}
				if calls != 2 {
					t.Errorf("callback ran %d times, want 2", calls)
				}
				hooks.check(t, []int{2}, []int{1})
				wantIDs(t, coll, "a")
				wantEvents(t, rec,
					"start 1", tc.end, "backoff 2",
					"start 2", "end 2 committed", "outcome committed=true attempts=2 err=false")
			})
		}
	})
}

// 2. UnknownTransactionCommitResult on commit retries the commit alone.
func TestUnknownCommitResultRetriesTheCommitOnly(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		for _, tc := range []struct {
			name  string
			fp    mongotest.FailPoint
			retry string
		}{
			{"write concern error", mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"commitTransaction"},
				WriteConcernError: &mongotest.WriteConcernError{Code: 64, CodeName: "WriteConcernFailed", Errmsg: "waiting for replication timed out"}},
				"commit retry 1.1 WriteConcernFailed 64 [UnknownTransactionCommitResult]"},
			// The driver retries a commit once on a new connection by itself,
			// so two closed connections reach WithTx as one unknown result.
			// (With a ctx deadline the driver keeps retrying until it, so
			// this case runs without one; the fail point is finite.)
			{"closed connection", mongotest.FailPoint{Mode: mongotest.Times(2), Commands: []string{"commitTransaction"},
				CloseConnection: true},
				"commit retry 1.1  0 [NetworkError,UnknownTransactionCommitResult,RetryableWriteError,UnknownTransactionCommitResult]"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				coll := collection(t, b)
				b.FailPoint(t, tc.fp)
				rec := &recorder{}
				var hooks hookLog
				calls := 0
				err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
					calls++
					hooks.register(ctx, calls)
					return insert(ctx, coll, "a")
				}, runtime.WithObserver(rec))
				if err != nil {
					t.Fatalf("WithTx: %v", err)
				}
				if calls != 1 {
					t.Errorf("callback ran %d times, want 1", calls)
				}
				hooks.check(t, []int{1}, nil)
				wantIDs(t, coll, "a")
				wantEvents(t, rec, "start 1", tc.retry, "end 1 committed", "outcome committed=true attempts=1 err=false")
			})
		}
	})
}

// 3. A commit failing with MaxTimeMSExpired is not retried.
func TestMaxTimeMSExpiredCommitIsNotRetried(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		for _, tc := range []struct {
			name string
			fp   mongotest.FailPoint
		}{
			{"command error", mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"commitTransaction"}, ErrorCode: 50}},
			{"write concern error", mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"commitTransaction"},
				WriteConcernError: &mongotest.WriteConcernError{Code: 50, CodeName: "MaxTimeMSExpired", Errmsg: "operation exceeded time limit"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx, coll := begin(t, b)
				b.FailPoint(t, tc.fp)
				rec := &recorder{}
				calls := 0
				err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
					calls++
					return insert(ctx, coll, "a")
				}, runtime.WithObserver(rec))
				var se mongo.ServerError
				if !errors.As(err, &se) || !se.HasErrorCode(50) {
					t.Fatalf("WithTx = %v, want the MaxTimeMSExpired error", err)
				}
				if calls != 1 {
					t.Errorf("callback ran %d times, want 1", calls)
				}
				if n := rec.count("commit retry"); n != 0 {
					t.Errorf("%d commit retries, want none", n)
				}
				if !runtime.IsUnknownCommitResult(err) {
					t.Errorf("IsUnknownCommitResult(%v) = false; the driver labels MaxTimeMSExpired on commit", err)
				}
			})
		}
	})
}

// WithMaxCommitTime bounds the commit; running out is final, not retried.
func TestMaxCommitTime(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
		b.FailPoint(t, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"commitTransaction"},
			BlockConnection: true, BlockTime: time.Second})
		rec := &recorder{}
		err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			return insert(ctx, coll, "a")
		}, runtime.WithObserver(rec), runtime.WithMaxCommitTime(50*time.Millisecond))
		if err == nil || !runtime.IsUnknownCommitResult(err) {
			t.Fatalf("WithTx = %v, want an unknown commit result; events %v", err, rec.lines())
		}
		if n := rec.count("commit retry"); n != 0 {
			t.Errorf("%d commit retries, want none", n)
		}
		if n := rec.count("start"); n != 1 {
			t.Errorf("%d attempts, want 1", n)
		}
	})
}

type balanceError struct{ need int }

func (e *balanceError) Error() string { return fmt.Sprintf("balance too low, need %d", e.need) }

// 4. A non-transient error aborts; the caller's error comes back intact.
func TestNonTransientErrorAborts(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
		var hooks hookLog
		calls := 0
		cause := &balanceError{need: 10}
		err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			calls++
			hooks.register(ctx, calls)
			if err := insert(ctx, coll, "a"); err != nil {
				return err
			}
			return fmt.Errorf("transfer: %w", cause)
		})
		var be *balanceError
		if !errors.As(err, &be) || be != cause {
			t.Fatalf("WithTx = %v, want the callback's *balanceError", err)
		}
		if got, want := err.Error(), "transfer: balance too low, need 10"; got != want {
			t.Errorf("error = %q, want %q (returned unchanged)", got, want)
		}
		if calls != 1 {
			t.Errorf("callback ran %d times, want 1", calls)
		}
		hooks.check(t, nil, []int{1})
		wantIDs(t, coll)
	})
}

// A transaction the server ended on its own before the commit (here a fail
// point answering the commit with NoSuchTransaction, as mongod does after a
// failover or the lifetime limit) is retried, as the specification says, when
// no swallowed failure explains it.
func TestServerEndedTransactionIsRetried(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
		b.FailPoint(t, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"commitTransaction"},
			ErrorCode: 251, ErrorLabels: []string{"TransientTransactionError"}})
		calls := 0
		if err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			calls++
			return insert(ctx, coll, "a")
		}, fastBackoff); err != nil {
			t.Fatalf("WithTx: %v", err)
		}
		if calls != 2 {
			t.Errorf("callback ran %d times, want 2", calls)
		}
		wantIDs(t, coll, "a")
	})
}

// Cancelling ctx while the commit runs stops WithTx at once; the outcome
// is reported as unknown.
func TestCancelDuringCommit(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, cancel := context.WithCancel(testenv.Context(t))
		defer cancel()
		client := monitoredClient(t, b, &event.CommandMonitor{
			Started: func(_ context.Context, e *event.CommandStartedEvent) {
				if e.CommandName == "commitTransaction" {
					cancel()
				}
			},
		})
		coll := client.Database(b.DB(t).Name()).Collection("items")
		// Should the commit leave before the cancellation lands, the
		// server holds it long enough for the cancellation to win.
		(&testenv.Backend{Client: client}).FailPoint(t, mongotest.FailPoint{Mode: mongotest.Times(1),
			Commands: []string{"commitTransaction"}, BlockConnection: true, BlockTime: 500 * time.Millisecond})
		err := runtime.WithTx(ctx, client, func(ctx context.Context) error {
			return insert(ctx, coll, "a")
		})
		if !errors.Is(err, context.Canceled) || !runtime.IsUnknownCommitResult(err) {
			t.Fatalf("WithTx = %v, want context.Canceled and an unknown commit result", err)
		}
		// A commit cut off before it reached the server leaves the
		// transaction open there, holding its locks, until the pooled
		// session is reused (the next transaction number aborts it) or
		// the transaction lifetime ends. The next WithTx reuses it.
		if err := runtime.WithTx(testenv.Context(t), client, func(ctx context.Context) error {
			return insert(ctx, coll, "b")
		}); err != nil {
			t.Fatalf("WithTx after the cancelled commit: %v", err)
		}
	})
}
