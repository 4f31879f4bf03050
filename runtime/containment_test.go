package runtime_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
	"github.com/mongotxgen/mongotxgen/runtime/mongotest"
)

// Failures stay where they happened (issue 10, points 2, 3, 6, 7 and 8): a
// nested call cannot commit half of its work nor multiply retries, a known
// failure is returned at once, and a panicking hook does not hide the rest.

// 2. A joined call that panics, recovered by the outer callback, marks the
// transaction rollback-only: its half-done writes are not committed.
func TestJoinedPanicMakesTheTransactionRollbackOnly(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
		err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			if err := insert(ctx, coll, "outer"); err != nil {
				return err
			}
			func() {
				defer func() { _ = recover() }()
				_ = runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
					if err := insert(ctx, coll, "inner"); err != nil {
						return err
					}
					panic("half done")
				})
			}()
			return nil
		})
		if !errors.Is(err, runtime.ErrRollbackOnly) {
			t.Fatalf("WithTx = %v, want ErrRollbackOnly", err)
		}
		wantIDs(t, coll)
	})
}

// 3. The callback swallows a duplicate key and returns the next
// operation's NoSuchTransaction: WithTx returns the duplicate key after one
// attempt instead of retrying a transaction that cannot succeed. Plain
// driver calls without CommandMonitor hide the duplicate key: WithTx retries
// once, as for a transaction the server ended, and then gives up saying so.
func TestKnownFailureWinsOverItsConsequence(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		for _, tc := range []struct {
			name   string
			client *mongo.Client
			plain  bool // plain driver calls, not the repository
			known  bool // WithTx can know of the duplicate key
		}{
			{"repository", b.Client, false, true},
			{"plain driver calls with CommandMonitor", monitoredClient(t, b, runtime.CommandMonitor(nil)), true, true},
			{"plain driver calls without", b.Client, true, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx, db := (&testenv.Backend{Client: tc.client}).Begin(t)
				s := newStore(db)
				coll := s.Account.coll
				if err := s.Account.Insert(ctx, &account{ID: "taken"}); err != nil {
					t.Fatal(err)
				}
				calls := 0
				var second error
				err := s.WithTx(ctx, func(ctx context.Context, tx *store) error {
					calls++
					if !tc.plain {
						_ = tx.Account.Insert(ctx, &account{ID: "taken"}) // swallowed
						second = tx.Account.Insert(ctx, &account{ID: "new"})
					} else {
						_ = insert(ctx, coll, "taken") // swallowed
						second = insert(ctx, coll, "new")
					}
					return second
				}, runtime.WithMaxAttempts(5), fastBackoff)
				var se mongo.ServerError
				if !errors.As(second, &se) || !se.HasErrorCode(251) {
					t.Fatalf("the second insert returned %v, want NoSuchTransaction", second)
				}
				if !tc.known {
					txErr, ok := errors.AsType[*runtime.TxError](err)
					if !ok || calls != 2 || !errors.Is(err, runtime.ErrTxAborted) ||
						!strings.Contains(txErr.Reason, "no failed operation is known") {
						t.Errorf("WithTx = %v after %d attempts, want a *TxError after 2 saying no failure is known", err, calls)
					}
					return
				}
				if !errors.Is(err, runtime.ErrDuplicateKey) || !errors.Is(err, runtime.ErrTxAborted) {
					t.Errorf("WithTx = %v, want ErrTxAborted and the duplicate key", err)
				}
				if runtime.IsTransient(err) {
					t.Errorf("WithTx = %v is transient; nothing would change on a retry", err)
				}
				if calls != 1 {
					t.Errorf("callback ran %d times, want 1", calls)
				}
			})
		}
	})
}

// 6. Two commits in a row find the transaction gone with no failed
// operation (two failovers, say). With CommandMonitor WithTx would have seen
// a failed operation, so it retries as the specification says and commits
// on the third attempt; without it, it stops at the second, with an error
// that says what it knows.
func TestTransactionGoneTwiceAtCommit(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		for _, tc := range []struct {
			name      string
			monitored bool
		}{{"with CommandMonitor", true}, {"without", false}} {
			t.Run(tc.name, func(t *testing.T) {
				client := b.Client
				if tc.monitored {
					client = monitoredClient(t, b, runtime.CommandMonitor(nil))
				}
				be := &testenv.Backend{Client: client}
				ctx, coll := begin(t, be)
				be.FailPoint(t, mongotest.FailPoint{Mode: mongotest.Times(2), Commands: []string{"commitTransaction"},
					ErrorCode: 251, ErrorLabels: []string{"TransientTransactionError"}})
				calls := 0
				err := runtime.WithTx(ctx, client, func(ctx context.Context) error {
					calls++
					return insert(ctx, coll, "a")
				}, fastBackoff)
				if tc.monitored {
					if err != nil || calls != 3 {
						t.Fatalf("WithTx = %v after %d attempts, want a commit on the third", err, calls)
					}
					wantIDs(t, coll, "a")
					return
				}
				txErr, ok := errors.AsType[*runtime.TxError](err)
				if !ok || calls != 2 || !errors.Is(err, runtime.ErrTxAborted) {
					t.Fatalf("WithTx = %v after %d attempts, want a *TxError after 2", err, calls)
				}
				if !strings.Contains(txErr.Reason, "no failed operation is known") ||
					!strings.Contains(txErr.Reason, "CommandMonitor") {
					t.Errorf("reason %q does not say what WithTx knows", txErr.Reason)
				}
				// Unlike a real NoSuchTransaction the fail point leaves the
				// transaction open on the server; the next transaction on the
				// pooled session aborts it.
				if err := runtime.WithTx(ctx, client, func(ctx context.Context) error { return insert(ctx, coll, "b") }); err != nil {
					t.Fatalf("WithTx after: %v", err)
				}
				wantIDs(t, coll, "b")
			})
		}
	})
}

// 7. A nested RequiresNew call that spent its attempts returns a *TxError
// that does not make the outer transaction retry: attempts do not multiply.
func TestNestedGiveUpDoesNotRetryTheOuter(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
		b.FailPoint(t, alwaysConflict)
		outer, inner := 0, 0
		err := runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
			outer++
			return runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
				inner++
				return insert(ctx, coll, "a")
			}, runtime.WithPropagation(runtime.RequiresNew), runtime.WithMaxAttempts(2), fastBackoff)
		}, runtime.WithMaxAttempts(3), fastBackoff)
		txErr, ok := errors.AsType[*runtime.TxError](err)
		if !ok || txErr.Attempts != 2 {
			t.Fatalf("WithTx = %v, want the inner call's *TxError after 2 attempts", err)
		}
		if outer != 1 || inner != 2 {
			t.Errorf("outer callback ran %d times, inner %d; want 1 and 2", outer, inner)
		}
	})
}

// 8. A panic in an OnCommit hook: the hooks after it still run, then the
// panic continues out of WithTx; the transaction has committed and the
// observer says so.
func TestPanicInOnCommitHook(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
		rec := &recorder{}
		var mu sync.Mutex
		var ran []int
		got := func() (p any) {
			defer func() { p = recover() }()
			_ = runtime.WithTx(ctx, b.Client, func(ctx context.Context) error {
				for i := range 3 {
					runtime.OnCommit(ctx, func(context.Context) {
						mu.Lock()
						ran = append(ran, i)
						mu.Unlock()
						if i == 0 {
							panic("hook 0")
						}
					})
				}
				return insert(ctx, coll, "a")
			}, runtime.WithObserver(rec))
			return nil
		}()
		if got != "hook 0" {
			t.Fatalf("recovered %#v, want the hook's panic", got)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(ran) != 3 {
			t.Errorf("hooks %v ran, want all three", ran)
		}
		wantEvents(t, rec, "start 1", "end 1 committed", "outcome committed=true attempts=1 err=false")
		wantIDs(t, coll, "a")
	})
}
