package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// Integration tests of WithTx through the real driver, against mongotest and,
// with MONGOTXGEN_TEST_URI set, a real replica set. The numbers in the test
// comments are the points of the runtime issue they cover.

// testCtx bounds a test so that a hang fails it instead of the whole run.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// collection returns a fresh collection holding one seed document, so that
// no transaction has to create it.
func collection(t *testing.T, b *testenv.Backend) *mongo.Collection {
	t.Helper()
	coll := b.DB(t).Collection("items")
	if _, err := coll.InsertOne(testCtx(t), bson.D{{Key: "_id", Value: "seed"}}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return coll
}

// failPoint sets fp and clears it when the test ends.
func failPoint(t *testing.T, b *testenv.Backend, fp mongotest.FailPoint) {
	t.Helper()
	if err := mongotest.SetFailPoint(testCtx(t), b.Client, fp); err != nil {
		t.Fatalf("set fail point %v: %v", fp.Command(), err)
	}
	t.Cleanup(func() {
		if err := mongotest.ClearFailPoint(context.Background(), b.Client); err != nil {
			t.Errorf("clear fail point: %v", err)
		}
	})
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

// recorder is an Observer that keeps every event as a line of text, so
// tests compare the whole sequence. Elapsed times and delays are left out:
// they vary.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf(format, args...))
}

func (r *recorder) AttemptStarted(_ context.Context, e runtime.AttemptStart) {
	r.add("start %d", e.Attempt)
}

func (r *recorder) AttemptEnded(_ context.Context, e runtime.AttemptEnd) {
	if e.Committed {
		r.add("end %d committed", e.Attempt)
		return
	}
	r.add("end %d %s %s %d [%s] retry=%v", e.Attempt, e.Phase, e.CodeName, e.Code, strings.Join(e.Labels, ","), e.Retry)
}

func (r *recorder) CommitRetried(_ context.Context, e runtime.CommitRetry) {
	r.add("commit retry %d.%d %s %d [%s]", e.Attempt, e.Retry, e.CodeName, e.Code, strings.Join(e.Labels, ","))
}

func (r *recorder) BackingOff(_ context.Context, e runtime.Backoff) {
	r.add("backoff %d", e.NextAttempt)
}

func (r *recorder) Finished(_ context.Context, e runtime.Outcome) {
	r.add("outcome committed=%v attempts=%d err=%v", e.Committed, e.Attempts, e.Err != nil)
}

func (r *recorder) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

func (r *recorder) count(prefix string) int {
	n := 0
	for _, e := range r.lines() {
		if strings.HasPrefix(e, prefix) {
			n++
		}
	}
	return n
}

func wantEvents(t *testing.T, r *recorder, want ...string) {
	t.Helper()
	if got := r.lines(); !slices.Equal(got, want) {
		t.Errorf("observed events:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
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

// 1. A transient error on a write re-runs the callback; one commit; the
// failed attempt's hooks are dropped and its OnRollback hooks run.
func TestTransientWriteErrorRetriesTheCallback(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		for _, tc := range []struct {
			name string
			fp   mongotest.FailPoint
			end  string
		}{
			{"write conflict", mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"insert"},
				ErrorCode: 112, ErrorLabels: []string{"TransientTransactionError"}},
				"end 1 callback WriteConflict 112 [TransientTransactionError] retry=true"},
			{"closed connection", mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"insert"},
				CloseConnection: true},
				"end 1 callback  0 [NetworkError,TransientTransactionError] retry=true"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := testCtx(t)
				coll := collection(t, b)
				failPoint(t, b, tc.fp)
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
				failPoint(t, b, tc.fp)
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
				ctx := testCtx(t)
				coll := collection(t, b)
				failPoint(t, b, tc.fp)
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
		ctx := testCtx(t)
		coll := collection(t, b)
		failPoint(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"commitTransaction"},
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
		ctx := testCtx(t)
		coll := collection(t, b)
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

// 5. A panic aborts, ends the session and re-panics; the client then works.
func TestPanicAbortsEndsSessionAndRepanics(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := testCtx(t)
		coll := collection(t, b)
		var hooks hookLog
		var sess *mongo.Session
		type boom struct{ n int }
		got := func() (p any) {
			defer func() { p = recover() }()
			_ = runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
				sess = mongo.SessionFromContext(ctx)
				hooks.register(ctx, 1)
				if err := insert(ctx, coll, "a"); err != nil {
					return err
				}
				panic(boom{7})
			})
			return nil
		}()
		if got != (boom{7}) {
			t.Fatalf("recovered %#v, want boom{7}", got)
		}
		hooks.check(t, nil, []int{1})
		wantIDs(t, coll)
		if sess == nil {
			t.Fatal("the callback's context carries no session")
		}
		if sess.TransactionRunning() {
			t.Error("the transaction is still running after the panic")
		}
		if err := insert(mongo.NewSessionContext(ctx, sess), coll, "late"); err == nil {
			t.Error("the panicking call's session still accepts operations; it was not ended")
		}
		if err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			return insert(ctx, coll, "b")
		}); err != nil {
			t.Fatalf("WithTx after the panic: %v", err)
		}
		wantIDs(t, coll, "b")
	})
}

// alwaysConflict makes every insert fail with a transient write conflict.
var alwaysConflict = mongotest.FailPoint{Mode: mongotest.AlwaysOn, Commands: []string{"insert"},
	ErrorCode: 112, ErrorLabels: []string{"TransientTransactionError"}}

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
			failPoint(t, b, alwaysConflict)
			ctx, cancel := context.WithCancel(testCtx(t))
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
			failPoint(t, b, alwaysConflict)
			ctx, cancel := context.WithTimeout(testCtx(t), 300*time.Millisecond)
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
			failPoint(t, b, alwaysConflict)
			err := runtime.WithTx(testCtx(t), b.Client, func(ctx context.Context) error {
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
			ctx, cancel := context.WithCancel(testCtx(t))
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
		failPoint(t, b, alwaysConflict)
		calls := 0
		rec := &recorder{}
		err := runtime.WithTx(testCtx(t), b.Client, func(ctx context.Context) error {
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

// 8. Propagation modes.
func TestPropagation(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		t.Run("Required joins", func(t *testing.T) {
			ctx := testCtx(t)
			coll := collection(t, b)
			rec, innerRec := &recorder{}, &recorder{}
			var inner hookLog
			errOuter := errors.New("outer fails after the inner call")
			for _, outerErr := range []error{errOuter, nil} {
				err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
					outerSess := mongo.SessionFromContext(ctx)
					if err := insert(ctx, coll, "outer"); err != nil {
						return err
					}
					if err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
						if mongo.SessionFromContext(ctx) != outerSess {
							return errors.New("the joined call runs on another session")
						}
						inner.register(ctx, 1)
						return insert(ctx, coll, "inner")
					}, runtime.WithObserver(innerRec)); err != nil {
						return err
					}
					return outerErr
				}, runtime.WithObserver(rec))
				if !errors.Is(err, outerErr) || (outerErr == nil) != (err == nil) {
					t.Fatalf("WithTx = %v, want %v", err, outerErr)
				}
				if outerErr != nil {
					wantIDs(t, coll) // the inner writes rolled back with the outer
				}
			}
			wantIDs(t, coll, "inner", "outer")
			inner.check(t, []int{1}, []int{1})
			if n := rec.count("end 2 committed"); n != 0 {
				t.Errorf("observer: %v", rec.lines())
			}
			if n := rec.count("outcome committed=true"); n != 1 {
				t.Errorf("%d commits, want 1: %v", n, rec.lines())
			}
			if got := innerRec.lines(); len(got) != 0 {
				t.Errorf("the joined call reported %v; a joined call reports nothing of its own", got)
			}
		})
		t.Run("Required inner failure makes the outer rollback-only", func(t *testing.T) {
			ctx := testCtx(t)
			coll := collection(t, b)
			errInner := errors.New("inner failed")
			var innerGot error
			err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
				if err := insert(ctx, coll, "outer"); err != nil {
					return err
				}
				innerGot = runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
					if err := insert(ctx, coll, "inner"); err != nil {
						return err
					}
					return errInner
				})
				return nil // swallows the inner failure
			})
			if innerGot != errInner {
				t.Errorf("inner WithTx = %v, want its own error unchanged", innerGot)
			}
			if !errors.Is(err, runtime.ErrRollbackOnly) || !errors.Is(err, errInner) {
				t.Fatalf("outer WithTx = %v, want ErrRollbackOnly wrapping the inner error", err)
			}
			wantIDs(t, coll)
		})
		t.Run("RequiresNew commits on its own", func(t *testing.T) {
			ctx := testCtx(t)
			coll := collection(t, b)
			var inner hookLog
			errOuter := errors.New("outer fails")
			var innerCommittedBeforeOuterEnded bool
			err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
				outerSess := mongo.SessionFromContext(ctx)
				if err := insert(ctx, coll, "outer"); err != nil {
					return err
				}
				err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
					if mongo.SessionFromContext(ctx) == outerSess {
						return errors.New("RequiresNew runs on the outer session")
					}
					inner.register(ctx, 1)
					return insert(ctx, coll, "inner")
				}, runtime.WithPropagation(runtime.RequiresNew))
				if err != nil {
					return err
				}
				inner.mu.Lock()
				innerCommittedBeforeOuterEnded = slices.Equal(inner.committed, []int{1})
				inner.mu.Unlock()
				if !runtime.InTx(ctx) {
					return errors.New("the outer transaction is gone from its context")
				}
				return errOuter
			})
			if !errors.Is(err, errOuter) {
				t.Fatalf("WithTx = %v, want %v", err, errOuter)
			}
			if !innerCommittedBeforeOuterEnded {
				t.Error("the RequiresNew call's OnCommit hooks did not run at its own commit")
			}
			inner.check(t, []int{1}, nil)
			wantIDs(t, coll, "inner")
		})
		t.Run("Mandatory", func(t *testing.T) {
			ctx := testCtx(t)
			coll := collection(t, b)
			ran := false
			err := runtime.WithTx(ctx, b.Client, func(context.Context) error { ran = true; return nil },
				runtime.WithPropagation(runtime.Mandatory))
			if !errors.Is(err, runtime.ErrNoTx) || ran {
				t.Fatalf("Mandatory outside a transaction = %v (callback ran: %v), want ErrNoTx", err, ran)
			}
			err = runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
				return runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
					return insert(ctx, coll, "a")
				}, runtime.WithPropagation(runtime.Mandatory))
			})
			if err != nil {
				t.Fatalf("Mandatory inside a transaction: %v", err)
			}
			wantIDs(t, coll, "a")
		})
		t.Run("Durable", func(t *testing.T) {
			ctx := testCtx(t)
			coll := collection(t, b)
			var innerErr error
			err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
				innerErr = runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
					return insert(ctx, coll, "inner")
				}, runtime.WithPropagation(runtime.Durable))
				return insert(ctx, coll, "outer")
			})
			if err != nil {
				t.Fatalf("outer WithTx: %v", err)
			}
			if !errors.Is(innerErr, runtime.ErrNestedTx) {
				t.Errorf("Durable inside a transaction = %v, want ErrNestedTx", innerErr)
			}
			if err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
				return insert(ctx, coll, "durable")
			}, runtime.WithPropagation(runtime.Durable)); err != nil {
				t.Fatalf("Durable outside a transaction: %v", err)
			}
			wantIDs(t, coll, "durable", "outer")
		})
	})
}

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
				ctx := testCtx(t)
				coll := collection(t, b)
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
		ctx := testCtx(t)
		coll := collection(t, b)
		failPoint(t, b, mongotest.FailPoint{Mode: mongotest.Skip(1), Commands: []string{"insert"}, CloseConnection: true})
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

// A transaction the server ended on its own before the commit (here a fail
// point answering the commit with NoSuchTransaction, as mongod does after a
// failover or the lifetime limit) is retried, as the specification says, when
// no swallowed failure explains it.
func TestServerEndedTransactionIsRetried(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := testCtx(t)
		coll := collection(t, b)
		failPoint(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"commitTransaction"},
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

// 11. The slog observer writes every event as a structured record.
func TestSlogObserver(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := testCtx(t)
		coll := collection(t, b)
		var buf strings.Builder
		logger := slogText(&buf)
		failPoint(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"insert"},
			ErrorCode: 112, ErrorLabels: []string{"TransientTransactionError"}})
		if err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			return insert(ctx, coll, "a")
		}, runtime.WithObserver(runtime.NewSlogObserver(logger)), fastBackoff); err != nil {
			t.Fatalf("WithTx: %v", err)
		}
		failPoint(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"commitTransaction"},
			WriteConcernError: &mongotest.WriteConcernError{Code: 64, CodeName: "WriteConcernFailed", Errmsg: "timed out"}})
		if err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			return insert(ctx, coll, "b")
		}, runtime.WithObserver(runtime.NewSlogObserver(logger))); err != nil {
			t.Fatalf("WithTx: %v", err)
		}
		errNo := errors.New("no")
		if err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			return errNo
		}, runtime.WithObserver(runtime.NewSlogObserver(logger))); err != errNo {
			t.Fatalf("WithTx = %v, want %v", err, errNo)
		}
		want := []string{
			`level=DEBUG msg="tx attempt start" attempt=1`,
			`level=INFO msg="tx attempt end" attempt=1 committed=false phase=callback error=* labels=[TransientTransactionError] code=112 code_name=WriteConflict retry=true`,
			`level=INFO msg="tx backoff" attempt=2 delay=*`,
			`level=DEBUG msg="tx attempt start" attempt=2`,
			`level=DEBUG msg="tx attempt end" attempt=2 committed=true`,
			`level=DEBUG msg="tx outcome" committed=true attempts=2`,
			`level=DEBUG msg="tx attempt start" attempt=1`,
			`level=INFO msg="tx commit retry" attempt=1 retry=1 error=* labels=[UnknownTransactionCommitResult] code=64 code_name=WriteConcernFailed`,
			`level=DEBUG msg="tx attempt end" attempt=1 committed=true`,
			`level=DEBUG msg="tx outcome" committed=true attempts=1`,
			`level=DEBUG msg="tx attempt start" attempt=1`,
			`level=INFO msg="tx attempt end" attempt=1 committed=false phase=callback error=* labels=[] code=0 code_name="" retry=false`,
			`level=WARN msg="tx outcome" committed=false attempts=1 error=*`,
		}
		got := normalizeLog(buf.String())
		if !slices.Equal(got, want) {
			t.Errorf("slog records:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
		}
	})
}

// Callbacks that end the transaction themselves get a clear error, not nil.
func TestCallbackEndingTheTransaction(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := testCtx(t)
		coll := collection(t, b)
		err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			if err := insert(ctx, coll, "a"); err != nil {
				return err
			}
			return mongo.SessionFromContext(ctx).AbortTransaction(ctx)
		})
		if !errors.Is(err, runtime.ErrEndedByCallback) {
			t.Fatalf("WithTx = %v, want ErrEndedByCallback", err)
		}
		wantIDs(t, coll)
	})
}

func TestWithTxValueAndContextState(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := testCtx(t)
		coll := collection(t, b)
		failPoint(t, b, mongotest.FailPoint{Mode: mongotest.Times(1), Commands: []string{"insert"},
			ErrorCode: 112, ErrorLabels: []string{"TransientTransactionError"}})
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
		if err == nil || !strings.Contains(err.Error(), "already ended") {
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

func TestInvalidOptions(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := testCtx(t)
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

// slogText returns a logger writing text records without the varying parts:
// no time, no elapsed, and "*" for error messages and delays.
func slogText(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "elapsed":
				return slog.Attr{}
			case "error", "delay":
				return slog.String(a.Key, "*")
			}
			return a
		},
	}))
}

func normalizeLog(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
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
			ctx := testCtx(t)
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
			ctx := testCtx(t)
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

// runtime.Goexit in the callback (t.FailNow in a test helper, say) leaves
// nothing behind: the transaction is aborted and the context is out of it.
func TestGoexitInCallback(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx := testCtx(t)
		coll := collection(t, b)
		var inner context.Context
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
				inner = ctx
				if err := insert(ctx, coll, "a"); err != nil {
					return err
				}
				goruntime.Goexit()
				return nil
			})
		}()
		<-done
		if inner == nil || runtime.InTx(inner) {
			t.Error("InTx is still true after Goexit ended the callback")
		}
		wantIDs(t, coll)
		if err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error { return insert(ctx, coll, "b") }); err != nil {
			t.Fatalf("WithTx after Goexit: %v", err)
		}
		wantIDs(t, coll, "b")
	})
}

// monitoredClient connects to b with mon installed.
func monitoredClient(t *testing.T, b *testenv.Backend, mon *event.CommandMonitor) *mongo.Client {
	t.Helper()
	return testenv.NewClient(t, options.Client().ApplyURI(b.URI).SetMonitor(mon))
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

// Cancelling ctx while the commit runs stops WithTx at once; the outcome
// is reported as unknown.
func TestCancelDuringCommit(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, cancel := context.WithCancel(testCtx(t))
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
		failPoint(t, &testenv.Backend{Client: client}, mongotest.FailPoint{Mode: mongotest.Times(1),
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
		if err := runtime.WithTx(testCtx(t), client, func(ctx context.Context) error {
			return insert(ctx, coll, "b")
		}); err != nil {
			t.Fatalf("WithTx after the cancelled commit: %v", err)
		}
	})
}
