package runtime_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/internal/testenv"
	"github.com/mongotxgen/mongotxgen/runtime"
)

// Propagation modes, one test each.

func TestPropagationRequiredJoins(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
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
}

func TestPropagationRequiredInnerFailureMakesTheOuterRollbackOnly(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
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
}

func TestPropagationRequiresNewCommitsOnItsOwn(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
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
}

func TestPropagationMandatory(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
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
}

func TestPropagationDurable(t *testing.T) {
	testenv.Run(t, func(t *testing.T, b *testenv.Backend) {
		ctx, coll := begin(t, b)
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
}
