package runtime_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// cancelOnBackoff cancels a context 10 ms into the first backoff sleep
// that lasts over 100 ms, so the cancellation lands during the sleep.
type cancelOnBackoff struct {
	runtime.NopObserver
	cancel context.CancelFunc
	once   sync.Once
	at     chan time.Time
}

func (c *cancelOnBackoff) BackingOff(_ context.Context, e runtime.Backoff) {
	if e.Delay < 100*time.Millisecond {
		return
	}
	c.once.Do(func() {
		// Cancel from elsewhere while WithTx sleeps, as a caller would.
		go func() {
			time.Sleep(10 * time.Millisecond)
			c.at <- time.Now()
			c.cancel()
		}()
	})
}

// 6. Cancelling ctx during a backoff sleep returns at once with ctx's error;
// a ctx deadline shorter than WithTimeout wins.
func TestContextEndsTheRetries(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		t.Run("cancel during backoff", func(t *testing.T) {
			coll := collection(t, b)
			b.FailPoint(t, alwaysConflict)
			ctx, cancel := context.WithCancel(testenv.Context(t))
			defer cancel()
			obs := &cancelOnBackoff{cancel: cancel, at: make(chan time.Time, 1)}
			// Sleeps of up to 20 s (under the test's 30 s deadline): if the
			// sleep ignored the cancellation, the next attempt would fail on
			// the cancelled context with a plain error, not a *TxError.
			err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
				return insert(ctx, coll, "a")
			}, runtime.WithBackoff(20*time.Second, 20*time.Second), runtime.WithObserver(obs))
			returned := time.Now()
			var txErr *runtime.TxError
			if !errors.As(err, &txErr) || !errors.Is(err, context.Canceled) || !runtime.IsTransient(err) {
				t.Fatalf("WithTx = %v, want a *TxError with context.Canceled and the last (transient) error", err)
			}
			t.Logf("returned %v after the cancellation", returned.Sub(<-obs.at))
		})
		t.Run("ctx deadline before WithTimeout", func(t *testing.T) {
			coll := collection(t, b)
			b.FailPoint(t, alwaysConflict)
			ctx, cancel := context.WithTimeout(testenv.Context(t), 300*time.Millisecond)
			defer cancel()
			err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
				return insert(ctx, coll, "a")
			}, runtime.WithTimeout(time.Hour), fastBackoff)
			// The deadline ends WithTx during an attempt (the driver refuses
			// an operation that cannot finish in time, or the deadline cuts
			// it) or before a backoff that would pass it: either way the
			// error matches context.DeadlineExceeded.
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("WithTx = %v, want an error matching context.DeadlineExceeded", err)
			}
			if txErr, ok := errors.AsType[*runtime.TxError](err); ok {
				t.Logf("%d attempts before the deadline", txErr.Attempts)
			}
		})
		t.Run("WithTimeout budget", func(t *testing.T) {
			coll := collection(t, b)
			b.FailPoint(t, alwaysConflict)
			err := runtime.WithTx(testenv.Context(t), b.Client, func(ctx context.Context) error {
				return insert(ctx, coll, "a")
			}, runtime.WithTimeout(100*time.Millisecond), fastBackoff)
			var txErr *runtime.TxError
			if !errors.As(err, &txErr) || txErr.Attempts < 1 || !strings.Contains(txErr.Reason, "budget") {
				t.Fatalf("WithTx = %v, want a *TxError saying the budget is spent", err)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("WithTx = %v: the budget is not a context deadline", err)
			}
			var ce mongo.CommandError
			if !errors.As(err, &ce) || ce.Code != 112 {
				t.Errorf("WithTx = %v, want the last write conflict, not a generic timeout", err)
			}
		})
		t.Run("cancelled before commit", func(t *testing.T) {
			coll := collection(t, b)
			ctx, cancel := context.WithCancel(testenv.Context(t))
			err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
				err := insert(ctx, coll, "a")
				cancel()
				return err
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("WithTx = %v, want context.Canceled", err)
			}
			wantIDs(t, coll)
		})
	})
}

// 7. WithMaxAttempts(3) with an always-on transient fault: exactly 3 attempts.
func TestMaxAttempts(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		coll := collection(t, b)
		b.FailPoint(t, alwaysConflict)
		calls := 0
		rec := &recorder{}
		err := runtime.WithTx(testenv.Context(t), b.Client, func(ctx context.Context) error {
			calls++
			return insert(ctx, coll, "a")
		}, runtime.WithMaxAttempts(3), fastBackoff, runtime.WithObserver(rec))
		var txErr *runtime.TxError
		if !errors.As(err, &txErr) || txErr.Attempts != 3 || txErr.Reason != "attempt limit 3 reached" {
			t.Fatalf("WithTx = %v, want a *TxError after 3 attempts", err)
		}
		if !strings.Contains(err.Error(), "after 3 attempt(s)") {
			t.Errorf("error %q does not say how many attempts were made", err)
		}
		if calls != 3 {
			t.Errorf("callback ran %d times, want 3", calls)
		}
		conflict := "callback WriteConflict 112 [TransientTransactionError]"
		wantEvents(t, rec,
			"start 1", "end 1 "+conflict+" retry=true", "backoff 2",
			"start 2", "end 2 "+conflict+" retry=true", "backoff 3",
			"start 3", "end 3 "+conflict+" retry=false",
			"outcome committed=false attempts=3 err=true")
	})
}
